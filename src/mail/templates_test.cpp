#include "mail/templates.hpp"

#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "mail/mime.hpp"

namespace latchkey::mail {
namespace {

TEST(Handlebars, SubstitutesAndIgnoresUnknown) {
  EXPECT_EQ(*render_handlebars("Hi {{ name }}!{{missing}}", {{"name", "Ann"}}), "Hi Ann!");
  EXPECT_EQ(*render_handlebars("{{name}}{{  name  }}", {{"name", "x"}}), "xx");
  EXPECT_EQ(*render_handlebars("no tags", {}), "no tags");
}

TEST(Handlebars, IfBlocks) {
  const char* t = "Hi{{#if user}}, {{ user }}{{/if}}!";
  EXPECT_EQ(*render_handlebars(t, {{"user", "Ann"}}), "Hi, Ann!");
  EXPECT_EQ(*render_handlebars(t, {}), "Hi!");
  EXPECT_EQ(*render_handlebars(t, {{"user", ""}}), "Hi!");  // empty is false
  EXPECT_EQ(*render_handlebars("{{#if a}}A{{#if b}}B{{/if}}{{/if}}", {{"a", "1"}}), "A");
  EXPECT_EQ(*render_handlebars("{{#if a}}A{{#if b}}B{{/if}}{{/if}}", {{"a", "1"}, {"b", "1"}}),
            "AB");
}

TEST(Handlebars, BadTemplatesDoNotCompile) {
  EXPECT_FALSE(render_handlebars("{{#if a}}unclosed", {}));
  EXPECT_FALSE(render_handlebars("stray {{/if}}", {}));
  EXPECT_FALSE(render_handlebars("{{ unterminated", {}));
  EXPECT_FALSE(render_handlebars("{{> partial}}", {}));
  EXPECT_FALSE(render_handlebars("{{#if}}x{{/if}}", {}));
}

// A template is at most a request body (1 MiB): nested {{#if}} blocks must
// not recurse once per block (a megabyte of "{{#if a}}" overflowed a
// worker's stack). Too deep a template does not compile, and is kept
// verbatim like any other that does not.
TEST(Handlebars, DeeplyNestedBlocksDoNotCompile) {
  std::string deep;
  for (int k = 0; k < 120000; ++k) deep += "{{#if a}}";
  EXPECT_FALSE(render_handlebars(deep, {{"a", "1"}}));
  std::string closed = deep + "x";
  for (int k = 0; k < 120000; ++k) closed += "{{/if}}";
  EXPECT_FALSE(render_handlebars(closed, {{"a", "1"}}));
  std::string nested;
  for (int k = 0; k < 32; ++k) nested += "{{#if a}}";
  nested += "{{ a }}";
  for (int k = 0; k < 32; ++k) nested += "{{/if}}";
  EXPECT_EQ(render_handlebars(nested, {{"a", "1"}}), "1");
}

TEST(Handlebars, HtmlEscapingOnlyWhenAsked) {
  TemplateVars v{{"n", "<a & \"b\">"}};
  EXPECT_EQ(*render_handlebars("{{ n }}", v), "<a & \"b\">");
  EXPECT_EQ(*render_handlebars("{{ n }}", v, true), "&lt;a &amp; &quot;b&quot;&gt;");
}

constexpr const char* kCode = "0a1b2c3d4e5f6g7h8j9k0m1n2p3q4r5s6t7v8w9x0y1z2";

TEST(CodeLink, AppendsCode) {
  EXPECT_EQ(*build_code_link("http://localhost:12345/some-callback-url", kCode),
            std::string("http://localhost:12345/some-callback-url?code=") + kCode);
}

TEST(CodeLink, ReplacesCodeAndKeepsTheRest) {
  EXPECT_EQ(*build_code_link("https://a.example/cb?x=1&code=old&y=2#frag", kCode),
            std::string("https://a.example/cb?x=1&code=") + kCode + "&y=2#frag");
  EXPECT_EQ(*build_code_link("https://a.example/cb?code=1&code=2", kCode),
            std::string("https://a.example/cb?code=") + kCode);
}

// An empty query before a fragment crashed Boost.URL 1.81's params().set
// (fuzz/corpus/trusted_url_fuzz/regression_empty_query_fragment).
TEST(CodeLink, EmptyQueryBeforeAFragment) {
  EXPECT_EQ(build_code_link("http://localhost:3000/cb?#", "c1"),
            "http://localhost:3000/cb?code=c1#");
  EXPECT_EQ(build_code_link("https://a.test/?#f", "c1"), "https://a.test/?code=c1#f");
  EXPECT_EQ(build_code_link("https://a.test/p?", "c1"), "https://a.test/p?code=c1");
}

TEST(CodeLink, EmptyPathBecomesSlash) {
  EXPECT_EQ(*build_code_link("http://localhost:3000", kCode),
            std::string("http://localhost:3000/?code=") + kCode);
}

TEST(CodeLink, RejectsRelativeOrBrokenUrls) {
  EXPECT_FALSE(build_code_link("/relative/path", kCode));
  EXPECT_FALSE(build_code_link("not a url", kCode));
  EXPECT_FALSE(build_code_link("", kCode));
}

TEST(Templates, VerificationEmail) {
  auto r = render_email(TemplateType::kEmailVerification,
                        {{"projectDisplayName", "Stack Dashboard"},
                         {"userDisplayName", "Ann"},
                         {"emailVerificationLink", "http://localhost:1/cb?code=abc"}});
  EXPECT_EQ(r.subject, "Verify your email at Stack Dashboard");
  EXPECT_NE(r.text.find("Verify your email at Stack Dashboard"), std::string::npos);
  EXPECT_NE(r.text.find("Hi, Ann! Please click on the following button to verify your email."),
            std::string::npos);
  EXPECT_NE(r.text.find("http://localhost:1/cb?code=abc"), std::string::npos);
  EXPECT_NE(r.text.find("If you were not expecting this email, you can safely ignore it."),
            std::string::npos);
  EXPECT_NE(r.html.find("href=\"http://localhost:1/cb?code&#x3D;abc\""), std::string::npos);
  EXPECT_NE(r.html.find("Verify my email"), std::string::npos);
}

TEST(Templates, GreetingWithoutUserName) {
  auto r = render_email(TemplateType::kPasswordReset,
                        {{"projectDisplayName", "P"}, {"passwordResetLink", "https://x/y"}});
  EXPECT_EQ(r.subject, "Reset your password at P");
  EXPECT_NE(r.text.find("Hi! Please click on the following button to start the password reset "
                        "process."),
            std::string::npos);
  EXPECT_NE(r.text.find("Reset my password: https://x/y"), std::string::npos);
}

TEST(Templates, MagicLinkCurrentAndLegacy) {
  TemplateVars v{{"projectDisplayName", "Stack Dashboard"},
                 {"otp", "ABC123"},
                 {"magicLink", "http://localhost:12345/cb?code=abc123rest"}};
  auto r = render_email(TemplateType::kMagicLink, v);
  EXPECT_EQ(r.subject, "Sign in to Stack Dashboard: Your code is ABC123");
  EXPECT_NE(r.text.find("This is your one-time-password for signing in:\n\nABC123\n"),
            std::string::npos);
  EXPECT_NE(r.text.find("http://localhost:12345/cb?code=abc123rest"), std::string::npos);
  EXPECT_NE(r.html.find(">this link</a> to sign in"), std::string::npos);

  auto legacy = render_email(TemplateType::kMagicLink, v, true);
  EXPECT_EQ(legacy.subject, r.subject);
  EXPECT_EQ(legacy.text.find("ABC123\n"), std::string::npos);
  EXPECT_NE(legacy.text.find("Please click on the following button to sign in."),
            std::string::npos);
  EXPECT_NE(legacy.text.find("Sign in: http://localhost:12345/cb?code=abc123rest"),
            std::string::npos);
}

TEST(Templates, TeamAndSignInInvitations) {
  auto t = render_email(TemplateType::kTeamInvitation, {{"projectDisplayName", "P"},
                                                        {"teamDisplayName", "Rockets"},
                                                        {"teamInvitationLink", "https://l"}});
  EXPECT_EQ(t.subject, "You have been invited to join Rockets");
  EXPECT_NE(t.text.find("You are invited to Rockets"), std::string::npos);
  EXPECT_NE(t.text.find("join the team Rockets"), std::string::npos);
  EXPECT_NE(t.text.find("Join team: https://l"), std::string::npos);

  auto s = render_email(TemplateType::kSignInInvitation,
                        {{"projectDisplayName", "P"}, {"signInInvitationLink", "https://s"}});
  EXPECT_EQ(s.subject, "You have been invited to sign in to P");
  EXPECT_NE(s.text.find("You are invited to sign in to \n"), std::string::npos);
  EXPECT_NE(s.text.find("Sign in: https://s"), std::string::npos);
}

TEST(Templates, HtmlEscapesNamesButSubjectStaysPlain) {
  auto r = render_email(TemplateType::kPasswordReset,
                        {{"projectDisplayName", "A&B <x>"}, {"passwordResetLink", "https://x"}});
  EXPECT_EQ(r.subject, "Reset your password at A&B <x>");
  EXPECT_NE(r.html.find("A&amp;B &lt;x&gt;"), std::string::npos);
  EXPECT_EQ(r.html.find("<x>"), std::string::npos);
}

TEST(Mime, HeadersAndParts) {
  MimeMessage m;
  m.from_name = "Stack Dashboard";
  m.from_address = "noreply@example.com";
  m.to = "a@b.c";
  m.subject = "Sign in to X: Your code is ABC123";
  m.text = "text body";
  m.html = "<p>html</p>";
  m.date_millis = 1751976000000;  // 2025-07-08T12:00:00Z
  m.message_id = "id@example.com";
  m.boundary = "=_latchkey_b";
  std::string s = render_mime(m);
  EXPECT_NE(s.find("From: \"Stack Dashboard\" <noreply@example.com>\r\n"), std::string::npos);
  EXPECT_NE(s.find("To: <a@b.c>\r\n"), std::string::npos);
  EXPECT_NE(s.find("Subject: Sign in to X: Your code is ABC123\r\n"), std::string::npos);
  EXPECT_NE(s.find("Date: Tue, 08 Jul 2025 12:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(s.find("Content-Type: multipart/alternative; boundary=\"=_latchkey_b\""),
            std::string::npos);
  EXPECT_NE(s.find(core::base64_encode("text body")), std::string::npos);
  EXPECT_NE(s.find(core::base64_encode("<p>html</p>")), std::string::npos);
  EXPECT_LT(s.find("text/plain"), s.find("text/html"));
  EXPECT_NE(s.find("--=_latchkey_b--\r\n"), std::string::npos);
}

TEST(Mime, NoHeaderInjection) {
  EXPECT_EQ(encode_header_value("a\r\nBcc: x@y"), "a  Bcc: x@y");
  EXPECT_EQ(format_mailbox("N\r\nX: y", "a@b\r\n"), "\"N  X: y\" <a@b  >");
  EXPECT_EQ(format_mailbox("Say \"hi\"", "a@b"), "\"Say \\\"hi\\\"\" <a@b>");
}

TEST(Mime, NonAsciiIsEncodedWithoutSplittingCharacters) {
  std::string name = "Caf\xC3\xA9 ";
  std::string long_subject;
  for (int i = 0; i < 40; ++i) long_subject += "\xC3\xA9";  // 80 bytes of é
  std::string enc = encode_header_value(long_subject);
  EXPECT_EQ(enc.rfind("=?UTF-8?B?", 0), 0u);
  // Every encoded word decodes to whole UTF-8 characters.
  size_t pos = 0;
  std::string decoded;
  while ((pos = enc.find("=?UTF-8?B?", pos)) != std::string::npos) {
    size_t end = enc.find("?=", pos + 10);
    auto word = core::base64_decode(enc.substr(pos + 10, end - pos - 10));
    ASSERT_TRUE(word);
    EXPECT_EQ(word->size() % 2, 0u);
    decoded += *word;
    pos = end;
  }
  EXPECT_EQ(decoded, long_subject);
  EXPECT_EQ(format_mailbox(name, "a@b").find("=?UTF-8?B?"), 0u);
}

TEST(Mime, Base64LinesAreShort) {
  std::string big(1000, 'x');
  std::string b = base64_lines(big);
  size_t start = 0;
  while (start < b.size()) {
    size_t end = b.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 76u);
    start = end + 2;
  }
}

}  // namespace
}  // namespace latchkey::mail
