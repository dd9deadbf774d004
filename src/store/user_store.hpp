// Users and their primary e-mail contact channel.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace latchkey::store {

struct User {
  std::string id;
  std::string project_id;
  std::optional<std::string> display_name;
  std::optional<std::string> profile_image_url;
  Json client_metadata;             // null when unset
  Json client_read_only_metadata;   // null when unset
  Json server_metadata;             // null when unset
  bool requires_totp_mfa = false;
  std::optional<std::string> totp_secret;  // raw bytes
  bool is_anonymous = false;
  int64_t created_at_millis = 0;
  int64_t last_active_at_millis = 0;
  std::optional<std::string> password_hash;
  // The primary e-mail contact channel, when there is one.
  std::optional<std::string> primary_email;
  bool primary_email_verified = false;
  bool primary_email_auth_enabled = false;
  bool otp_auth_enabled = false;
  std::optional<std::string> selected_team_id;
};

enum class CreateUserStatus { kCreated, kEmailInUse };

class UserStore {
 public:
  virtual ~UserStore() = default;
  // Inserts the user and, when primary_email is set, its primary e-mail
  // channel, in one transaction. kEmailInUse (nothing written) when
  // primary_email_auth_enabled and another user of the project already signs
  // in with that address.
  virtual CreateUserStatus create_user(const User& u) = 0;
  virtual std::optional<User> get_user(const std::string& project_id, const std::string& id) = 0;
  // The user whose e-mail channel `email` is used for auth in the project.
  virtual std::optional<User> find_user_by_auth_email(const std::string& project_id,
                                                      const std::string& email) = 0;
  // nullopt removes the password.
  virtual void set_password_hash(const std::string& project_id, const std::string& id,
                                 const std::optional<std::string>& hash) = 0;
  virtual void set_last_active(const std::string& project_id, const std::string& id,
                               int64_t now_millis) = 0;
  // Replaces the user's server_metadata.
  virtual void set_user_server_metadata(const std::string& project_id, const std::string& id,
                                        const Json& server_metadata) = 0;
};

}  // namespace latchkey::store
