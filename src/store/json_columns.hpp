// The JSON columns both engines store as text (metadata, config, passkey
// transports) and the OAuth accounts both select as a JSON array: the same
// encoding on SQLite and PostgreSQL, so it is written once here.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "store/user_store.hpp"

namespace latchkey::store {

// A JSON column: NULL is JSON null (and unparseable text is discarded JSON).
Json parse_json_or_null(const std::optional<std::string>& s);
std::optional<std::string> dump_or_null(const Json& j);

// The user's OAuth accounts from the column both user SELECTs build: a JSON
// array of {"id", "account_id", "email"} objects (NULL or not an array: none).
std::vector<UserOAuthProvider> oauth_providers_from_json(const std::optional<std::string>& column);

}  // namespace latchkey::store
