// The rule for profile images that a client may store (users.md §3.1, the
// same for teams, teams.md §2): a base64 data URL of a common image type, or
// bare base64.
#pragma once
#include <cctype>
#include <string>
#include <string_view>

namespace latchkey::api {

// [A-Za-z0-9+/]+ followed by up to two '='. Hand-written: std::regex
// recurses per character and overflows the stack on megabyte inputs.
inline bool is_loose_base64(std::string_view s) {
  size_t end = s.size();
  for (int k = 0; k < 2 && end > 0 && s[end - 1] == '='; ++k) --end;
  if (end == 0) return false;
  for (size_t i = 0; i < end; ++i) {
    char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
  }
  return true;
}

inline bool is_client_profile_image(std::string_view url) {
  for (std::string_view type : {"png", "jpg", "jpeg", "gif", "bmp", "webp"}) {
    std::string prefix = "data:image/" + std::string(type) + ";base64,";
    if (url.substr(0, prefix.size()) == prefix) return is_loose_base64(url.substr(prefix.size()));
  }
  return is_loose_base64(url);
}

}  // namespace latchkey::api
