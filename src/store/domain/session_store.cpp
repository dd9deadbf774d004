// SessionStore: refresh-token rows (digests only) and the password writes
// that revoke sessions atomically.
#include "store/domain/stores.hpp"
#include "store/store.hpp"

namespace latchkey::store::domain {
namespace {

const sql::Columns<Session> kColumns{
    {"project_id", &Session::project_id},
    {"id", &Session::id},
    {"user_id", &Session::user_id},
    {"refresh_token_digest", &Session::refresh_token_digest},
    {"created_at", &Session::created_at_millis},
    {"expires_at", &Session::expires_at_millis},
    {"is_impersonation", &Session::is_impersonation},
    {"last_used_at", &Session::last_used_at_millis},
    {"last_used_ip", &Session::last_used_ip},
    {"last_used_user_agent", &Session::last_used_user_agent},
};
const std::string kSelect = "SELECT " + kColumns.list() + " FROM sessions ";

const sql::Sql kByDigest{kSelect + "WHERE refresh_token_digest = $1"};
const sql::Sql kById{kSelect + "WHERE project_id = $1 AND id = $2"};
const sql::Sql kOfUser = sql::Sql::each([](const sql::Dialect& d) {
  return kSelect + "WHERE project_id = $1 AND user_id = $2 ORDER BY created_at, " +
         std::string(d.insertion_order);
});
const sql::Sql kDelete{"DELETE FROM sessions WHERE project_id = $1 AND id = $2"};
const sql::Sql kDeleteOfUser{
    "DELETE FROM sessions WHERE project_id = $1 AND user_id = $2 "
    "AND ($3::text IS NULL OR id <> $3::text)"};
// The row is only inserted while the user exists, so a user deleted
// meanwhile yields false rather than an error.
const sql::Sql kInsert{"INSERT INTO sessions (" + kColumns.list() +
                       ") SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE EXISTS (SELECT 1 "
                       "FROM users WHERE project_id = $1 AND id = $3)"};
// The WHERE re-checks the hash on the latest row version (on PostgreSQL the
// UPDATE waits for a concurrent writer), so a stale expectation changes
// nothing.
const sql::Sql kSetPasswordIf{
    "UPDATE users SET password_hash = $1 WHERE project_id = $2 AND id = $3 "
    "AND password_hash IS NOT DISTINCT FROM $4::text"};

// An activity batch arrives as one JSON parameter (session_store.hpp), which
// each engine expands into rows its own way. Only a later time replaces a
// stored one: batches may commit out of order, and activity never moves
// backwards. On PostgreSQL the rows to change are locked first, in key
// order (users before sessions, as a password change does), so batches of
// several instances never deadlock with each other or with those writes.
const sql::Sql kUserActivity{
    "UPDATE users SET last_active_at = v.t FROM (SELECT json_extract(value, '$.p') AS p, "
    "json_extract(value, '$.u') AS u, json_extract(value, '$.t') AS t FROM json_each($1)) "
    "AS v WHERE users.project_id = v.p AND users.id = v.u AND users.last_active_at < v.t",
    "WITH v AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(p text, u text, t "
    "bigint)), l AS MATERIALIZED (SELECT users.project_id, users.id, v.t FROM users JOIN v "
    "ON users.project_id = v.p AND users.id = v.u WHERE users.last_active_at < v.t ORDER "
    "BY users.project_id, users.id FOR NO KEY UPDATE OF users) "
    "UPDATE users SET last_active_at = GREATEST(users.last_active_at, l.t) FROM l WHERE "
    "users.project_id = l.project_id AND users.id = l.id"};
// A session's use is only replaced by a later one (or, at the same
// millisecond, by different client details).
const sql::Sql kSessionActivity{
    "UPDATE sessions SET last_used_at = v.t, last_used_ip = v.ip, last_used_user_agent = "
    "v.ua FROM (SELECT json_extract(value, '$.p') AS p, json_extract(value, '$.s') AS s, "
    "json_extract(value, '$.t') AS t, json_extract(value, '$.ip') AS ip, "
    "json_extract(value, '$.ua') AS ua FROM json_each($1)) AS v WHERE sessions.project_id "
    "= v.p AND sessions.id = v.s AND (sessions.last_used_at IS NULL OR "
    "sessions.last_used_at < v.t OR (sessions.last_used_at = v.t AND "
    "(sessions.last_used_ip IS NOT v.ip OR sessions.last_used_user_agent IS NOT v.ua)))",
    "WITH v AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(p text, s text, t "
    "bigint, ip text, ua text)), l AS MATERIALIZED (SELECT sessions.project_id, "
    "sessions.id, v.t, v.ip, v.ua FROM sessions JOIN v ON sessions.project_id = v.p AND "
    "sessions.id = v.s WHERE sessions.last_used_at IS NULL OR sessions.last_used_at < v.t "
    "OR (sessions.last_used_at = v.t AND (sessions.last_used_ip IS DISTINCT FROM v.ip OR "
    "sessions.last_used_user_agent IS DISTINCT FROM v.ua)) ORDER BY sessions.project_id, "
    "sessions.id FOR NO KEY UPDATE OF sessions) "
    "UPDATE sessions SET last_used_at = l.t, last_used_ip = l.ip, last_used_user_agent = "
    "l.ua FROM l WHERE sessions.project_id = l.project_id AND sessions.id = l.id AND "
    "(sessions.last_used_at IS NULL OR sessions.last_used_at <= l.t)"};

int delete_user_sessions_on(sql::Connection& c, const std::string& project_id,
                            const std::string& user_id, const std::optional<std::string>& keep_id) {
  return c.exec(kDeleteOfUser, project_id, user_id, keep_id);
}

class SqlSessionStore final : public SessionStore {
 public:
  explicit SqlSessionStore(sql::Database& db) : db_(db) {}

  bool create_session(const Session& s) override {
    auto c = db_.acquire();
    return insert_session(*c, s);
  }

  std::optional<Session> find_session_by_token_digest(const std::string& digest) override {
    auto c = db_.acquire();
    auto r = c->query(kByDigest, digest);
    return first_session(r);
  }

  std::optional<Session> get_session(const std::string& project_id,
                                     const std::string& id) override {
    auto c = db_.acquire();
    auto r = c->query(kById, project_id, id);
    return first_session(r);
  }

  std::vector<Session> list_sessions(const std::string& project_id,
                                     const std::string& user_id) override {
    auto c = db_.acquire();
    std::vector<Session> out;
    for (auto r = c->query(kOfUser, project_id, user_id); r.next();)
      out.push_back(kColumns.read(r));
    return out;
  }

  bool delete_session(const std::string& project_id, const std::string& id) override {
    auto c = db_.acquire();
    return c->exec(kDelete, project_id, id) > 0;
  }

  int delete_user_sessions(const std::string& project_id, const std::string& user_id,
                           const std::optional<std::string>& keep_id) override {
    auto c = db_.acquire();
    return delete_user_sessions_on(*c, project_id, user_id, keep_id);
  }

  void record_activity(const std::vector<SessionUse>& sessions,
                       const std::vector<UserActivity>& users) override {
    if (sessions.empty() && users.empty()) return;
    auto c = db_.acquire();
    sql::CountWritesIn counted(*c, db_.activity_writes());
    sql::Transaction tx(*c);
    if (c->engine() == sql::Engine::kPostgres)
      // Activity timestamps only: the commit does not wait for the WAL
      // flush, so row locks are never held across an fsync. A database crash
      // can lose the last fraction of a second of them; a clean shutdown
      // loses nothing, and every other write keeps synchronous_commit.
      c->exec_script("SET LOCAL synchronous_commit TO off");
    if (!users.empty()) c->exec(kUserActivity, user_activities_json(users));
    if (!sessions.empty()) c->exec(kSessionActivity, session_uses_json(sessions));
    tx.commit();
  }

  bool compare_and_set_password(const std::string& project_id, const std::string& user_id,
                                const std::optional<std::string>& expected,
                                const std::string& new_hash, bool revoke_sessions,
                                const std::optional<std::string>& keep_session_id) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (c->exec(kSetPasswordIf, new_hash, project_id, user_id, expected) != 1)
      return false;  // rolled back by the destructor
    if (revoke_sessions) delete_user_sessions_on(*c, project_id, user_id, keep_session_id);
    tx.commit();
    return true;
  }

 private:
  sql::Database& db_;
};

}  // namespace

const sql::Columns<Session>& session_columns() { return kColumns; }
const sql::Sql& session_by_digest_sql() { return kByDigest; }

std::optional<Session> first_session(sql::Rows& rows) {
  if (!rows.next()) return std::nullopt;
  return kColumns.read(rows);
}

bool insert_session(sql::Connection& c, const Session& s) {
  try {
    return c.exec(kInsert, s.project_id, s.id, s.user_id, s.refresh_token_digest,
                  s.created_at_millis, s.expires_at_millis, s.is_impersonation,
                  s.last_used_at_millis, s.last_used_ip, s.last_used_user_agent) == 1;
  } catch (const sql::ConstraintError& e) {
    // PostgreSQL: a user deleted by a transaction that committed meanwhile
    // fails the foreign key instead of the EXISTS.
    if (e.constraint() == "sessions_project_id_user_id_fkey") return false;
    throw;
  }
}

std::unique_ptr<SessionStore> make_session_store(sql::Database& db) {
  return std::make_unique<SqlSessionStore>(db);
}

}  // namespace latchkey::store::domain
