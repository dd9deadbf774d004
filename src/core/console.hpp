// What the admin console (web/console/, served at /console/) needs from the
// server: a publishable client key of the internal project, so that it can
// sign in there like any client, and the console's dashboard users.
#pragma once
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/passwords.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// The console's publishable client key of the internal project, in a key
// set of its own ("Latchkey console"; revoking it turns the console's
// sign-in off). Created once; the key itself is kept as a server setting,
// because the server hands it to every browser that opens the console: a
// publishable key is public by design (Stack's dashboard ships its own in
// the page), and the key set stores only its digest as for every key.
std::string ensure_console_client_key(store::Store& store, const Clock& clock);
// The id of that key set (fixed, so that instances starting together make
// one).
inline constexpr const char* kConsoleKeySetId = "b7a1d0c2-5e3f-4c8a-9d61-0c4f2e8a7b15";

struct NewConsoleUser {
  std::string email;
  std::string password;
  // Projects the user manages (server_metadata.managedProjectIds, which
  // the admin access token checks); "internal" among them makes the user an
  // administrator of the internal project as well.
  std::vector<std::string> managed_project_ids;
};

// A dashboard user of the internal project who signs in to the console with
// e-mail and password. Throws USER_EMAIL_ALREADY_EXISTS when the address
// already signs in another user there, and std::invalid_argument on a
// project id that does not exist or an empty password.
store::User create_console_user(store::Store& store, const Clock& clock, PasswordHasher& hasher,
                                const NewConsoleUser& n);

}  // namespace latchkey::core
