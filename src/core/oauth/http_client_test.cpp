#include "core/oauth/http_client.hpp"

#include <gtest/gtest.h>

namespace latchkey::core::oauth {
namespace {

TEST(HttpClient, UnreachableHostIsAnHttpError) {
  HttpClientOptions o;
  o.connect_timeout_millis = 2000;
  o.total_timeout_millis = 2000;
  auto http = make_curl_http_client(o);
  HttpRequest r;
  r.url = "http://127.0.0.1:9/";  // discard port: nothing listens
  EXPECT_THROW(http->send(r), HttpError);
  r.url = "file:///etc/passwd";  // only web protocols
  EXPECT_THROW(http->send(r), HttpError);
}

TEST(HttpClient, FormEncoding) {
  EXPECT_EQ(form_encode({{"a b", "c&d=e"}, {"scope", "openid email"}, {"x", "ü~"}}),
            "a+b=c%26d%3De&scope=openid+email&x=%C3%BC%7E");
  EXPECT_EQ(form_encode({}), "");
}

}  // namespace
}  // namespace latchkey::core::oauth
