// The preview of an e-mail template (POST /emails/render-email with a
// template): what would be sent once saved, with sample values, the saved
// or built-in parts where none are given, and a known error for a document
// PATCH would refuse.
#include "core/email_templates.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/projects.hpp"
#include "mail/documents.hpp"

namespace latchkey::core {
namespace {

class TemplatePreview : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("latchkey-template-test-" + random_uuid());
    std::filesystem::create_directories(dir_);
    store_ = store::open_store((dir_ / "test.db").string());
    store_->migrate();
    NewProject np;
    np.display_name = "Preview Co";
    np.config = Json{{"email_config", {{"type", "standard"}, {"host", "smtp.example.com"}}}};
    project_ = *store_->projects().get_project(create_project(*store_, clock_, np).id);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static Json document(const std::string& text) {
    return Json{
        {"root", {{"type", "EmailLayout"}, {"data", {{"childrenIds", Json::array({"t", "b"})}}}}},
        {"t", {{"type", "Text"}, {"data", {{"props", {{"text", text}}}}}}},
        {"b",
         {{"type", "Button"},
          {"data", {{"props", {{"text", "Go"}, {"url", "{{ passwordResetLink }}"}}}}}}}};
  }

  mail::RenderedEmail preview(mail::TemplateType type, std::optional<std::string> subject,
                              std::optional<Json> content) {
    return preview_email_template(*store_, project_, type, subject, content);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  ManualClock clock_;
  store::Project project_;
};

TEST_F(TemplatePreview, AnUnsavedDocumentIsRenderedWithSampleValues) {
  auto r = preview(mail::TemplateType::kPasswordReset, "Reset at {{ projectDisplayName }}",
                   document("Hello {{ userDisplayName }} <b>of</b> {{ projectDisplayName }}"));
  EXPECT_EQ(r.subject, "Reset at Preview Co");
  EXPECT_NE(r.html.find("Hello John Doe &lt;b&gt;of&lt;/b&gt; Preview Co"), std::string::npos)
      << r.html;
  EXPECT_NE(r.html.find("href=\"https://example.com/handler/password-reset?code=sample-code\""),
            std::string::npos)
      << r.html;
  // Nothing was saved.
  EXPECT_TRUE(get_email_template(*store_, project_, mail::TemplateType::kPasswordReset)
                  .value("is_default", false));
}

TEST_F(TemplatePreview, MissingPartsComeFromTheSavedOrBuiltInTemplate) {
  // Nothing given, nothing saved: the built-in e-mail as it is sent.
  auto builtin = preview(mail::TemplateType::kMagicLink, std::nullopt, std::nullopt);
  auto sent = mail::render_email(mail::TemplateType::kMagicLink,
                                 sample_template_vars(project_, mail::TemplateType::kMagicLink));
  EXPECT_EQ(builtin.html, sent.html);
  EXPECT_EQ(builtin.subject, "Sign in to Preview Co: Your code is 3SLSWZ");

  // A subject alone (or an empty one) keeps the built-in document.
  auto subject_only = preview(mail::TemplateType::kMagicLink, "Code {{ otp }}", std::nullopt);
  EXPECT_EQ(subject_only.subject, "Code 3SLSWZ");
  EXPECT_NE(subject_only.html.find("3SLSWZ"), std::string::npos);

  update_email_template(*store_, clock_, project_, mail::TemplateType::kPasswordReset,
                        "Saved {{ projectDisplayName }}", document("Saved body"));
  auto saved = preview(mail::TemplateType::kPasswordReset, "", std::nullopt);
  EXPECT_EQ(saved.subject, "Saved Preview Co");
  EXPECT_NE(saved.html.find("Saved body"), std::string::npos);
  auto edited = preview(mail::TemplateType::kPasswordReset, std::nullopt, document("Edited body"));
  EXPECT_EQ(edited.subject, "Saved Preview Co");
  EXPECT_NE(edited.html.find("Edited body"), std::string::npos);
}

TEST_F(TemplatePreview, AnInvalidDocumentIsAKnownError) {
  Json bad = document("x");
  bad["t"]["type"] = "Marquee";
  try {
    preview(mail::TemplateType::kPasswordReset, std::nullopt, bad);
    FAIL() << "no error";
  } catch (const KnownError& e) {
    EXPECT_EQ(e.code(), "EMAIL_RENDERING_ERROR");
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.message(),
              "Failed to render email with theme: content.t.type is not a known block type");
  }
  // A block that contains itself never ends: refused, not rendered.
  Json loop = document("x");
  loop["c"] = Json{{"type", "Container"}, {"data", {{"props", {{"childrenIds", {"c"}}}}}}};
  EXPECT_THROW(preview(mail::TemplateType::kPasswordReset, std::nullopt, loop), KnownError);
}

TEST_F(TemplatePreview, SampleValuesAreThoseTheEmailGets) {
  using T = mail::TemplateType;
  auto vars = sample_template_vars(project_, T::kTeamInvitation);
  EXPECT_EQ(vars.at("projectDisplayName"), "Preview Co");
  EXPECT_EQ(vars.at("teamDisplayName"), "My Team");
  EXPECT_TRUE(vars.count("teamInvitationLink"));
  EXPECT_FALSE(vars.count("userDisplayName"));
  EXPECT_TRUE(sample_template_vars(project_, T::kSignInInvitation).count("signInInvitationLink"));
  EXPECT_TRUE(sample_template_vars(project_, T::kEmailVerification).count("emailVerificationLink"));
}

}  // namespace
}  // namespace latchkey::core
