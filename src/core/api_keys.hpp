// User and team API keys (projects.md §4b, tokens.md §9): the key format
// (prefix, random secret, key id, owner type, scanner flag, Stack's marker,
// CRC-32 checksum), who may manage which keys, the CRUD and check
// operations, and the revocation of a leaked key reported by a secret
// scanner (which e-mails the owners).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::mail {
class Mailer;
}

namespace latchkey::core {

enum class ApiKeyType { kUser, kTeam };
std::string_view api_key_type_name(ApiKeyType type);  // "user" / "team"

// A new key: `<sk|pk>_` + 45 random characters + the id without dashes +
// `user`/`team` + the scanner flag + `574ck4u7h` + 8 hex digits of the
// CRC-32 of everything before (102 characters).
std::string make_api_key_value(const std::string& id, bool is_public, bool cloud, ApiKeyType type);
// Whether `key` has that format and its checksum holds. A key that does not
// cannot be one of ours, so it is refused without a database read.
bool is_well_formed_api_key(std::string_view key);
// The digest a key is stored and found by (SHA-256, hex).
std::string api_key_digest(std::string_view key);

// The key object; `value` is the whole key (only in the answer to its
// creation), otherwise {"last_four": …}.
Json api_key_view(const store::OwnedApiKey& k, const std::optional<std::string>& value);

// Who is asking: server/admin manage every key of the project; a client
// only its own user keys and the keys of teams where it holds
// $manage_api_keys.
struct ApiKeyCaller {
  bool server_or_admin = false;
  const store::User* user = nullptr;  // the signed-in user, if any
};

struct NewApiKey {
  ApiKeyType type = ApiKeyType::kUser;
  std::string owner_id;  // user or team id
  std::string description;
  std::optional<int64_t> expires_at_millis;
  bool is_public = false;
  // Stack's cloud host (api.stack-auth.com) serves this project: the key's
  // scanner flag says so.
  bool cloud = false;
};

// Each operation first checks the project's switch (allow_user_api_keys /
// allow_team_api_keys: plain 400 otherwise), then who may manage the keys.
Json create_api_key(store::Store& store, const Clock& clock, const store::Project& project,
                    const ApiKeyCaller& caller, const NewApiKey& in);
Json list_api_keys(store::Store& store, const store::Project& project, const ApiKeyCaller& caller,
                   ApiKeyType type, const std::optional<std::string>& owner_id);
// (Without an owner: SCHEMA_ERROR "user_id is required for user API keys",
// after the project's switch, as the reference words it.)
// API_KEY_NOT_FOUND when the project has no such key of `type`.
Json get_api_key(store::Store& store, const store::Project& project, const ApiKeyCaller& caller,
                 ApiKeyType type, const std::string& id);
// Sets the description when given; `revoke` revokes the key unless it
// already is (the first revocation's time is kept).
Json update_api_key(store::Store& store, const Clock& clock, const store::Project& project,
                    const ApiKeyCaller& caller, ApiKeyType type, const std::string& id,
                    const std::optional<std::string>& description, bool revoke);
// POST …/check: API_KEY_NOT_FOUND, WRONG_API_KEY_TYPE, API_KEY_REVOKED,
// API_KEY_EXPIRED in that order; the key object otherwise.
Json check_api_key(store::Store& store, const Clock& clock, const store::Project& project,
                   ApiKeyType type, std::string_view key);

// POST /integrations/credential-scanning/revoke: a key reported as leaked,
// in whatever project holds it. API_KEY_NOT_FOUND, then
// PUBLIC_API_KEY_CANNOT_BE_REVOKED, then API_KEY_EXPIRED; a key already
// revoked is left alone; otherwise it is revoked and its owner (the user, or
// the team's members holding $manage_api_keys) is e-mailed Stack's notice.
// An e-mail that cannot be delivered is logged: the key stays revoked.
void revoke_leaked_api_key(store::Store& store, const Clock& clock, mail::Mailer& mailer,
                           std::string_view key);

}  // namespace latchkey::core
