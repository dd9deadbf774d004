// Users as the API shows them (users.md §2) and the one path by which every
// sign-up creates a user (users.md §7, auth-endpoints.md §0.4).
#pragma once
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// The server/admin read shape (users.md §2.1) or the client one (§2.2).
Json user_view(const store::User& u, bool server_shape);

// Trim and lower-case, as the users API stores addresses (§3.2).
std::string normalize_email(std::string_view email);

struct NewUser {
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
  std::optional<std::string> primary_email;  // normalised by create_user
  bool primary_email_verified = false;
  bool primary_email_auth_enabled = false;
  std::optional<std::string> password_hash;
  bool otp_auth_enabled = false;
  bool is_anonymous = false;
  Json client_metadata, client_read_only_metadata, server_metadata;
  std::optional<std::string> totp_secret;
};

// Creates the user with its side effects. Throws USER_EMAIL_ALREADY_EXISTS
// when the address is already used for auth by another user.
store::User create_user(store::Store& store, const Clock& clock, const std::string& project_id,
                        NewUser n);

}  // namespace latchkey::core
