// How large a JSON text is in the two ways that make parsing it expensive,
// measured without parsing it: how deep it nests, and how many members its
// largest object has. Latchkey's Json is nlohmann's ordered_json, which
// finds each new key by a linear search of its object, so parsing an object
// of n members costs about n²/2 key comparisons (a 1 MiB body of 90,000
// members took seconds); recursive walks of a parsed value go as deep as it
// nests. Every parser of attacker JSON bounds both first.
#pragma once
#include <cstddef>
#include <string_view>

namespace latchkey::core {

struct JsonExtent {
  int depth = 0;             // deepest nesting of arrays and objects
  size_t widest_object = 0;  // most members of any one object
};

// Strings (with their escapes) are skipped. Reading stops at the first
// container deeper than `max_depth` (depth is then max_depth + 1), so the
// scan's own memory stays bounded. For text that is not JSON the numbers
// mean little, but the parser refuses such text anyway.
JsonExtent json_extent(std::string_view text, int max_depth);

}  // namespace latchkey::core
