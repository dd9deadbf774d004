// PostgreSQL implementation of UserStore: users, their primary e-mail channel
// and the user list query.
#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "core/crypto.hpp"
#include "store/postgres/stores.hpp"

namespace latchkey::store::postgres {
namespace {

#define LK_USER_SELECT                                                                    \
  "SELECT u.id, u.project_id, u.display_name, u.profile_image_url, u.client_metadata, "   \
  "u.client_read_only_metadata, u.server_metadata, u.requires_totp_mfa, u.totp_secret, "  \
  "u.is_anonymous, u.created_at, u.last_active_at, u.password_hash, u.otp_auth_enabled, " \
  "u.selected_team_id, cc.value, cc.is_verified, cc.used_for_auth, "                      \
  "EXISTS (SELECT 1 FROM passkeys pk WHERE pk.project_id = u.project_id AND "             \
  "pk.user_id = u.id), " LK_SELECTED_TEAM_COLUMNS                                         \
  ", (SELECT COALESCE(json_agg(json_build_object('id', o.provider_id, 'account_id', "     \
  "o.provider_account_id, 'email', o.email) ORDER BY o.created_at, o.provider_id, "       \
  "o.provider_account_id), '[]'::json)::text FROM oauth_accounts o "                      \
  "WHERE o.project_id = u.project_id AND o.user_id = u.id) "                              \
  "FROM users u LEFT JOIN contact_channels cc ON cc.project_id = u.project_id AND "       \
  "cc.user_id = u.id AND cc.type = 'email' AND cc.is_primary " LK_SELECTED_TEAM_JOIN

User read_user(const Result& r, int i) {
  User u;
  u.id = r.text(i, 0);
  u.project_id = r.text(i, 1);
  u.display_name = r.opt_text(i, 2);
  u.profile_image_url = r.opt_text(i, 3);
  u.client_metadata = parse_json_or_null(r.opt_text(i, 4));
  u.client_read_only_metadata = parse_json_or_null(r.opt_text(i, 5));
  u.server_metadata = parse_json_or_null(r.opt_text(i, 6));
  u.requires_totp_mfa = r.boolean(i, 7);
  u.totp_secret = r.opt_bytea(i, 8);
  u.is_anonymous = r.boolean(i, 9);
  u.created_at_millis = r.int64(i, 10);
  u.last_active_at_millis = r.int64(i, 11);
  u.password_hash = r.opt_text(i, 12);
  u.otp_auth_enabled = r.boolean(i, 13);
  u.selected_team_id = r.opt_text(i, 14);
  u.primary_email = r.opt_text(i, 15);
  u.primary_email_verified = r.boolean(i, 16);
  u.primary_email_auth_enabled = r.boolean(i, 17);
  u.passkey_auth_enabled = r.boolean(i, 18);
  // The selected team counts only while the user is a member of it.
  if (!r.is_null(i, 19)) {
    u.selected_team = read_team_row(r, i, 19);
    u.selected_team_id = u.selected_team->id;
  } else {
    u.selected_team_id.reset();
  }
  // Column 27: the OAuth accounts as a JSON array (after the 8 team columns).
  u.oauth_providers = oauth_providers_from_json(r.opt_text(i, 27));
  return u;
}

class PgUserStore final : public UserStore {
 public:
  explicit PgUserStore(Pool& pool) : pool_(pool) {}

  CreateUserStatus create_user(const User& u, const NewUserExtras& extras) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (u.primary_email && u.primary_email_auth_enabled) {
      auto r = c->query(
                    "SELECT 1 FROM contact_channels WHERE project_id = $1 AND type = 'email' "
                    "AND value = $2 AND used_for_auth")
                   .bind(u.project_id)
                   .bind(*u.primary_email)
                   .run();
      if (r.rows() > 0) return CreateUserStatus::kEmailInUse;
    }
    c->query(
         "INSERT INTO users (project_id, id, display_name, profile_image_url, "
         "client_metadata, client_read_only_metadata, server_metadata, requires_totp_mfa, "
         "totp_secret, is_anonymous, created_at, last_active_at, password_hash, "
         "otp_auth_enabled, selected_team_id) "
         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)")
        .bind(u.project_id)
        .bind(u.id)
        .bind(u.display_name)
        .bind(u.profile_image_url)
        .bind(dump_or_null(u.client_metadata))
        .bind(dump_or_null(u.client_read_only_metadata))
        .bind(dump_or_null(u.server_metadata))
        .bind(u.requires_totp_mfa)
        .bind_bytea(u.totp_secret)
        .bind(u.is_anonymous)
        .bind(u.created_at_millis)
        .bind(u.last_active_at_millis)
        .bind(u.password_hash)
        .bind(u.otp_auth_enabled)
        .bind(u.selected_team_id)
        .exec();
    if (u.primary_email) {
      try {
        c->query(
             "INSERT INTO contact_channels (project_id, user_id, id, type, value, "
             "is_verified, is_primary, used_for_auth, created_at) "
             "VALUES ($1, $2, $3, 'email', $4, $5, TRUE, $6, $7)")
            .bind(u.project_id)
            .bind(u.id)
            .bind(core::random_uuid())
            .bind(*u.primary_email)
            .bind(u.primary_email_verified)
            .bind(u.primary_email_auth_enabled)
            .bind(u.created_at_millis)
            .exec();
      } catch (const ConstraintError&) {
        // Lost a race with a concurrent sign-up of the same address: the
        // partial unique index contact_channels_auth decided (the rollback
        // undoes the user row).
        return CreateUserStatus::kEmailInUse;
      }
    }
    for (const auto& o : u.oauth_providers) {
      try {
        c->query(
             "INSERT INTO oauth_accounts (project_id, provider_id, provider_account_id, "
             "user_id, email, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(u.project_id)
            .bind(o.provider_id)
            .bind(o.account_id)
            .bind(u.id)
            .bind(o.email)
            .bind(u.created_at_millis)
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

  std::optional<User> get_user(const std::string& project_id, const std::string& id) override {
    auto c = pool_.acquire();
    auto r = c->query(LK_USER_SELECT "WHERE u.project_id = $1 AND u.id = $2")
                 .bind(project_id)
                 .bind(id)
                 .run();
    if (r.rows() == 0) return std::nullopt;
    return read_user(r, 0);
  }

  std::optional<User> find_user_by_auth_email(const std::string& project_id,
                                              const std::string& email) override {
    auto c = pool_.acquire();
    auto r = c->query(LK_USER_SELECT
                      "WHERE u.project_id = $1 AND u.id = (SELECT user_id FROM contact_channels "
                      "WHERE project_id = $1 AND type = 'email' AND value = $2 AND used_for_auth)")
                 .bind(project_id)
                 .bind(email)
                 .run();
    if (r.rows() == 0) return std::nullopt;
    return read_user(r, 0);
  }

  void set_password_hash(const std::string& project_id, const std::string& id,
                         const std::optional<std::string>& hash) override {
    auto c = pool_.acquire();
    c->query("UPDATE users SET password_hash = $1 WHERE project_id = $2 AND id = $3")
        .bind(hash)
        .bind(project_id)
        .bind(id)
        .exec();
  }

  void set_user_server_metadata(const std::string& project_id, const std::string& id,
                                const Json& server_metadata) override {
    auto c = pool_.acquire();
    c->query("UPDATE users SET server_metadata = $1 WHERE project_id = $2 AND id = $3")
        .bind(dump_or_null(server_metadata))
        .bind(project_id)
        .bind(id)
        .exec();
  }

  UpdateUserStatus update_user(const std::string& project_id, const std::string& id,
                               const UserUpdate& up) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    // The user row stays locked until the commit: concurrent updates of the
    // same user (and contact-channel writes, which lock it too) queue here,
    // so the read-modify-write below cannot lose a change.
    User u;
    {
      auto r = c->query(LK_USER_SELECT "WHERE u.project_id = $1 AND u.id = $2 FOR UPDATE OF u")
                   .bind(project_id)
                   .bind(id)
                   .run();
      if (r.rows() == 0) return UpdateUserStatus::kNotFound;
      u = read_user(r, 0);
    }
    std::optional<std::string> channel_id;
    {
      auto r = c->query(
                    "SELECT id FROM contact_channels WHERE project_id = $1 AND user_id = $2 "
                    "AND type = 'email' AND is_primary")
                   .bind(project_id)
                   .bind(id)
                   .run();
      if (r.rows() > 0) channel_id = r.text(0, 0);
    }
    if (up.selected_team_id && *up.selected_team_id) {
      auto r = c->query(
                    "SELECT 1 FROM team_members WHERE project_id = $1 AND team_id = $2 AND "
                    "user_id = $3 FOR KEY SHARE")
                   .bind(project_id)
                   .bind(**up.selected_team_id)
                   .bind(id)
                   .run();
      if (r.rows() == 0) return UpdateUserStatus::kNotTeamMember;
    }

    try {
      if (up.primary_email && !*up.primary_email) {
        if (channel_id)
          c->query(
               "DELETE FROM contact_channels WHERE project_id = $1 AND user_id = $2 AND "
               "id = $3")
              .bind(project_id)
              .bind(id)
              .bind(*channel_id)
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
      c->query(
           "UPDATE users SET display_name = $1, profile_image_url = $2, client_metadata = $3, "
           "client_read_only_metadata = $4, server_metadata = $5, password_hash = $6, "
           "otp_auth_enabled = $7, totp_secret = $8, requires_totp_mfa = $9, "
           "is_anonymous = $10, selected_team_id = $11 WHERE project_id = $12 AND id = $13")
          .bind(u.display_name)
          .bind(u.profile_image_url)
          .bind(dump_or_null(u.client_metadata))
          .bind(dump_or_null(u.client_read_only_metadata))
          .bind(dump_or_null(u.server_metadata))
          .bind(u.password_hash)
          .bind(u.otp_auth_enabled)
          .bind_bytea(u.totp_secret)
          .bind(u.requires_totp_mfa)
          .bind(u.is_anonymous)
          .bind(u.selected_team_id)
          .bind(project_id)
          .bind(id)
          .exec();
    } catch (const ConstraintError& e) {
      // The checks above run under the user's row lock, so only a race with
      // another user's channel can get here: the index names the rule.
      return e.constraint() == "contact_channels_value" ? UpdateUserStatus::kContactChannelExists
                                                        : UpdateUserStatus::kEmailInUse;
    }

    if (up.delete_passkey)
      c->query("DELETE FROM passkeys WHERE project_id = $1 AND user_id = $2")
          .bind(project_id)
          .bind(id)
          .exec();
    if (up.delete_sessions)
      c->query("DELETE FROM sessions WHERE project_id = $1 AND user_id = $2")
          .bind(project_id)
          .bind(id)
          .exec();
    tx.commit();
    return UpdateUserStatus::kUpdated;
  }

  bool delete_user(const std::string& project_id, const std::string& id) override {
    auto c = pool_.acquire();
    return c->query("DELETE FROM users WHERE project_id = $1 AND id = $2")
               .bind(project_id)
               .bind(id)
               .exec() > 0;
  }

  std::vector<User> list_users(const std::string& project_id, const ListUsersQuery& q) override {
    // The cursor row's (created_at, id) bounds the page; an unknown cursor
    // compares as NULL and matches nothing. Ties in created_at are broken by
    // id so that pages never overlap. lower() under the "C" collation folds
    // ASCII only, as SQLite's lower() does.
#define LK_USER_LIST_WHERE                                                                       \
  "WHERE u.project_id = $1 "                                                                     \
  "AND ($3::text IS NULL "                                                                       \
  "OR strpos(lower(coalesce(u.display_name, '') COLLATE \"C\"), lower($3::text COLLATE \"C\")) " \
  "> 0 OR u.id = $4::text OR EXISTS (SELECT 1 FROM contact_channels x "                          \
  "WHERE x.project_id = u.project_id AND x.user_id = u.id "                                      \
  "AND strpos(lower(x.value COLLATE \"C\"), lower($3::text COLLATE \"C\")) > 0)) "               \
  "AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM team_members tm "                              \
  "WHERE tm.project_id = u.project_id AND tm.team_id = $6::text AND tm.user_id = u.id)) "
    static const char* const kAsc = LK_USER_SELECT LK_USER_LIST_WHERE
        "AND ($2::text IS NULL OR (u.created_at, u.id) >= "
        "(SELECT created_at, id FROM users WHERE project_id = $1 AND id = $2::text)) "
        "ORDER BY u.created_at ASC, u.id ASC LIMIT NULLIF(GREATEST($5::bigint, -1), -1)";
    static const char* const kDesc = LK_USER_SELECT LK_USER_LIST_WHERE
        "AND ($2::text IS NULL OR (u.created_at, u.id) <= "
        "(SELECT created_at, id FROM users WHERE project_id = $1 AND id = $2::text)) "
        "ORDER BY u.created_at DESC, u.id DESC LIMIT NULLIF(GREATEST($5::bigint, -1), -1)";
#undef LK_USER_LIST_WHERE
    // As SQLite: no limit or a negative one means all rows.
    const int64_t limit = q.limit ? std::min<int64_t>(*q.limit, INT64_MAX - 1) + 1 : -1;
    auto c = pool_.acquire();
    auto r = c->query(q.desc ? kDesc : kAsc)
                 .bind(project_id)
                 .bind(q.cursor)
                 .bind(q.text)
                 .bind(q.text_id)
                 .bind(limit)
                 .bind(q.team_id)
                 .run();
    std::vector<User> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_user(r, i));
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
      auto r = c.query(
                    "SELECT 1 FROM contact_channels WHERE project_id = $1 AND type = 'email' "
                    "AND value = $2 AND used_for_auth "
                    "AND NOT (user_id = $3 AND id IS NOT DISTINCT FROM $4::text)")
                   .bind(u.project_id)
                   .bind(value)
                   .bind(u.id)
                   .bind(channel_id)
                   .run();
      if (r.rows() > 0) return UpdateUserStatus::kEmailInUse;
    }
    if (value_changed) {
      auto r = c.query(
                    "SELECT 1 FROM contact_channels WHERE project_id = $1 AND user_id = $2 "
                    "AND type = 'email' AND value = $3 AND NOT is_primary")
                   .bind(u.project_id)
                   .bind(u.id)
                   .bind(value)
                   .run();
      if (r.rows() > 0) return UpdateUserStatus::kContactChannelExists;
    }
    if (exists) {
      c.query(
           "UPDATE contact_channels SET value = $1, is_verified = $2, used_for_auth = $3 "
           "WHERE project_id = $4 AND user_id = $5 AND id = $6")
          .bind(value)
          .bind(verified)
          .bind(auth)
          .bind(u.project_id)
          .bind(u.id)
          .bind(*channel_id)
          .exec();
    } else {
      c.query(
           "INSERT INTO contact_channels (project_id, user_id, id, type, value, is_verified, "
           "is_primary, used_for_auth, created_at) "
           "VALUES ($1, $2, $3, 'email', $4, $5, TRUE, $6, $7)")
          .bind(u.project_id)
          .bind(u.id)
          .bind(core::random_uuid())
          .bind(value)
          .bind(verified)
          .bind(auth)
          .bind(up.now_millis)
          .exec();
    }
    return UpdateUserStatus::kUpdated;
  }

  Pool& pool_;
};

}  // namespace

std::unique_ptr<UserStore> make_user_store(Pool& pool) {
  return std::make_unique<PgUserStore>(pool);
}

}  // namespace latchkey::store::postgres
