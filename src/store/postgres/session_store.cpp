// PostgreSQL implementation of SessionStore: refresh-token rows (digests
// only) and the password writes that revoke sessions atomically.
#include "store/postgres/stores.hpp"

namespace latchkey::store::postgres {
namespace {

#define LK_SESSION_COLUMNS                                                                    \
  "project_id, id, user_id, refresh_token_digest, created_at, expires_at, is_impersonation, " \
  "last_used_at, last_used_ip, last_used_user_agent"

Session read(const Result& r, int i) {
  Session out;
  out.project_id = r.text(i, 0);
  out.id = r.text(i, 1);
  out.user_id = r.text(i, 2);
  out.refresh_token_digest = r.text(i, 3);
  out.created_at_millis = r.int64(i, 4);
  out.expires_at_millis = r.opt_int64(i, 5);
  out.is_impersonation = r.boolean(i, 6);
  out.last_used_at_millis = r.opt_int64(i, 7);
  out.last_used_ip = r.opt_text(i, 8);
  out.last_used_user_agent = r.opt_text(i, 9);
  return out;
}

class PgSessionStore final : public SessionStore {
 public:
  explicit PgSessionStore(Pool& pool) : pool_(pool) {}

  bool create_session(const Session& s) override {
    auto c = pool_.acquire();
    return insert_session(*c, s);
  }

  std::optional<Session> find_session_by_token_digest(const std::string& digest) override {
    if (auto* p = prefetched_session(digest)) return p->session;
    // An I/O thread can have this row read without blocking (async_reads.hpp).
    if (on_non_blocking_thread()) throw NeedsSessionRead(digest);
    auto c = pool_.acquire();
    return session_from_result(c->query(kSessionByDigestSql).bind(digest).run());
  }

  std::optional<Session> get_session(const std::string& project_id,
                                     const std::string& id) override {
    auto c = pool_.acquire();
    auto r =
        c->query("SELECT " LK_SESSION_COLUMNS " FROM sessions WHERE project_id = $1 AND id = $2")
            .bind(project_id)
            .bind(id)
            .run();
    if (r.rows() == 0) return std::nullopt;
    return read(r, 0);
  }

  std::vector<Session> list_sessions(const std::string& project_id,
                                     const std::string& user_id) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_SESSION_COLUMNS
                      " FROM sessions WHERE project_id = $1 AND user_id = $2 "
                      "ORDER BY created_at, seq")
                 .bind(project_id)
                 .bind(user_id)
                 .run();
    std::vector<Session> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
    return out;
  }

  bool delete_session(const std::string& project_id, const std::string& id) override {
    auto c = pool_.acquire();
    return c->query("DELETE FROM sessions WHERE project_id = $1 AND id = $2")
               .bind(project_id)
               .bind(id)
               .exec() > 0;
  }

  int delete_user_sessions(const std::string& project_id, const std::string& user_id,
                           const std::optional<std::string>& keep_id) override {
    auto c = pool_.acquire();
    return delete_user_sessions_on(*c, project_id, user_id, keep_id);
  }

  void record_activity(const std::vector<SessionUse>& sessions,
                       const std::vector<UserActivity>& users) override {
    if (sessions.empty() && users.empty()) return;
    auto c = pool_.acquire();
    CountWritesIn counted(*c, pool_.writes().activity());
    Transaction tx(*c);
    // Activity timestamps only: the commit does not wait for the WAL flush,
    // so row locks are never held across an fsync. A database crash can lose
    // the last fraction of a second of them; a clean shutdown or restart
    // loses nothing, and every other write keeps synchronous_commit.
    c->exec_script("SET LOCAL synchronous_commit TO off");
    // Users before sessions, as a password change does (users row, then the
    // user's sessions), and within each table the rows are locked in key
    // order (the MATERIALIZED ... ORDER BY ... FOR NO KEY UPDATE): the
    // batches of several instances then never deadlock with each other or
    // with those transactions. Only rows that would change are locked.
    if (!users.empty())
      // GREATEST: batches of several instances may commit out of order;
      // activity never moves backwards.
      c->query(
           "WITH v AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(p text, u text, t "
           "bigint)), l AS MATERIALIZED (SELECT users.project_id, users.id, v.t FROM users JOIN v "
           "ON users.project_id = v.p AND users.id = v.u WHERE users.last_active_at < v.t ORDER "
           "BY users.project_id, users.id FOR NO KEY UPDATE OF users) "
           "UPDATE users SET last_active_at = GREATEST(users.last_active_at, l.t) FROM l WHERE "
           "users.project_id = l.project_id AND users.id = l.id")
          .bind(user_activities_json(users))
          .exec();
    if (!sessions.empty())
      // A session's use is only replaced by a later one (or, at the same
      // millisecond, by different client details), never by an older one.
      c->query(
           "WITH v AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(p text, s text, t "
           "bigint, ip text, ua text)), l AS MATERIALIZED (SELECT sessions.project_id, "
           "sessions.id, v.t, v.ip, v.ua FROM sessions JOIN v ON sessions.project_id = v.p AND "
           "sessions.id = v.s WHERE sessions.last_used_at IS NULL OR sessions.last_used_at < v.t "
           "OR (sessions.last_used_at = v.t AND (sessions.last_used_ip IS DISTINCT FROM v.ip OR "
           "sessions.last_used_user_agent IS DISTINCT FROM v.ua)) ORDER BY sessions.project_id, "
           "sessions.id FOR NO KEY UPDATE OF sessions) "
           "UPDATE sessions SET last_used_at = l.t, last_used_ip = l.ip, last_used_user_agent = "
           "l.ua FROM l WHERE sessions.project_id = l.project_id AND sessions.id = l.id AND "
           "(sessions.last_used_at IS NULL OR sessions.last_used_at <= l.t)")
          .bind(session_uses_json(sessions))
          .exec();
    tx.commit();
  }

  bool compare_and_set_password(const std::string& project_id, const std::string& user_id,
                                const std::optional<std::string>& expected,
                                const std::string& new_hash, bool revoke_sessions,
                                const std::optional<std::string>& keep_session_id) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    // The WHERE re-checks the hash on the latest row version (UPDATE waits
    // for a concurrent writer), so a stale expectation changes nothing.
    int changed = c->query(
                       "UPDATE users SET password_hash = $1 WHERE project_id = $2 AND "
                       "id = $3 AND password_hash IS NOT DISTINCT FROM $4::text")
                      .bind(new_hash)
                      .bind(project_id)
                      .bind(user_id)
                      .bind(expected)
                      .exec();
    if (changed != 1) return false;  // rolled back by the destructor
    if (revoke_sessions) delete_user_sessions_on(*c, project_id, user_id, keep_session_id);
    tx.commit();
    return true;
  }

 private:
  static int delete_user_sessions_on(Connection& c, const std::string& project_id,
                                     const std::string& user_id,
                                     const std::optional<std::string>& keep_id) {
    return c
        .query(
            "DELETE FROM sessions WHERE project_id = $1 AND user_id = $2 "
            "AND ($3::text IS NULL OR id <> $3::text)")
        .bind(project_id)
        .bind(user_id)
        .bind(keep_id)
        .exec();
  }

  Pool& pool_;
};

}  // namespace

const char* const kSessionByDigestSql =
    "SELECT " LK_SESSION_COLUMNS " FROM sessions WHERE refresh_token_digest = $1";

std::optional<Session> session_from_result(const Result& r) {
  if (r.rows() == 0) return std::nullopt;
  return read(r, 0);
}

bool insert_session(Connection& c, const Session& s) {
  try {
    // The row is only inserted while the user exists; a user deleted by a
    // transaction that commits meanwhile fails the foreign key instead.
    int n = c.query("INSERT INTO sessions (" LK_SESSION_COLUMNS
                    ") SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE EXISTS (SELECT 1 "
                    "FROM users WHERE project_id = $1 AND id = $3)")
                .bind(s.project_id)
                .bind(s.id)
                .bind(s.user_id)
                .bind(s.refresh_token_digest)
                .bind(s.created_at_millis)
                .bind(s.expires_at_millis)
                .bind(s.is_impersonation)
                .bind(s.last_used_at_millis)
                .bind(s.last_used_ip)
                .bind(s.last_used_user_agent)
                .exec();
    return n == 1;
  } catch (const ConstraintError& e) {
    if (e.constraint() == "sessions_project_id_user_id_fkey") return false;
    throw;
  }
}

std::unique_ptr<SessionStore> make_session_store(Pool& pool) {
  return std::make_unique<PgSessionStore>(pool);
}

}  // namespace latchkey::store::postgres
