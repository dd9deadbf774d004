// The one JSON type of the project: insertion-ordered, because Stack Auth's
// clients snapshot key order (error envelope: code, details, error).
#pragma once
#include <nlohmann/json.hpp>

namespace latchkey {
using Json = nlohmann::ordered_json;
}
