#include "core/json_extent.hpp"

#include <algorithm>
#include <vector>

namespace latchkey::core {

JsonExtent json_extent(std::string_view text, int max_depth) {
  JsonExtent out;
  // Members seen so far in each open container; arrays are marked with
  // npos (their elements are appended in constant time).
  constexpr size_t kArray = static_cast<size_t>(-1);
  std::vector<size_t> open;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (open.size() >= static_cast<size_t>(std::max(max_depth, 0))) {
          out.depth = max_depth + 1;
          return out;
        }
        open.push_back(c == '{' ? 0 : kArray);
        out.depth = std::max(out.depth, static_cast<int>(open.size()));
        break;
      case '}':
      case ']':
        if (!open.empty()) open.pop_back();
        break;
      case ':':
        // One colon per member, directly inside its object.
        if (!open.empty() && open.back() != kArray)
          out.widest_object = std::max(out.widest_object, ++open.back());
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace latchkey::core
