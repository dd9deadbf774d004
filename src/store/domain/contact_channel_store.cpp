// ContactChannelStore: a user's addresses. The partial unique indexes allow
// one primary channel per user and type and one sign-in channel per address
// in a project; the writes check both first, under the transaction, so that
// a conflict is reported as a ContactChannelWrite rather than an error.
#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

const sql::Columns<ContactChannel> kColumns{
    {"id", &ContactChannel::id},
    {"project_id", &ContactChannel::project_id},
    {"user_id", &ContactChannel::user_id},
    {"type", &ContactChannel::type},
    {"value", &ContactChannel::value},
    {"is_primary", &ContactChannel::is_primary},
    {"is_verified", &ContactChannel::is_verified},
    {"used_for_auth", &ContactChannel::used_for_auth},
    {"created_at", &ContactChannel::created_at_millis},
};
const std::string kSelect = "SELECT " + kColumns.list() + " FROM contact_channels ";

const sql::Sql kList = sql::Sql::each([](const sql::Dialect& d) {
  return kSelect +
         "WHERE project_id = $1 AND ($2::text IS NULL OR user_id = $2::text) AND ($3::text IS "
         "NULL OR id = $3::text) ORDER BY created_at, " +
         std::string(d.insertion_order);
});
const sql::Sql kGet{kSelect + "WHERE project_id = $1 AND user_id = $2 AND id = $3"};
const sql::Sql kAuthChannel{kSelect +
                            "WHERE project_id = $1 AND type = $2 AND value = $3 AND used_for_auth"};

// Every write first locks the owning user's row (PostgreSQL; SQLite's
// BEGIN IMMEDIATE already serialises writers), so one user's channel writes
// and user updates run one at a time.
const sql::Sql kLockUser = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT 1 FROM users WHERE project_id = $1 AND id = $2" + d.for_update();
});
// The user has a channel with (type, value) other than $5 (if given).
const sql::Sql kUserHasValue{
    "SELECT 1 FROM contact_channels WHERE project_id = $1 AND user_id = $2 AND type = $3 AND "
    "value = $4 AND ($5::text IS NULL OR id <> $5::text)"};
// Another channel than ($4, $5) signs in with (type, value).
const sql::Sql kUsedForAuthElsewhere{
    "SELECT 1 FROM contact_channels WHERE project_id = $1 AND type = $2 AND value = $3 AND "
    "used_for_auth AND NOT (user_id IS NOT DISTINCT FROM $4::text AND id IS NOT DISTINCT FROM "
    "$5::text)"};
const sql::Sql kDemotePrimary{
    "UPDATE contact_channels SET is_primary = FALSE WHERE project_id = $1 AND user_id = $2 AND "
    "type = $3 AND is_primary"};
const sql::Sql kInsert{"INSERT INTO contact_channels (" + kColumns.list() +
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"};
const sql::Sql kUpdate{
    "UPDATE contact_channels SET value = $1, is_primary = $2, is_verified = $3, "
    "used_for_auth = $4 WHERE project_id = $5 AND user_id = $6 AND id = $7"};
const sql::Sql kDelete{
    "DELETE FROM contact_channels WHERE project_id = $1 AND user_id = $2 AND id = $3"};
const sql::Sql kMarkVerified{
    "UPDATE contact_channels SET is_verified = TRUE WHERE project_id = $1 AND user_id = $2 AND "
    "type = $3 AND value = $4"};

// On PostgreSQL, writes for different users are not serialised: a
// concurrent transaction can commit the same sign-in address after our
// check, and the unique index then reports it. SQLite serialises writers,
// so its checks always see the final state and this never matters there
// (its errors carry no constraint name: nullopt, and the error is rethrown).
std::optional<ContactChannelWrite> from_constraint(const sql::ConstraintError& e) {
  if (e.constraint() == "contact_channels_auth") return ContactChannelWrite::kUsedForAuthElsewhere;
  if (e.constraint() == "contact_channels_value") return ContactChannelWrite::kAlreadyExists;
  return std::nullopt;
}

std::optional<ContactChannel> get(sql::Connection& c, const std::string& project_id,
                                  const std::string& user_id, const std::string& id) {
  auto r = c.query(kGet, project_id, user_id, id);
  if (!r.next()) return std::nullopt;
  return kColumns.read(r);
}

class SqlContactChannelStore final : public ContactChannelStore {
 public:
  explicit SqlContactChannelStore(sql::Database& db) : db_(db) {}

  std::vector<ContactChannel> list_contact_channels(
      const std::string& project_id, const std::optional<std::string>& user_id,
      const std::optional<std::string>& channel_id) override {
    auto c = db_.acquire();
    std::vector<ContactChannel> out;
    for (auto r = c->query(kList, project_id, user_id, channel_id); r.next();)
      out.push_back(kColumns.read(r));
    return out;
  }

  std::optional<ContactChannel> get_contact_channel(const std::string& project_id,
                                                    const std::string& user_id,
                                                    const std::string& id) override {
    auto c = db_.acquire();
    return get(*c, project_id, user_id, id);
  }

  std::optional<ContactChannel> find_auth_channel(const std::string& project_id,
                                                  const std::string& type,
                                                  const std::string& value) override {
    auto c = db_.acquire();
    auto r = c->query(kAuthChannel, project_id, type, value);
    if (!r.next()) return std::nullopt;
    return kColumns.read(r);
  }

  ContactChannelWrite create_contact_channel(const ContactChannel& ch) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    // Each early return rolls back (the transaction's destructor).
    if (!c->exists(kLockUser, ch.project_id, ch.user_id)) return ContactChannelWrite::kUserNotFound;
    ContactChannelWrite status;
    try {
      status = insert_contact_channel(*c, ch);
    } catch (const sql::ConstraintError& e) {
      if (auto w = from_constraint(e)) return *w;
      throw;
    }
    if (status == ContactChannelWrite::kOk) tx.commit();
    return status;
  }

  ContactChannelWrite update_contact_channel(const std::string& project_id,
                                             const std::string& user_id, const std::string& id,
                                             const ContactChannelUpdate& up,
                                             ContactChannel* out) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (!c->exists(kLockUser, project_id, user_id)) return ContactChannelWrite::kNotFound;
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

    const bool value_changed = next.value != current->value;
    if (value_changed && c->exists(kUserHasValue, project_id, user_id, next.type, next.value, id))
      return ContactChannelWrite::kAlreadyExists;
    if (next.used_for_auth && (value_changed || !current->used_for_auth) &&
        c->exists(kUsedForAuthElsewhere, project_id, next.type, next.value, user_id, id))
      return ContactChannelWrite::kUsedForAuthElsewhere;
    try {
      if (next.is_primary && !current->is_primary)
        c->exec(kDemotePrimary, project_id, user_id, next.type);
      c->exec(kUpdate, next.value, next.is_primary, next.is_verified, next.used_for_auth,
              project_id, user_id, id);
    } catch (const sql::ConstraintError& e) {
      if (auto w = from_constraint(e)) return *w;
      throw;
    }
    tx.commit();
    if (out) *out = next;
    return ContactChannelWrite::kOk;
  }

  bool delete_contact_channel(const std::string& project_id, const std::string& user_id,
                              const std::string& id) override {
    auto c = db_.acquire();
    return c->exec(kDelete, project_id, user_id, id) > 0;
  }

  bool mark_contact_channel_verified(const std::string& project_id, const std::string& user_id,
                                     const std::string& type, const std::string& value) override {
    auto c = db_.acquire();
    return c->exec(kMarkVerified, project_id, user_id, type, value) > 0;
  }

 private:
  sql::Database& db_;
};

}  // namespace

ContactChannelWrite insert_contact_channel(sql::Connection& c, const ContactChannel& ch) {
  if (c.exists(kUserHasValue, ch.project_id, ch.user_id, ch.type, ch.value, nullptr))
    return ContactChannelWrite::kAlreadyExists;
  if (ch.used_for_auth &&
      c.exists(kUsedForAuthElsewhere, ch.project_id, ch.type, ch.value, nullptr, nullptr))
    return ContactChannelWrite::kUsedForAuthElsewhere;
  if (ch.is_primary) c.exec(kDemotePrimary, ch.project_id, ch.user_id, ch.type);
  c.exec(kInsert, ch.id, ch.project_id, ch.user_id, ch.type, ch.value, ch.is_primary,
         ch.is_verified, ch.used_for_auth, ch.created_at_millis);
  return ContactChannelWrite::kOk;
}

std::unique_ptr<ContactChannelStore> make_contact_channel_store(sql::Database& db) {
  return std::make_unique<SqlContactChannelStore>(db);
}

}  // namespace latchkey::store::domain
