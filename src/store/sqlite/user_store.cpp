#include "core/crypto.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store::sqlite {
namespace {

class SqliteUserStore final : public UserStore {
 public:
  explicit SqliteUserStore(Pool& pool) : pool_(pool) {}

  CreateUserStatus create_user(const User& u) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (u.primary_email && u.primary_email_auth_enabled) {
      auto s = c->prepare(
          "SELECT 1 FROM contact_channels WHERE project_id = ? AND type = 'email' AND value = ? "
          "AND used_for_auth = 1");
      s.bind(1, u.project_id).bind(2, *u.primary_email);
      if (s.step()) return CreateUserStatus::kEmailInUse;
    }
    c->prepare(
         "INSERT INTO users (project_id, id, display_name, profile_image_url, client_metadata, "
         "client_read_only_metadata, server_metadata, requires_totp_mfa, totp_secret, "
         "is_anonymous, created_at, last_active_at, password_hash, otp_auth_enabled, "
         "selected_team_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, u.project_id)
        .bind(2, u.id)
        .bind(3, u.display_name)
        .bind(4, u.profile_image_url)
        .bind(5, dump_or_null(u.client_metadata))
        .bind(6, dump_or_null(u.client_read_only_metadata))
        .bind(7, dump_or_null(u.server_metadata))
        .bind(8, u.requires_totp_mfa)
        .bind(9, u.totp_secret)
        .bind(10, u.is_anonymous)
        .bind(11, u.created_at_millis)
        .bind(12, u.last_active_at_millis)
        .bind(13, u.password_hash)
        .bind(14, u.otp_auth_enabled)
        .bind(15, u.selected_team_id)
        .exec();
    if (u.primary_email) {
      try {
        c->prepare(
             "INSERT INTO contact_channels (project_id, user_id, id, type, value, is_verified, "
             "is_primary, used_for_auth, created_at) VALUES (?, ?, ?, 'email', ?, ?, 1, ?, ?)")
            .bind(1, u.project_id)
            .bind(2, u.id)
            .bind(3, core::random_uuid())
            .bind(4, *u.primary_email)
            .bind(5, u.primary_email_verified)
            .bind(6, u.primary_email_auth_enabled ? std::optional<int64_t>(1) : std::nullopt)
            .bind(7, u.created_at_millis)
            .exec();
      } catch (const ConstraintError&) {
        // Lost a race with a concurrent sign-up of the same address.
        return CreateUserStatus::kEmailInUse;
      }
    }
    tx.commit();
    return CreateUserStatus::kCreated;
  }

#define LK_USER_SELECT                                                                         \
  "SELECT u.id, u.project_id, u.display_name, u.profile_image_url, u.client_metadata, "        \
  "u.client_read_only_metadata, u.server_metadata, u.requires_totp_mfa, u.totp_secret, "       \
  "u.is_anonymous, u.created_at, u.last_active_at, u.password_hash, u.otp_auth_enabled, "      \
  "u.selected_team_id, cc.value, cc.is_verified, cc.used_for_auth "                            \
  "FROM users u LEFT JOIN contact_channels cc ON cc.project_id = u.project_id AND "            \
  "cc.user_id = u.id AND cc.type = 'email' AND cc.is_primary = 1 "

  static User read_user(Stmt& s) {
    User u;
    u.id = s.text(0);
    u.project_id = s.text(1);
    u.display_name = s.opt_text(2);
    u.profile_image_url = s.opt_text(3);
    u.client_metadata = parse_json_or_null(s.opt_text(4));
    u.client_read_only_metadata = parse_json_or_null(s.opt_text(5));
    u.server_metadata = parse_json_or_null(s.opt_text(6));
    u.requires_totp_mfa = s.boolean(7);
    u.totp_secret = s.opt_text(8);
    u.is_anonymous = s.boolean(9);
    u.created_at_millis = s.int64(10);
    u.last_active_at_millis = s.int64(11);
    u.password_hash = s.opt_text(12);
    u.otp_auth_enabled = s.boolean(13);
    u.selected_team_id = s.opt_text(14);
    u.primary_email = s.opt_text(15);
    u.primary_email_verified = !s.is_null(16) && s.boolean(16);
    u.primary_email_auth_enabled = !s.is_null(17) && s.boolean(17);
    return u;
  }

  std::optional<User> get_user(const std::string& project_id, const std::string& id) override {
    auto c = pool_.acquire();
    auto s = c->prepare(LK_USER_SELECT "WHERE u.project_id = ? AND u.id = ?");
    s.bind(1, project_id).bind(2, id);
    if (!s.step()) return std::nullopt;
    return read_user(s);
  }

  std::optional<User> find_user_by_auth_email(const std::string& project_id,
                                              const std::string& email) override {
    auto c = pool_.acquire();
    auto s = c->prepare(LK_USER_SELECT
                        "WHERE u.id = (SELECT user_id FROM contact_channels WHERE project_id = ? "
                        "AND type = 'email' AND value = ? AND used_for_auth = 1) "
                        "AND u.project_id = ?");
    s.bind(1, project_id).bind(2, email).bind(3, project_id);
    if (!s.step()) return std::nullopt;
    return read_user(s);
  }

  void set_password_hash(const std::string& project_id, const std::string& id,
                         const std::optional<std::string>& hash) override {
    auto c = pool_.acquire();
    c->prepare("UPDATE users SET password_hash = ? WHERE project_id = ? AND id = ?")
        .bind(1, hash)
        .bind(2, project_id)
        .bind(3, id)
        .exec();
  }

  void set_last_active(const std::string& project_id, const std::string& id,
                       int64_t now_millis) override {
    auto c = pool_.acquire();
    c->prepare("UPDATE users SET last_active_at = ? WHERE project_id = ? AND id = ?")
        .bind(1, now_millis)
        .bind(2, project_id)
        .bind(3, id)
        .exec();
  }

  void set_user_server_metadata(const std::string& project_id, const std::string& id,
                                const Json& server_metadata) override {
    auto c = pool_.acquire();
    c->prepare("UPDATE users SET server_metadata = ? WHERE project_id = ? AND id = ?")
        .bind(1, dump_or_null(server_metadata))
        .bind(2, project_id)
        .bind(3, id)
        .exec();
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<UserStore> make_user_store(Pool& pool) {
  return std::make_unique<SqliteUserStore>(pool);
}

}  // namespace latchkey::store::sqlite
