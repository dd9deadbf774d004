// Template documents: every block type renders into the HTML and the text
// part, variables reach every string, and neither a template nor a variable
// can add markup, script or a dangerous link; invalid documents are refused.
#include "mail/documents.hpp"

#include <gtest/gtest.h>

namespace latchkey::mail {
namespace {

Json layout(const Json& children) {
  return Json{{"type", "EmailLayout"},
              {"data",
               {{"backdropColor", "#F5F5F5"},
                {"canvasColor", "#FFFFFF"},
                {"textColor", "#262626"},
                {"fontFamily", "MODERN_SANS"},
                {"childrenIds", children}}}};
}

Json block(const char* type, Json props, Json style = Json::object()) {
  return Json{{"type", type}, {"data", {{"style", style}, {"props", props}}}};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Documents, TheEmptyLayoutOfStacksTestIsValidAndRenders) {
  Json doc{{"root", layout(Json::array())}};
  EXPECT_FALSE(document_problem(doc));
  auto r = render_document("Custom Password Reset", doc, {});
  EXPECT_EQ(r.subject, "Custom Password Reset");
  EXPECT_TRUE(contains(r.html, "background-color:#F5F5F5"));
  EXPECT_TRUE(contains(r.html, "<title>Custom Password Reset</title>"));
  EXPECT_EQ(r.text, "\n");
}

TEST(Documents, EveryBlockTypeRenders) {
  Json doc{
      {"root",
       layout({"heading", "text", "button", "image", "divider", "spacer", "container", "columns"})},
      {"heading", block("Heading", {{"text", "Welcome"}, {"level", "h1"}},
                        {{"color", "#112233"}, {"textAlign", "center"}})},
      {"text", block("Text", {{"text", "Line one\nLine two"}},
                     {{"fontSize", 18},
                      {"fontWeight", "bold"},
                      {"fontFamily", "MONOSPACE"},
                      {"padding", {{"top", 1}, {"right", 2}, {"bottom", 3}, {"left", 4}}}})},
      {"button", block("Button", {{"text", "Open"},
                                  {"url", "https://example.com/open"},
                                  {"buttonBackgroundColor", "#FF0000"},
                                  {"buttonTextColor", "#00FF00"},
                                  {"buttonStyle", "pill"},
                                  {"size", "large"},
                                  {"fullWidth", true}})},
      {"image", block("Image", {{"url", "https://example.com/logo.png"},
                                {"alt", "Logo"},
                                {"width", 120},
                                {"height", 40},
                                {"linkHref", "https://example.com"},
                                {"contentAlignment", "top"}})},
      {"divider", block("Divider", {{"lineColor", "#ABCDEF"}, {"lineHeight", 2}})},
      {"spacer", block("Spacer", {{"height", 30}})},
      {"container",
       block("Container", {{"childrenIds", {"inner"}}},
             {{"backgroundColor", "#EEEEEE"}, {"borderColor", "#DDDDDD"}, {"borderRadius", 6}})},
      {"inner", block("Text", {{"text", "Inside the container"}})},
      {"columns", block("ColumnsContainer", {{"columnsCount", 3},
                                             {"columnsGap", 10},
                                             {"fixedWidths", {100, nullptr, nullptr}},
                                             {"columns",
                                              {{{"childrenIds", {"left"}}},
                                               {{"childrenIds", {"middle"}}},
                                               {{"childrenIds", Json::array()}}}}})},
      {"left", block("Text", {{"text", "Left column"}})},
      {"middle", block("Text", {{"text", "Middle column"}})},
  };
  ASSERT_FALSE(document_problem(doc)) << *document_problem(doc);
  auto r = render_document("S", doc, {});
  for (const char* piece : {"<h1 style=\"margin:0;font-size:32px;color:#112233;text-align:center;",
                            "Line one<br />Line two",
                            "font-size:18px",
                            "font-weight:bold",
                            "monospace",
                            "padding:1px 2px 3px 4px",
                            "href=\"https://example.com/open\"",
                            "display:block",
                            "background-color:#FF0000",
                            "color:#00FF00",
                            "border-radius:64px",
                            "padding:16px 32px",
                            "<a href=\"https://example.com\" target=\"_blank\"><img "
                            "src=\"https://example.com/logo.png\" "
                            "alt=\"Logo\" width=\"120\" height=\"40\"",
                            "vertical-align:top",
                            "border-top:2px solid #ABCDEF",
                            "height:30px",
                            "border:1px solid #DDDDDD",
                            "border-radius:6px",
                            "Inside the container",
                            "width:100px",
                            "padding:0 5px",
                            "Left column",
                            "Middle column"})
    EXPECT_TRUE(contains(r.html, piece)) << piece;
  // Three columns.
  size_t tds = 0;
  for (size_t p = r.html.find("<td "); p != std::string::npos; p = r.html.find("<td ", p + 1))
    ++tds;
  EXPECT_EQ(tds, 3u);
  EXPECT_EQ(r.text,
            "Welcome\n\nLine one\nLine two\n\nOpen: https://example.com/open\n\n[Logo]\n\n---\n\n"
            "Inside the container\n\nLeft column\n\nMiddle column\n");
}

TEST(Documents, VariablesReachEveryStringAndTheSubject) {
  Json doc{{"root", layout({"h", "b"})},
           {"h", block("Heading",
                       {{"text", "Hi{{#if userDisplayName}}, {{ userDisplayName }}{{/if}}"}})},
           {"b", block("Button", {{"text", "Go to {{ projectDisplayName }}"},
                                  {"url", "{{ passwordResetLink }}"}})}};
  TemplateVars vars{{"projectDisplayName", "Acme"},
                    {"userDisplayName", "Ann"},
                    {"passwordResetLink", "https://acme.test/reset?code=abc"}};
  auto r = render_document("Reset at {{ projectDisplayName }}", doc, vars);
  EXPECT_EQ(r.subject, "Reset at Acme");
  EXPECT_TRUE(contains(r.html, ">Hi, Ann</h2>"));
  EXPECT_TRUE(contains(r.html, "href=\"https://acme.test/reset?code=abc\""));
  EXPECT_TRUE(contains(r.text, "Go to Acme: https://acme.test/reset?code=abc"));
  // Unset variables render empty and are false.
  auto bare = render_document("{{ nothing }}x", doc, {});
  EXPECT_EQ(bare.subject, "x");
  EXPECT_TRUE(contains(bare.html, ">Hi</h2>"));
  // A string that does not compile is kept verbatim.
  EXPECT_EQ(render_document("{{#if a}}open", doc, {}).subject, "{{#if a}}open");
}

TEST(Documents, NeitherTemplatesNorVariablesCanInjectMarkupOrScript) {
  Json doc{{"root", layout({"t", "b", "i", "l"})},
           {"t", block("Text", {{"text", "<script>alert(1)</script>{{ userDisplayName }}"}})},
           {"b", block("Button", {{"text", "x"}, {"url", "javascript:alert(1)"}})},
           {"i", block("Image", {{"url", "data:text/html,<script>"},
                                 {"alt", "\"><script>"},
                                 {"linkHref", " JAVASCRIPT:alert(2)"}})},
           {"l", block("Button", {{"text", "y"}, {"url", "{{ link }}"}})}};
  TemplateVars vars{{"userDisplayName", "<img src=x onerror=alert(1)>"},
                    {"link", "https://ok.test/\"><script>alert(3)</script>"}};
  auto r = render_document("Subject\r\nBcc: victim@example.com", doc, vars);
  EXPECT_FALSE(contains(r.html, "<script"));
  EXPECT_FALSE(contains(r.html, "<img src=x"));
  EXPECT_FALSE(contains(r.html, "javascript:"));
  EXPECT_FALSE(contains(r.html, "data:text"));
  EXPECT_TRUE(contains(r.html, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src&#x3D;x"));
  EXPECT_TRUE(contains(r.html, "href=\"#\""));
  EXPECT_TRUE(contains(r.html, "https://ok.test/&quot;&gt;&lt;script&gt;"));
  // The subject keeps its text; the MIME layer turns CR/LF into spaces.
  EXPECT_TRUE(contains(r.html, "<title>Subject\r\nBcc: victim@example.com</title>"));
}

TEST(Documents, StylesOnlyTakeValidatedValues) {
  // A document stored before validation (or built in code) still cannot put
  // arbitrary CSS into a style attribute.
  Json doc{{"root", layout({"t"})},
           {"t", block("Text", {{"text", "x"}},
                       {{"color", "red;background:url(https://evil.test)"},
                        {"fontFamily", "x\"><script>"}})}};
  auto r = render_document("S", doc, {});
  EXPECT_FALSE(contains(r.html, "evil.test"));
  EXPECT_FALSE(contains(r.html, "<script"));
}

TEST(Documents, InvalidDocumentsAreRefused) {
  EXPECT_TRUE(document_problem(Json::array()));
  EXPECT_TRUE(document_problem(Json{{"root", "text"}}));
  EXPECT_TRUE(document_problem(Json{{"root", {{"type", "Marquee"}, {"data", Json::object()}}}}));
  EXPECT_TRUE(document_problem(Json{{"root", {{"type", "EmailLayout"}}}}));
  EXPECT_TRUE(document_problem(
      Json{{"root", {{"type", "EmailLayout"}, {"data", {{"backdropColor", "red"}}}}}}));
  EXPECT_TRUE(document_problem(Json{{"t", block("Heading", {{"level", "h7"}})}}));
  EXPECT_TRUE(document_problem(Json{{"t", block("Text", {{"text", 5}})}}));
  EXPECT_TRUE(document_problem(Json{{"t", block("Button", {{"size", "huge"}})}}));
  EXPECT_TRUE(document_problem(Json{{"t", block("Spacer", {{"height", -1}})}}));
  EXPECT_TRUE(document_problem(Json{{"t", block("ColumnsContainer", {{"columnsCount", 4}})}}));
  EXPECT_TRUE(
      document_problem(Json{{"t", block("Text", {{"text", "x"}}, {{"padding", {{"top", 1}}}})}}));
  // A container that contains itself, directly or through another.
  EXPECT_TRUE(document_problem(Json{{"a", block("Container", {{"childrenIds", {"b"}}})},
                                    {"b", block("Container", {{"childrenIds", {"a"}}})}}));
  // Unknown members are ignored (as the editor's schemas do); nulls allowed.
  EXPECT_FALSE(document_problem(
      Json{{"t", block("Text", {{"text", nullptr}, {"markdown", true}}, nullptr)}}));
  // Empty object: no blocks at all.
  EXPECT_FALSE(document_problem(Json::object()));
}

TEST(Documents, ASelfContainingDocumentStillRendersOnce) {
  Json doc{{"root", layout({"a"})},
           {"a", block("Container", {{"childrenIds", {"a", "t"}}})},
           {"t", block("Text", {{"text", "once"}})}};
  auto r = render_document("S", doc, {});
  EXPECT_EQ(r.text, "once\n");
}

// A document is at most a request body, but one large Text block listed
// many times rendered once per listing: the HTML is bounded as well as the
// number of blocks.
TEST(Documents, ABlockListedManyTimesCannotMakeAHugeEmail) {
  Json ids = Json::array();
  for (int k = 0; k < 500; ++k) ids.push_back("t");
  Json doc{{"root", layout(ids)}, {"t", block("Text", {{"text", std::string(100000, 'x')}})}};
  ASSERT_FALSE(document_problem(doc));
  auto r = render_document("S", doc, {});
  EXPECT_LT(r.html.size(), 3u << 20);
  EXPECT_GT(r.html.size(), 2u << 20);  // rendered up to the bound, not refused
}

TEST(Documents, TheDefaultsAreValidAndCarryTheirLinks) {
  struct Case {
    TemplateType type;
    const char* link_var;
    const char* subject;
  } cases[] = {
      {TemplateType::kEmailVerification, "emailVerificationLink", "Verify your email at Acme"},
      {TemplateType::kPasswordReset, "passwordResetLink", "Reset your password at Acme"},
      {TemplateType::kMagicLink, "magicLink", "Sign in to Acme: Your code is ABC123"},
      {TemplateType::kTeamInvitation, "teamInvitationLink", "You have been invited to join Team"},
      {TemplateType::kSignInInvitation, "signInInvitationLink",
       "You have been invited to sign in to Acme"},
  };
  for (const auto& c : cases) {
    Json doc = default_document(c.type);
    ASSERT_FALSE(document_problem(doc)) << template_type_name(c.type);
    TemplateVars vars{{"projectDisplayName", "Acme"},
                      {"teamDisplayName", "Team"},
                      {"otp", "ABC123"},
                      {c.link_var, "https://acme.test/cb?code=xyz"}};
    auto r = render_document(default_subject(c.type), doc, vars);
    EXPECT_EQ(r.subject, c.subject);
    EXPECT_TRUE(contains(r.text, "https://acme.test/cb?code=xyz")) << template_type_name(c.type);
    EXPECT_TRUE(
        contains(r.text, "If you were not expecting this email, you can safely ignore it."));
  }
  EXPECT_TRUE(
      contains(render_document(default_subject(TemplateType::kMagicLink),
                               default_document(TemplateType::kMagicLink), {{"otp", "ABC123"}})
                   .text,
               "ABC123"));
}

}  // namespace
}  // namespace latchkey::mail
