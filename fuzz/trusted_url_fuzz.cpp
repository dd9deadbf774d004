// Trusted-URL matching (core/trusted_urls.hpp), which decides where a
// callback_url, redirect_uri or error redirect may send a user, and the
// code links built from an accepted callback URL (mail/templates.hpp
// build_code_link). The input is the URL; after a newline, optionally a
// trusted domain of the project's own configuration.
#include <cstdint>
#include <cstdlib>

#include "core/trusted_urls.hpp"
#include "fuzz_support.hpp"
#include "mail/templates.hpp"

using namespace latchkey;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [url, domain] =
      fuzz::split_line(std::string_view(reinterpret_cast<const char*>(data), size));
  static const Json kConfig{
      {"allow_localhost", false},
      {"domains", Json::array({Json{{"domain", "https://app.example.com/auth"}},
                               Json{{"domain", "https://example.org"}}})}};
  static const Json kLocalhost{{"allow_localhost", true}, {"domains", Json::array()}};
  const bool trusted = core::is_trusted_url(kConfig, url);
  (void)core::is_trusted_url(kLocalhost, url);
  if (!domain.empty()) {
    Json own{{"allow_localhost", false},
             {"domains", Json::array({Json{{"domain", std::string(domain)}}})}};
    (void)core::is_trusted_url(own, url);
  }
  if (auto link = mail::build_code_link(url, "fuzz-code")) {
    // The code link of a trusted callback URL stays trusted.
    if (trusted && !core::is_trusted_url(kConfig, *link)) abort();
  }
  return 0;
}
