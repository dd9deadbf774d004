// Themes: Stack's mock answer byte for byte, Latchkey's own light and dark
// themes with the unsubscribe link, and the text part derived from HTML.
#include "mail/themes.hpp"

#include <gtest/gtest.h>

namespace latchkey::mail {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Themes, StacksMockAnswersAsStackDoes) {
  auto with = render_stack_mock(
      std::string("http://localhost:8102/api/v1/emails/unsubscribe-link?code=abc"));
  EXPECT_EQ(with.html,
            "<div>Mock api key detected, returning mock data <br /><br /><a "
            "href=\"http://localhost:8102/api/v1/emails/unsubscribe-link?code=abc\">Click here to "
            "unsubscribe</a></div>");
  EXPECT_EQ(with.text, "Mock api key detected, returning mock data");
  auto without = render_stack_mock(std::nullopt);
  EXPECT_EQ(without.html, "<div>Mock api key detected, returning mock data </div>");
}

TEST(Themes, ThemesWrapTheBodyAndAddTheUnsubscribeLink) {
  auto light = render_with_theme("<h1>Hello</h1><p>News &amp; more</p>", EmailTheme::kLight,
                                 std::string("https://x.test/u?code=a\"b"));
  EXPECT_TRUE(contains(light.html, "<h1>Hello</h1><p>News &amp; more</p>"));
  EXPECT_TRUE(contains(light.html, "background-color:#ffffff"));
  EXPECT_TRUE(contains(light.html, "href=\"https://x.test/u?code=a&quot;b\""));
  EXPECT_EQ(light.text,
            "Hello\n\nNews & more\n\nClick here to unsubscribe (https://x.test/u?code=a\"b)");
  auto dark = render_with_theme("<p>x</p>", EmailTheme::kDark, std::nullopt);
  EXPECT_TRUE(contains(dark.html, "background-color:#0f172a"));
  EXPECT_FALSE(contains(dark.html, "unsubscribe"));
  EXPECT_EQ(parse_email_theme("default-dark"), EmailTheme::kDark);
  EXPECT_EQ(parse_email_theme("default-light"), EmailTheme::kLight);
  EXPECT_FALSE(parse_email_theme("neon"));
}

// Script and style contents are skipped by a case-insensitive search in
// place: a lower-cased copy of the rest per tag made a megabyte of
// "<script></script>" take minutes.
TEST(Themes, HtmlToTextSkipsScriptsInLinearTime) {
  EXPECT_EQ(html_to_text("a<SCRIPT>x</ScRiPt>b<style>p{}</STYLE>c"), "abc");
  EXPECT_EQ(html_to_text("a<script>never closed"), "a");
  std::string many;
  for (int k = 0; k < 60000; ++k) many += "<script>x</script>";
  EXPECT_EQ(html_to_text(many + "done"), "done");
}

TEST(Themes, HtmlToText) {
  EXPECT_EQ(html_to_text("<p>One</p><p>Two<br>Three</p>"), "One\n\nTwo\nThree");
  EXPECT_EQ(html_to_text("<div>a   b\n c</div>"), "a b c");
  EXPECT_EQ(html_to_text("<a href=\"https://a.test/?x=1&amp;y=2\">link</a>"),
            "link (https://a.test/?x=1&y=2)");
  EXPECT_EQ(html_to_text("<a href='https://a.test/'>https://a.test/</a>"), "https://a.test/");
  EXPECT_EQ(html_to_text("<style>p{color:red}</style><script>alert(1)</script>x<!-- hidden -->y"),
            "xy");
  EXPECT_EQ(html_to_text("&lt;b&gt; &#65;&#x42; &copy; &"), "<b> AB &copy; &");
  EXPECT_EQ(html_to_text("<p>unterminated <b"), "unterminated");
  EXPECT_EQ(html_to_text(""), "");
}

}  // namespace
}  // namespace latchkey::mail
