// PostgreSQL implementation of ContactChannelStore. Writes lock the owning
// user's row first, so one user's channel writes (and user updates) run one
// at a time; across users, the partial unique indexes of 0001_initial.sql
// decide races, and their names map to the same results as the checks.
#include "store/postgres/stores.hpp"

namespace latchkey::store::postgres {
namespace {

#define LK_CHANNEL_COLUMNS \
  "id, project_id, user_id, type, value, is_primary, is_verified, used_for_auth, created_at"

ContactChannelWrite from_constraint(const ConstraintError& e) {
  if (e.constraint() == "contact_channels_auth") return ContactChannelWrite::kUsedForAuthElsewhere;
  if (e.constraint() == "contact_channels_value") return ContactChannelWrite::kAlreadyExists;
  throw e;
}

class PgContactChannelStore final : public ContactChannelStore {
 public:
  explicit PgContactChannelStore(Pool& pool) : pool_(pool) {}

  std::vector<ContactChannel> list_contact_channels(
      const std::string& project_id, const std::optional<std::string>& user_id,
      const std::optional<std::string>& channel_id) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_CHANNEL_COLUMNS
                      " FROM contact_channels WHERE project_id = $1 AND ($2::text IS NULL OR "
                      "user_id = $2::text) AND ($3::text IS NULL OR id = $3::text) "
                      "ORDER BY created_at, seq")
                 .bind(project_id)
                 .bind(user_id)
                 .bind(channel_id)
                 .run();
    std::vector<ContactChannel> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
    return out;
  }

  std::optional<ContactChannel> get_contact_channel(const std::string& project_id,
                                                    const std::string& user_id,
                                                    const std::string& id) override {
    auto c = pool_.acquire();
    return get(*c, project_id, user_id, id);
  }

  std::optional<ContactChannel> find_auth_channel(const std::string& project_id,
                                                  const std::string& type,
                                                  const std::string& value) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_CHANNEL_COLUMNS
                      " FROM contact_channels WHERE project_id = $1 AND type = $2 AND value = $3 "
                      "AND used_for_auth")
                 .bind(project_id)
                 .bind(type)
                 .bind(value)
                 .run();
    if (r.rows() == 0) return std::nullopt;
    return read(r, 0);
  }

  ContactChannelWrite create_contact_channel(const ContactChannel& ch) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (!lock_user(*c, ch.project_id, ch.user_id)) return ContactChannelWrite::kUserNotFound;
    if (user_has_value(*c, ch.project_id, ch.user_id, ch.type, ch.value, std::nullopt))
      return ContactChannelWrite::kAlreadyExists;
    if (ch.used_for_auth &&
        used_for_auth_elsewhere(*c, ch.project_id, ch.type, ch.value, std::nullopt, std::nullopt))
      return ContactChannelWrite::kUsedForAuthElsewhere;
    try {
      if (ch.is_primary) demote_primary(*c, ch.project_id, ch.user_id, ch.type);
      c->query("INSERT INTO contact_channels (" LK_CHANNEL_COLUMNS
               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
          .bind(ch.id)
          .bind(ch.project_id)
          .bind(ch.user_id)
          .bind(ch.type)
          .bind(ch.value)
          .bind(ch.is_primary)
          .bind(ch.is_verified)
          .bind(ch.used_for_auth)
          .bind(ch.created_at_millis)
          .exec();
    } catch (const ConstraintError& e) {
      return from_constraint(e);
    }
    tx.commit();
    return ContactChannelWrite::kOk;
  }

  ContactChannelWrite update_contact_channel(const std::string& project_id,
                                             const std::string& user_id, const std::string& id,
                                             const ContactChannelUpdate& up,
                                             ContactChannel* out) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (!lock_user(*c, project_id, user_id)) return ContactChannelWrite::kNotFound;
    auto current = get(*c, project_id, user_id, id);
    if (!current) return ContactChannelWrite::kNotFound;
    ContactChannel next = *current;
    if (up.value) next.value = *up.value;
    if (up.used_for_auth) next.used_for_auth = *up.used_for_auth;
    if (up.is_primary) next.is_primary = *up.is_primary;
    // Changing the address un-verifies it unless the caller says otherwise.
    if (up.is_verified)
      next.is_verified = *up.is_verified;
    else if (up.value)
      next.is_verified = false;

    bool value_changed = next.value != current->value;
    if (value_changed &&
        user_has_value(*c, project_id, user_id, next.type, next.value, std::string(id)))
      return ContactChannelWrite::kAlreadyExists;
    if (next.used_for_auth && (value_changed || !current->used_for_auth) &&
        used_for_auth_elsewhere(*c, project_id, next.type, next.value, user_id, id))
      return ContactChannelWrite::kUsedForAuthElsewhere;
    try {
      if (next.is_primary && !current->is_primary)
        demote_primary(*c, project_id, user_id, next.type);
      c->query(
           "UPDATE contact_channels SET value = $1, is_primary = $2, is_verified = $3, "
           "used_for_auth = $4 WHERE project_id = $5 AND user_id = $6 AND id = $7")
          .bind(next.value)
          .bind(next.is_primary)
          .bind(next.is_verified)
          .bind(next.used_for_auth)
          .bind(project_id)
          .bind(user_id)
          .bind(id)
          .exec();
    } catch (const ConstraintError& e) {
      return from_constraint(e);
    }
    tx.commit();
    if (out) *out = next;
    return ContactChannelWrite::kOk;
  }

  bool delete_contact_channel(const std::string& project_id, const std::string& user_id,
                              const std::string& id) override {
    auto c = pool_.acquire();
    return c->query(
                "DELETE FROM contact_channels WHERE project_id = $1 AND user_id = $2 AND "
                "id = $3")
               .bind(project_id)
               .bind(user_id)
               .bind(id)
               .exec() > 0;
  }

  bool mark_contact_channel_verified(const std::string& project_id, const std::string& user_id,
                                     const std::string& type, const std::string& value) override {
    auto c = pool_.acquire();
    return c->query(
                "UPDATE contact_channels SET is_verified = TRUE WHERE project_id = $1 AND "
                "user_id = $2 AND type = $3 AND value = $4")
               .bind(project_id)
               .bind(user_id)
               .bind(type)
               .bind(value)
               .exec() > 0;
  }

 private:
  static ContactChannel read(const Result& r, int i) {
    ContactChannel ch;
    ch.id = r.text(i, 0);
    ch.project_id = r.text(i, 1);
    ch.user_id = r.text(i, 2);
    ch.type = r.text(i, 3);
    ch.value = r.text(i, 4);
    ch.is_primary = r.boolean(i, 5);
    ch.is_verified = r.boolean(i, 6);
    ch.used_for_auth = r.boolean(i, 7);
    ch.created_at_millis = r.int64(i, 8);
    return ch;
  }

  static bool lock_user(Connection& c, const std::string& project_id, const std::string& user_id) {
    return c.query("SELECT 1 FROM users WHERE project_id = $1 AND id = $2 FOR UPDATE")
               .bind(project_id)
               .bind(user_id)
               .run()
               .rows() > 0;
  }

  static std::optional<ContactChannel> get(Connection& c, const std::string& project_id,
                                           const std::string& user_id, const std::string& id) {
    auto r = c.query("SELECT " LK_CHANNEL_COLUMNS
                     " FROM contact_channels WHERE project_id = $1 AND user_id = $2 AND id = $3")
                 .bind(project_id)
                 .bind(user_id)
                 .bind(id)
                 .run();
    if (r.rows() == 0) return std::nullopt;
    return read(r, 0);
  }

  static bool user_has_value(Connection& c, const std::string& project_id,
                             const std::string& user_id, const std::string& type,
                             const std::string& value,
                             const std::optional<std::string>& except_id) {
    return c.query(
                "SELECT 1 FROM contact_channels WHERE project_id = $1 AND user_id = $2 "
                "AND type = $3 AND value = $4 AND ($5::text IS NULL OR id <> $5::text)")
               .bind(project_id)
               .bind(user_id)
               .bind(type)
               .bind(value)
               .bind(except_id)
               .run()
               .rows() > 0;
  }

  // Another channel (not (except_user, except_id)) signs in with the value.
  static bool used_for_auth_elsewhere(Connection& c, const std::string& project_id,
                                      const std::string& type, const std::string& value,
                                      const std::optional<std::string>& except_user,
                                      const std::optional<std::string>& except_id) {
    return c.query(
                "SELECT 1 FROM contact_channels WHERE project_id = $1 AND type = $2 "
                "AND value = $3 AND used_for_auth AND NOT (user_id IS NOT DISTINCT FROM "
                "$4::text AND id IS NOT DISTINCT FROM $5::text)")
               .bind(project_id)
               .bind(type)
               .bind(value)
               .bind(except_user)
               .bind(except_id)
               .run()
               .rows() > 0;
  }

  static void demote_primary(Connection& c, const std::string& project_id,
                             const std::string& user_id, const std::string& type) {
    c.query(
         "UPDATE contact_channels SET is_primary = FALSE WHERE project_id = $1 AND "
         "user_id = $2 AND type = $3 AND is_primary")
        .bind(project_id)
        .bind(user_id)
        .bind(type)
        .exec();
  }

  Pool& pool_;
};

}  // namespace

std::unique_ptr<ContactChannelStore> make_contact_channel_store(Pool& pool) {
  return std::make_unique<PgContactChannelStore>(pool);
}

}  // namespace latchkey::store::postgres
