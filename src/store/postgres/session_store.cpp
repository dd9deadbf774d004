// PostgreSQL implementation of SessionStore: refresh-token rows (digests
// only) and the password writes that revoke sessions atomically.
#include "store/postgres/stores.hpp"

namespace latchkey::store::postgres {
namespace {

#define LK_SESSION_COLUMNS                                                                    \
  "project_id, id, user_id, refresh_token_digest, created_at, expires_at, is_impersonation, " \
  "last_used_at, last_used_ip, last_used_user_agent"

std::optional<std::string> non_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

class PgSessionStore final : public SessionStore {
 public:
  explicit PgSessionStore(Pool& pool) : pool_(pool) {}

  bool create_session(const Session& s) override {
    auto c = pool_.acquire();
    try {
      // The row is only inserted while the user exists; a user deleted by a
      // transaction that commits meanwhile fails the foreign key instead.
      int n = c->query("INSERT INTO sessions (" LK_SESSION_COLUMNS
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

  std::optional<Session> find_session_by_token_digest(const std::string& digest) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_SESSION_COLUMNS " FROM sessions WHERE refresh_token_digest = $1")
                 .bind(digest)
                 .run();
    if (r.rows() == 0) return std::nullopt;
    return read(r, 0);
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

  void record_session_use(const std::string& project_id, const std::string& id, int64_t now_millis,
                          const std::string& ip, const std::string& user_agent) override {
    auto c = pool_.acquire();
    // Both rows in one statement (one round trip, one implicit transaction).
    // GREATEST: concurrent requests may commit out of order; activity never
    // moves backwards.
    //
    // A refresh-heavy client hits one session and one user row again and
    // again, so rows that already hold these values are left alone: the
    // WHERE is checked on the committed version first, so such a call takes
    // no row lock and writes nothing (and, changing no user row, does not
    // move the write generation). What is written are activity timestamps:
    // the statement commits without waiting for the WAL flush
    // (synchronous_commit off for this transaction only, set by the
    // uncorrelated subquery), so a row lock is never held across an fsync.
    // A database crash can lose the last fraction of a second of them; a
    // clean shutdown or restart loses nothing, and every other write keeps
    // the server's synchronous_commit.
    c->query(
         "WITH s AS (UPDATE sessions SET last_used_at = $1, last_used_ip = $2, "
         "last_used_user_agent = $3 WHERE project_id = $4 AND id = $5 AND "
         "(last_used_at IS DISTINCT FROM $1 OR last_used_ip IS DISTINCT FROM $2 OR "
         "last_used_user_agent IS DISTINCT FROM $3) AND "
         "(SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL), "
         "u AS (SELECT user_id FROM sessions WHERE project_id = $4 AND id = $5) "
         "UPDATE users SET last_active_at = $1 WHERE project_id = $4 AND "
         "id = (SELECT user_id FROM u) AND last_active_at < $1 AND "
         "(SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL")
        .bind(now_millis)
        .bind(non_empty(ip))
        .bind(non_empty(user_agent))
        .bind(project_id)
        .bind(id)
        .exec();
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

  static Session read(const Result& r, int i) {
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

  Pool& pool_;
};

}  // namespace

std::unique_ptr<SessionStore> make_session_store(Pool& pool) {
  return std::make_unique<PgSessionStore>(pool);
}

}  // namespace latchkey::store::postgres
