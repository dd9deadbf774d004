// Request bodies (overview.md §5): the body of a request as JSON by its
// content type, and the lenient UTF-8 decoding every body and query value
// goes through.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.hpp"
#include "http/message.hpp"

namespace latchkey::http {

// JSON nested deeper than this is refused before it is parsed, so that no
// later recursive walk (validation messages, serialisation) can exhaust a
// worker's stack.
inline constexpr int kMaxJsonDepth = 512;
// Objects with more members than this are refused before they are parsed:
// Json (ordered_json) finds each key by a linear search, so an object of n
// members costs n²/2 comparisons (core/json_extent.hpp).
inline constexpr size_t kMaxJsonObjectMembers = 1000;

// The body by content type: JSON, a form (an object of strings), text/plain
// or octet-stream (a string); nullopt for GET and HEAD and when there is no
// content type. Throws BODY_PARSING_ERROR for invalid JSON and for an
// unknown content type.
std::optional<Json> parse_body(const Request& req);

// A form's fields (parse_query) as a JSON object of strings, names and
// values UTF-8-repaired; a repeated name keeps its first position and takes
// its last value.
Json form_object(const std::vector<std::pair<std::string, std::string>>& fields);

// Replaces invalid UTF-8 sequences with U+FFFD (lenient decoding, §5).
std::string sanitize_utf8(std::string_view in);

}  // namespace latchkey::http
