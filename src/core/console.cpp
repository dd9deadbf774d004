#include "core/console.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/crypto.hpp"
#include "core/projects.hpp"
#include "core/users.hpp"

namespace latchkey::core {

namespace {

constexpr const char* kConsoleKeySetting = "console_publishable_client_key";
constexpr int64_t kNeverExpires = 4102444799000;  // 2099-12-31T23:59:59Z
// Stack's sign-up schema's minimum.
constexpr size_t kMinPasswordLength = 8;

}  // namespace

std::string ensure_console_client_key(store::Store& store, const Clock& clock) {
  std::string key = store.get_or_insert_setting(kConsoleKeySetting, "pck_" + random_secret45());
  if (!store.projects().get_api_key_set("internal", kConsoleKeySetId)) {
    NewKeySet k;
    k.id = kConsoleKeySetId;
    k.description = "Latchkey console (revoke to turn the console's sign-in off)";
    k.expires_at_millis = kNeverExpires;
    k.has_publishable_client_key = true;
    k.publishable_client_key = key;
    create_key_set(store, clock, "internal", k);
  }
  return key;
}

store::User create_console_user(store::Store& store, const Clock& clock, PasswordHasher& hasher,
                                const NewConsoleUser& n) {
  if (n.email.find('@') == std::string::npos)
    throw std::invalid_argument("the e-mail address must contain an @");
  if (n.password.size() < kMinPasswordLength)
    throw std::invalid_argument("the password must have at least 8 characters");
  Json managed = Json::array();
  for (const auto& id : n.managed_project_ids) {
    if (!store.projects().get_project(id)) throw std::invalid_argument("no project with id " + id);
    if (std::find(managed.begin(), managed.end(), Json(id)) == managed.end()) managed.push_back(id);
  }
  NewUser u;
  u.display_name = n.email;
  u.primary_email = n.email;
  // Created by the operator, who vouches for the address.
  u.primary_email_verified = true;
  u.primary_email_auth_enabled = true;
  u.password_hash = hasher.hash(n.password);
  u.server_metadata = Json{{"managedProjectIds", managed}};
  return create_user(store, clock, "internal", std::move(u));
}

}  // namespace latchkey::core
