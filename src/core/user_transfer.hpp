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
  // out (e.g. a contact channel another user signs in with), if any.
  std::vector<std::string> notes;
};

// Creates the user of `line` (an export_users object) in the project, or
// brings the existing user of that id up to it: the same line imported twice
// changes nothing the second time. A line that cannot be imported (no id, a
// password hash that is neither argon2id nor bcrypt, a primary e-mail that
// signs in another user, a malformed field, a failed write) is skipped with
// the reason. Everything a line writes (user row, contact channels, OAuth
// accounts, teams, memberships, selected team, and the project's default
// permissions of a new user or membership, as the API grants them) is
// written in one transaction: a line is imported whole or not at all. A
// channel or OAuth account of another user, or a selected team the user is
// not in, is left out with a note.
ImportResult import_user(store::Store& store, const Clock& clock, const std::string& project_id,
                         const Json& line);

}  // namespace latchkey::core
