// SQLite implementation of UserStore: users, their primary e-mail channel and
// the user list query.
#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "core/crypto.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store::sqlite {
namespace {

class SqliteUserStore final : public UserStore {
 public:
  explicit SqliteUserStore(Pool& pool) : pool_(pool) {}

  CreateUserStatus create_user(const User& u, const NewUserExtras& extras) override {
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
    for (const auto& o : u.oauth_providers) {
      try {
        c->prepare(
             "INSERT INTO oauth_accounts (project_id, provider_id, provider_account_id, user_id, "
             "email, created_at) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(1, u.project_id)
            .bind(2, o.provider_id)
            .bind(3, o.account_id)
            .bind(4, u.id)
            .bind(5, o.email)
            .bind(6, u.created_at_millis)
            .exec();
      } catch (const ConstraintError&) {
        return CreateUserStatus::kOAuthAccountInUse;  // rolls the user back too
      }
    }
    write_new_user_extras(*c, u, extras);
    if (extras.first_session && !insert_session(*c, *extras.first_session))
      throw std::runtime_error("the new user's first session could not be written");
    tx.commit();
    return CreateUserStatus::kCreated;
  }

#define LK_USER_SELECT                                                                    \
  "SELECT u.id, u.project_id, u.display_name, u.profile_image_url, u.client_metadata, "   \
  "u.client_read_only_metadata, u.server_metadata, u.requires_totp_mfa, u.totp_secret, "  \
  "u.is_anonymous, u.created_at, u.last_active_at, u.password_hash, u.otp_auth_enabled, " \
  "u.selected_team_id, cc.value, cc.is_verified, cc.used_for_auth, "                      \
  "EXISTS (SELECT 1 FROM passkeys pk WHERE pk.project_id = u.project_id AND "             \
  "pk.user_id = u.id), " LK_SELECTED_TEAM_COLUMNS                                         \
  ", (SELECT json_group_array(json_object('id', o.provider_id, 'account_id', "            \
  "o.provider_account_id, 'email', o.email)) FROM (SELECT * FROM oauth_accounts o "       \
  "WHERE o.project_id = u.project_id AND o.user_id = u.id "                               \
  "ORDER BY o.created_at, o.provider_id, o.provider_account_id) o) "                      \
  "FROM users u LEFT JOIN contact_channels cc ON cc.project_id = u.project_id AND "       \
  "cc.user_id = u.id AND cc.type = 'email' AND cc.is_primary = 1 " LK_SELECTED_TEAM_JOIN

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
    u.passkey_auth_enabled = s.boolean(18);
    // The selected team counts only while the user is a member of it.
    if (!s.is_null(19)) {
      u.selected_team = read_team_row(s, 19);
      u.selected_team_id = u.selected_team->id;
    } else {
      u.selected_team_id.reset();
    }
    // Column 27: the OAuth accounts as a JSON array (after the 8 team columns).
    u.oauth_providers = oauth_providers_from_json(s.opt_text(27));
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

  void set_user_server_metadata(const std::string& project_id, const std::string& id,
                                const Json& server_metadata) override {
    auto c = pool_.acquire();
    c->prepare("UPDATE users SET server_metadata = ? WHERE project_id = ? AND id = ?")
        .bind(1, dump_or_null(server_metadata))
        .bind(2, project_id)
        .bind(3, id)
        .exec();
  }

  UpdateUserStatus update_user(const std::string& project_id, const std::string& id,
                               const UserUpdate& up) override {
    auto c = pool_.acquire();
    // BEGIN IMMEDIATE serialises writers, so the checks below cannot race
    // with another write of the same rows.
    Transaction tx(*c);
    User u;
    {
      auto s = c->prepare(LK_USER_SELECT "WHERE u.project_id = ? AND u.id = ?");
      s.bind(1, project_id).bind(2, id);
      if (!s.step()) return UpdateUserStatus::kNotFound;
      u = read_user(s);
    }
    std::optional<std::string> channel_id;
    {
      auto s = c->prepare(
          "SELECT id FROM contact_channels WHERE project_id = ? AND user_id = ? "
          "AND type = 'email' AND is_primary = 1");
      s.bind(1, project_id).bind(2, id);
      if (s.step()) channel_id = s.text(0);
    }
    if (up.selected_team_id && *up.selected_team_id) {
      auto s = c->prepare(
          "SELECT 1 FROM team_members WHERE project_id = ? AND team_id = ? AND user_id = ?");
      s.bind(1, project_id).bind(2, **up.selected_team_id).bind(3, id);
      if (!s.step()) return UpdateUserStatus::kNotTeamMember;
    }

    try {
      if (up.primary_email && !*up.primary_email) {
        if (channel_id)
          c->prepare("DELETE FROM contact_channels WHERE project_id = ? AND user_id = ? AND id = ?")
              .bind(1, project_id)
              .bind(2, id)
              .bind(3, *channel_id)
              .exec();
      } else if (up.primary_email ||
                 (channel_id && (up.primary_email_verified || up.primary_email_auth_enabled))) {
        auto status = write_primary_channel(*c, u, channel_id, up);
        if (status != UpdateUserStatus::kUpdated) return status;
      }

      if (up.display_name) u.display_name = *up.display_name;
      if (up.profile_image_url) u.profile_image_url = *up.profile_image_url;
      if (up.client_metadata) u.client_metadata = *up.client_metadata;
      if (up.client_read_only_metadata) u.client_read_only_metadata = *up.client_read_only_metadata;
      if (up.server_metadata) u.server_metadata = *up.server_metadata;
      if (up.password_hash) u.password_hash = *up.password_hash;
      if (up.otp_auth_enabled) u.otp_auth_enabled = *up.otp_auth_enabled;
      if (up.totp_secret) {
        u.totp_secret = *up.totp_secret;
        u.requires_totp_mfa = up.totp_secret->has_value();
      }
      if (up.is_anonymous) u.is_anonymous = *up.is_anonymous;
      if (up.selected_team_id) u.selected_team_id = *up.selected_team_id;
      auto s = c->prepare(
          "UPDATE users SET display_name = ?, profile_image_url = ?, client_metadata = ?, "
          "client_read_only_metadata = ?, server_metadata = ?, password_hash = ?, "
          "otp_auth_enabled = ?, totp_secret = ?, requires_totp_mfa = ?, is_anonymous = ?, "
          "selected_team_id = ? WHERE project_id = ? AND id = ?");
      s.bind(1, u.display_name)
          .bind(2, u.profile_image_url)
          .bind(3, dump_or_null(u.client_metadata))
          .bind(4, dump_or_null(u.client_read_only_metadata))
          .bind(5, dump_or_null(u.server_metadata))
          .bind(6, u.password_hash)
          .bind(7, u.otp_auth_enabled);
      if (u.totp_secret)
        s.bind_blob(8, *u.totp_secret);
      else
        s.bind_null(8);
      s.bind(9, u.requires_totp_mfa)
          .bind(10, u.is_anonymous)
          .bind(11, u.selected_team_id)
          .bind(12, project_id)
          .bind(13, id)
          .exec();
    } catch (const ConstraintError&) {
      // Only the e-mail unique indexes can fail here; the checks above make
      // this unreachable unless the schema changes under us.
      return UpdateUserStatus::kEmailInUse;
    }

    if (up.delete_passkey)
      c->prepare("DELETE FROM passkeys WHERE project_id = ? AND user_id = ?")
          .bind(1, project_id)
          .bind(2, id)
          .exec();
    if (up.delete_sessions)
      c->prepare("DELETE FROM sessions WHERE project_id = ? AND user_id = ?")
          .bind(1, project_id)
          .bind(2, id)
          .exec();
    tx.commit();
    return UpdateUserStatus::kUpdated;
  }

  bool delete_user(const std::string& project_id, const std::string& id) override {
    auto c = pool_.acquire();
    return c->prepare("DELETE FROM users WHERE project_id = ? AND id = ?")
               .bind(1, project_id)
               .bind(2, id)
               .exec() > 0;
  }

  std::vector<User> list_users(const std::string& project_id, const ListUsersQuery& q) override {
    // The cursor row's (created_at, id) bounds the page; an unknown cursor
    // compares as NULL and matches nothing. Ties in created_at are broken by
    // id so that pages never overlap.
#define LK_USER_LIST_WHERE                                                                       \
  "WHERE u.project_id = ?1 "                                                                     \
  "AND (?3 IS NULL OR instr(lower(coalesce(u.display_name, '')), lower(?3)) > 0 "                \
  "OR u.id = ?4 OR EXISTS (SELECT 1 FROM contact_channels x WHERE x.project_id = u.project_id "  \
  "AND x.user_id = u.id AND instr(lower(x.value), lower(?3)) > 0)) "                             \
  "AND (?6 IS NULL OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.project_id = u.project_id " \
  "AND tm.team_id = ?6 AND tm.user_id = u.id)) "
    static const char* const kAsc = LK_USER_SELECT LK_USER_LIST_WHERE
        "AND (?2 IS NULL OR (u.created_at, u.id) >= "
        "(SELECT created_at, id FROM users WHERE project_id = ?1 AND id = ?2)) "
        "ORDER BY u.created_at ASC, u.id ASC LIMIT ?5";
    static const char* const kDesc = LK_USER_SELECT LK_USER_LIST_WHERE
        "AND (?2 IS NULL OR (u.created_at, u.id) <= "
        "(SELECT created_at, id FROM users WHERE project_id = ?1 AND id = ?2)) "
        "ORDER BY u.created_at DESC, u.id DESC LIMIT ?5";
#undef LK_USER_LIST_WHERE
    auto c = pool_.acquire();
    auto s = c->prepare(q.desc ? kDesc : kAsc);
    s.bind(1, project_id)
        .bind(2, q.cursor)
        .bind(3, q.text)
        .bind(4, q.text_id)
        .bind(5, q.limit ? std::min<int64_t>(*q.limit, INT64_MAX - 1) + 1 : int64_t{-1})
        .bind(6, q.team_id);
    std::vector<User> out;
    while (s.step()) out.push_back(read_user(s));
    return out;
  }

 private:
  // Creates or rewrites the primary e-mail channel with its final value,
  // verification and auth flags (users.md §3.2).
  static UpdateUserStatus write_primary_channel(Connection& c, const User& u,
                                                const std::optional<std::string>& channel_id,
                                                const UserUpdate& up) {
    const bool exists = channel_id.has_value();
    const std::string value =
        up.primary_email ? **up.primary_email : u.primary_email.value_or(std::string());
    const bool verified = up.primary_email_verified.value_or(exists && u.primary_email_verified);
    const bool auth =
        up.primary_email_auth_enabled.value_or(exists && u.primary_email_auth_enabled);
    const bool value_changed = !exists || value != u.primary_email;
    if (auth && (value_changed || !u.primary_email_auth_enabled)) {
      auto s = c.prepare(
          "SELECT 1 FROM contact_channels WHERE project_id = ?1 AND type = 'email' AND value = ?2 "
          "AND used_for_auth = 1 AND NOT (user_id = ?3 AND id IS ?4)");
      s.bind(1, u.project_id).bind(2, value).bind(3, u.id).bind(4, channel_id);
      if (s.step()) return UpdateUserStatus::kEmailInUse;
    }
    if (value_changed) {
      auto s = c.prepare(
          "SELECT 1 FROM contact_channels WHERE project_id = ? AND user_id = ? AND type = 'email' "
          "AND value = ? AND is_primary IS NULL");
      s.bind(1, u.project_id).bind(2, u.id).bind(3, value);
      if (s.step()) return UpdateUserStatus::kContactChannelExists;
    }
    const std::optional<int64_t> used_for_auth = auth ? std::optional<int64_t>(1) : std::nullopt;
    if (exists) {
      c.prepare(
           "UPDATE contact_channels SET value = ?, is_verified = ?, used_for_auth = ? "
           "WHERE project_id = ? AND user_id = ? AND id = ?")
          .bind(1, value)
          .bind(2, verified)
          .bind(3, used_for_auth)
          .bind(4, u.project_id)
          .bind(5, u.id)
          .bind(6, *channel_id)
          .exec();
    } else {
      c.prepare(
           "INSERT INTO contact_channels (project_id, user_id, id, type, value, is_verified, "
           "is_primary, used_for_auth, created_at) "
           "VALUES (?, ?, ?, 'email', ?, ?, 1, ?, ?)")
          .bind(1, u.project_id)
          .bind(2, u.id)
          .bind(3, core::random_uuid())
          .bind(4, value)
          .bind(5, verified)
          .bind(6, used_for_auth)
          .bind(7, up.now_millis)
          .exec();
    }
    return UpdateUserStatus::kUpdated;
  }

  Pool& pool_;
};

}  // namespace

std::unique_ptr<UserStore> make_user_store(Pool& pool) {
  return std::make_unique<SqliteUserStore>(pool);
}

}  // namespace latchkey::store::sqlite
