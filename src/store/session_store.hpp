// Sessions (refresh-token rows, tokens.md §6–§7) and the credential writes
// that must change sessions in the same transaction.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace latchkey::store {

// A session is a refresh-token row; the token itself is stored as a digest.
struct Session {
  std::string id;
  std::string project_id;
  std::string user_id;
  std::string refresh_token_digest;
  int64_t created_at_millis = 0;
  std::optional<int64_t> expires_at_millis;  // nullopt = never
  bool is_impersonation = false;
  std::optional<int64_t> last_used_at_millis;
  std::optional<std::string> last_used_ip;
  std::optional<std::string> last_used_user_agent;
};

// The latest access-token issuance of a session (tokens.md §7).
struct SessionUse {
  std::string project_id;
  std::string session_id;
  int64_t at_millis = 0;
  std::optional<std::string> ip;
  std::optional<std::string> user_agent;
};

// The latest activity of a user (users.md last_active_at_millis).
struct UserActivity {
  std::string project_id;
  std::string user_id;
  int64_t at_millis = 0;
};

// An activity batch as the JSON parameter both engines expand into rows
// (json_each / jsonb_to_recordset), so a flush is two statements whatever
// its size: sessions as [{p, s, t, ip, ua}], users as [{p, u, t}]. Invalid
// UTF-8 (a User-Agent may carry any byte) is replaced, not fatal.
std::string session_uses_json(const std::vector<SessionUse>& sessions);
std::string user_activities_json(const std::vector<UserActivity>& users);

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // False (nothing written) when the user does not exist (deleted meanwhile).
  virtual bool create_session(const Session& s) = 0;
  // By refresh-token digest, in any project (callers check the project).
  virtual std::optional<Session> find_session_by_token_digest(const std::string& digest) = 0;
  virtual std::optional<Session> get_session(const std::string& project_id,
                                             const std::string& id) = 0;
  // Oldest first.
  virtual std::vector<Session> list_sessions(const std::string& project_id,
                                             const std::string& user_id) = 0;
  virtual bool delete_session(const std::string& project_id, const std::string& id) = 0;
  // Deletes every session of the user except `keep_id`; returns the count.
  virtual int delete_user_sessions(const std::string& project_id, const std::string& user_id,
                                   const std::optional<std::string>& keep_id) = 0;
  // Writes a batch of access-token issuances (core::ActivityRecorder) in one
  // transaction: each session's last_used_* unless its row already holds a
  // later use, and each user's last_active_at = max(stored, given). Rows
  // that no longer exist are skipped. Texts are stored as UTF-8 (invalid
  // sequences become U+FFFD).
  virtual void record_activity(const std::vector<SessionUse>& sessions,
                               const std::vector<UserActivity>& users) = 0;

  // Replaces the user's password hash only if it still equals `expected`
  // (nullopt: only if the user has no password), so that a concurrent
  // password change is never overwritten by a stale write. With
  // `revoke_sessions`, every session of the user except `keep_session_id` is
  // deleted in the same transaction. False (nothing written) when the stored
  // hash was not `expected` or the user is gone.
  virtual bool compare_and_set_password(const std::string& project_id, const std::string& user_id,
                                        const std::optional<std::string>& expected,
                                        const std::string& new_hash, bool revoke_sessions,
                                        const std::optional<std::string>& keep_session_id) = 0;
};

}  // namespace latchkey::store
