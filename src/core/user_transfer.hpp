// Users in and out of a project as JSON Lines (`latchkey users export` and
// `users import`; the format is in README "User export and import"): one
// object a user with its profile, metadata, contact channels, OAuth
// accounts, password hash (argon2id or bcrypt, kept as is so passwords keep
// working), TOTP state and team memberships.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// Every user of the project, oldest first, one object each, to `emit`.
// Returns how many.
size_t export_users(store::Store& store, const std::string& project_id,
                    const std::function<void(const Json&)>& emit);

// What importing one line did.
struct ImportResult {
  enum class Kind { kCreated, kUpdated, kSkipped };
  Kind kind = Kind::kSkipped;
  std::string user_id;  // empty when the line had none
  // kSkipped: why nothing was written. Otherwise the parts that were left
  // out (e.g. a team membership that could not be made), if any.
  std::vector<std::string> notes;
};

// Creates the user of `line` (an export_users object) in the project, or
// brings the existing user of that id up to it: the same line imported twice
// changes nothing the second time. A line that cannot be imported whole
// (no id, a password hash that is neither argon2id nor bcrypt, an e-mail or
// OAuth account that signs in another user, a malformed field) is skipped
// with the reason. The user row (with its primary e-mail and OAuth
// accounts) is written in one transaction; further contact channels and
// team memberships each in their own, so an interrupted import is completed
// by importing again.
ImportResult import_user(store::Store& store, const Clock& clock, const std::string& project_id,
                         const Json& line);

}  // namespace latchkey::core
