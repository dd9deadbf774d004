// SQLite implementation of SessionStore: refresh-token rows (digests only)
// and the password writes that revoke sessions atomically.
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store::sqlite {
namespace {

#define LK_SESSION_COLUMNS                                                                    \
  "project_id, id, user_id, refresh_token_digest, created_at, expires_at, is_impersonation, " \
  "last_used_at, last_used_ip, last_used_user_agent"

class SqliteSessionStore final : public SessionStore {
 public:
  explicit SqliteSessionStore(Pool& pool) : pool_(pool) {}

  bool create_session(const Session& s) override {
    auto c = pool_.acquire();
    return insert_session(*c, s);
  }

  std::optional<Session> find_session_by_token_digest(const std::string& digest) override {
    auto c = pool_.acquire();
    auto s =
        c->prepare("SELECT " LK_SESSION_COLUMNS " FROM sessions WHERE refresh_token_digest = ?");
    s.bind(1, digest);
    if (!s.step()) return std::nullopt;
    return read(s);
  }

  std::optional<Session> get_session(const std::string& project_id,
                                     const std::string& id) override {
    auto c = pool_.acquire();
    auto s =
        c->prepare("SELECT " LK_SESSION_COLUMNS " FROM sessions WHERE project_id = ? AND id = ?");
    s.bind(1, project_id).bind(2, id);
    if (!s.step()) return std::nullopt;
    return read(s);
  }

  std::vector<Session> list_sessions(const std::string& project_id,
                                     const std::string& user_id) override {
    auto c = pool_.acquire();
    auto s = c->prepare("SELECT " LK_SESSION_COLUMNS
                        " FROM sessions WHERE project_id = ? AND user_id = ? "
                        "ORDER BY created_at, rowid");
    s.bind(1, project_id).bind(2, user_id);
    std::vector<Session> out;
    while (s.step()) out.push_back(read(s));
    return out;
  }

  bool delete_session(const std::string& project_id, const std::string& id) override {
    auto c = pool_.acquire();
    return c->prepare("DELETE FROM sessions WHERE project_id = ? AND id = ?")
               .bind(1, project_id)
               .bind(2, id)
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
    if (!users.empty())
      // Only a later time replaces the stored one: activity never moves
      // backwards, whatever order batches commit in.
      c->prepare(
           "UPDATE users SET last_active_at = v.t FROM (SELECT json_extract(value, '$.p') AS p, "
           "json_extract(value, '$.u') AS u, json_extract(value, '$.t') AS t FROM json_each(?)) "
           "AS v WHERE users.project_id = v.p AND users.id = v.u AND users.last_active_at < v.t")
          .bind(1, user_activities_json(users))
          .exec();
    if (!sessions.empty())
      // A session's use is only replaced by a later one (or, at the same
      // millisecond, by different client details), never by an older one.
      c->prepare(
           "UPDATE sessions SET last_used_at = v.t, last_used_ip = v.ip, last_used_user_agent = "
           "v.ua FROM (SELECT json_extract(value, '$.p') AS p, json_extract(value, '$.s') AS s, "
           "json_extract(value, '$.t') AS t, json_extract(value, '$.ip') AS ip, "
           "json_extract(value, '$.ua') AS ua FROM json_each(?)) AS v WHERE sessions.project_id "
           "= v.p AND sessions.id = v.s AND (sessions.last_used_at IS NULL OR "
           "sessions.last_used_at < v.t OR (sessions.last_used_at = v.t AND "
           "(sessions.last_used_ip IS NOT v.ip OR sessions.last_used_user_agent IS NOT v.ua)))")
          .bind(1, session_uses_json(sessions))
          .exec();
    tx.commit();
  }

  bool compare_and_set_password(const std::string& project_id, const std::string& user_id,
                                const std::optional<std::string>& expected,
                                const std::string& new_hash, bool revoke_sessions,
                                const std::optional<std::string>& keep_session_id) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    int changed =
        expected ? c->prepare(
                        "UPDATE users SET password_hash = ? WHERE project_id = ? AND id = ? AND "
                        "password_hash = ?")
                       .bind(1, new_hash)
                       .bind(2, project_id)
                       .bind(3, user_id)
                       .bind(4, *expected)
                       .exec()
                 : c->prepare(
                        "UPDATE users SET password_hash = ? WHERE project_id = ? AND id = ? AND "
                        "password_hash IS NULL")
                       .bind(1, new_hash)
                       .bind(2, project_id)
                       .bind(3, user_id)
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
    if (keep_id)
      return c.prepare("DELETE FROM sessions WHERE project_id = ? AND user_id = ? AND id <> ?")
          .bind(1, project_id)
          .bind(2, user_id)
          .bind(3, *keep_id)
          .exec();
    return c.prepare("DELETE FROM sessions WHERE project_id = ? AND user_id = ?")
        .bind(1, project_id)
        .bind(2, user_id)
        .exec();
  }

  static Session read(Stmt& s) {
    Session out;
    out.project_id = s.text(0);
    out.id = s.text(1);
    out.user_id = s.text(2);
    out.refresh_token_digest = s.text(3);
    out.created_at_millis = s.int64(4);
    out.expires_at_millis = s.opt_int64(5);
    out.is_impersonation = s.boolean(6);
    out.last_used_at_millis = s.opt_int64(7);
    out.last_used_ip = s.opt_text(8);
    out.last_used_user_agent = s.opt_text(9);
    return out;
  }

  Pool& pool_;
};

}  // namespace

bool insert_session(Connection& c, const Session& s) {
  // One statement: the row is only inserted while the user exists, so a
  // user deleted concurrently yields false instead of a constraint error.
  return c.prepare("INSERT INTO sessions (" LK_SESSION_COLUMNS
                   ") SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM users "
                   "WHERE project_id = ? AND id = ?)")
             .bind(1, s.project_id)
             .bind(2, s.id)
             .bind(3, s.user_id)
             .bind(4, s.refresh_token_digest)
             .bind(5, s.created_at_millis)
             .bind(6, s.expires_at_millis)
             .bind(7, s.is_impersonation)
             .bind(8, s.last_used_at_millis)
             .bind(9, s.last_used_ip)
             .bind(10, s.last_used_user_agent)
             .bind(11, s.project_id)
             .bind(12, s.user_id)
             .exec() == 1;
}

std::unique_ptr<SessionStore> make_session_store(Pool& pool) {
  return std::make_unique<SqliteSessionStore>(pool);
}

}  // namespace latchkey::store::sqlite
