// SQLite implementation of ContactChannelStore. is_primary and used_for_auth
// are stored as 1 or NULL so that unique indexes enforce "one primary per
// user and type" and "one sign-in channel per address" (0001_initial.sql).
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store::sqlite {
namespace {

#define LK_CHANNEL_COLUMNS \
  "id, project_id, user_id, type, value, is_primary, is_verified, used_for_auth, created_at"

std::optional<int64_t> flag(bool b) { return b ? std::optional<int64_t>(1) : std::nullopt; }

class SqliteContactChannelStore final : public ContactChannelStore {
 public:
  explicit SqliteContactChannelStore(Pool& pool) : pool_(pool) {}

  std::vector<ContactChannel> list_contact_channels(
      const std::string& project_id, const std::optional<std::string>& user_id,
      const std::optional<std::string>& channel_id) override {
    auto c = pool_.acquire();
    auto s = c->prepare("SELECT " LK_CHANNEL_COLUMNS
                        " FROM contact_channels WHERE project_id = ? AND (? IS NULL OR user_id "
                        "= ?) AND (? IS NULL OR id = ?) ORDER BY created_at, rowid");
    s.bind(1, project_id).bind(2, user_id).bind(3, user_id).bind(4, channel_id).bind(5, channel_id);
    std::vector<ContactChannel> out;
    while (s.step()) out.push_back(read(s));
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
    auto s = c->prepare("SELECT " LK_CHANNEL_COLUMNS
                        " FROM contact_channels WHERE project_id = ? AND type = ? AND value = ? "
                        "AND used_for_auth = 1");
    s.bind(1, project_id).bind(2, type).bind(3, value);
    if (!s.step()) return std::nullopt;
    return read(s);
  }

  ContactChannelWrite create_contact_channel(const ContactChannel& ch) override {
    auto c = pool_.acquire();
    // BEGIN IMMEDIATE: the checks and the insert see no concurrent writer.
    Transaction tx(*c);
    {
      auto s = c->prepare("SELECT 1 FROM users WHERE project_id = ? AND id = ?");
      s.bind(1, ch.project_id).bind(2, ch.user_id);
      if (!s.step()) return ContactChannelWrite::kUserNotFound;
    }
    if (user_has_value(*c, ch.project_id, ch.user_id, ch.type, ch.value, std::nullopt))
      return ContactChannelWrite::kAlreadyExists;
    if (ch.used_for_auth &&
        used_for_auth_elsewhere(*c, ch.project_id, ch.type, ch.value, std::nullopt, std::nullopt))
      return ContactChannelWrite::kUsedForAuthElsewhere;
    if (ch.is_primary) demote_primary(*c, ch.project_id, ch.user_id, ch.type);
    c->prepare("INSERT INTO contact_channels (" LK_CHANNEL_COLUMNS
               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, ch.id)
        .bind(2, ch.project_id)
        .bind(3, ch.user_id)
        .bind(4, ch.type)
        .bind(5, ch.value)
        .bind(6, flag(ch.is_primary))
        .bind(7, ch.is_verified)
        .bind(8, flag(ch.used_for_auth))
        .bind(9, ch.created_at_millis)
        .exec();
    tx.commit();
    return ContactChannelWrite::kOk;
  }

  ContactChannelWrite update_contact_channel(const std::string& project_id,
                                             const std::string& user_id, const std::string& id,
                                             const ContactChannelUpdate& up,
                                             ContactChannel* out) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
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
    if (next.is_primary && !current->is_primary) demote_primary(*c, project_id, user_id, next.type);
    c->prepare(
         "UPDATE contact_channels SET value = ?, is_primary = ?, is_verified = ?, "
         "used_for_auth = ? WHERE project_id = ? AND user_id = ? AND id = ?")
        .bind(1, next.value)
        .bind(2, flag(next.is_primary))
        .bind(3, next.is_verified)
        .bind(4, flag(next.used_for_auth))
        .bind(5, project_id)
        .bind(6, user_id)
        .bind(7, id)
        .exec();
    tx.commit();
    if (out) *out = next;
    return ContactChannelWrite::kOk;
  }

  bool delete_contact_channel(const std::string& project_id, const std::string& user_id,
                              const std::string& id) override {
    auto c = pool_.acquire();
    return c->prepare(
                "DELETE FROM contact_channels WHERE project_id = ? AND user_id = ? AND id = ?")
               .bind(1, project_id)
               .bind(2, user_id)
               .bind(3, id)
               .exec() > 0;
  }

  bool mark_contact_channel_verified(const std::string& project_id, const std::string& user_id,
                                     const std::string& type, const std::string& value) override {
    auto c = pool_.acquire();
    return c->prepare(
                "UPDATE contact_channels SET is_verified = 1 WHERE project_id = ? AND user_id = ? "
                "AND type = ? AND value = ?")
               .bind(1, project_id)
               .bind(2, user_id)
               .bind(3, type)
               .bind(4, value)
               .exec() > 0;
  }

 private:
  static ContactChannel read(Stmt& s) {
    ContactChannel ch;
    ch.id = s.text(0);
    ch.project_id = s.text(1);
    ch.user_id = s.text(2);
    ch.type = s.text(3);
    ch.value = s.text(4);
    ch.is_primary = !s.is_null(5) && s.boolean(5);
    ch.is_verified = s.boolean(6);
    ch.used_for_auth = !s.is_null(7) && s.boolean(7);
    ch.created_at_millis = s.int64(8);
    return ch;
  }

  static std::optional<ContactChannel> get(Connection& c, const std::string& project_id,
                                           const std::string& user_id, const std::string& id) {
    auto s = c.prepare("SELECT " LK_CHANNEL_COLUMNS
                       " FROM contact_channels WHERE project_id = ? AND user_id = ? AND id = ?");
    s.bind(1, project_id).bind(2, user_id).bind(3, id);
    if (!s.step()) return std::nullopt;
    return read(s);
  }

  static bool user_has_value(Connection& c, const std::string& project_id,
                             const std::string& user_id, const std::string& type,
                             const std::string& value,
                             const std::optional<std::string>& except_id) {
    auto s = c.prepare(
        "SELECT 1 FROM contact_channels WHERE project_id = ? AND user_id = ? AND type = ? "
        "AND value = ? AND (? IS NULL OR id <> ?)");
    s.bind(1, project_id)
        .bind(2, user_id)
        .bind(3, type)
        .bind(4, value)
        .bind(5, except_id)
        .bind(6, except_id);
    return s.step();
  }

  // Another channel (not (except_user, except_id)) signs in with the value.
  static bool used_for_auth_elsewhere(Connection& c, const std::string& project_id,
                                      const std::string& type, const std::string& value,
                                      const std::optional<std::string>& except_user,
                                      const std::optional<std::string>& except_id) {
    auto s = c.prepare(
        "SELECT 1 FROM contact_channels WHERE project_id = ? AND type = ? AND value = ? "
        "AND used_for_auth = 1 AND NOT (user_id IS ? AND id IS ?)");
    s.bind(1, project_id).bind(2, type).bind(3, value).bind(4, except_user).bind(5, except_id);
    return s.step();
  }

  static void demote_primary(Connection& c, const std::string& project_id,
                             const std::string& user_id, const std::string& type) {
    c.prepare(
         "UPDATE contact_channels SET is_primary = NULL WHERE project_id = ? AND user_id = ? "
         "AND type = ? AND is_primary = 1")
        .bind(1, project_id)
        .bind(2, user_id)
        .bind(3, type)
        .exec();
  }

  Pool& pool_;
};

}  // namespace

std::unique_ptr<ContactChannelStore> make_contact_channel_store(Pool& pool) {
  return std::make_unique<SqliteContactChannelStore>(pool);
}

}  // namespace latchkey::store::sqlite
