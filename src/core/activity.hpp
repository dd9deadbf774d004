// Session and user activity (tokens.md §1.2, §7; data-model.md §4): every
// access-token issuance moves the session's last use and the user's last
// activity. Recorded in memory and written in batches, so that issuing a
// token writes nothing to the database (Stack Auth logs these events
// asynchronously too).
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "store/store.hpp"

namespace latchkey::core {

struct ActivityOptions {
  // How often pending activity is written (serve --activity-flush-ms);
  // zero: written inside record(), one transaction per issuance.
  std::chrono::milliseconds flush_interval{250};
  // What may wait in memory for the next write; see record().
  size_t max_pending_sessions = 100000;
  size_t max_pending_bytes = size_t{64} << 20;
};

// Write-behind activity. A background thread writes what is pending every
// flush interval, in one store transaction (Store::sessions().record_activity),
// so the store's write generation (and with it the read cache) moves once
// per flush, not once per refresh. A flush that fails (database down) keeps
// its entries for the next one; stop() writes what is left, so a clean
// shutdown loses nothing. A crash loses at most the activity timestamps of
// the last interval (and of a failure streak) — never anything else, since
// nothing else goes through here.
//
// Reads that render activity combine the stored value with this process's
// newer knowledge (last_active, last_use), so a client sees its own refresh
// at once through the same instance; other instances see it after the flush.
class ActivityRecorder {
 public:
  ActivityRecorder(store::Store& store, ActivityOptions options = {});
  ~ActivityRecorder();  // stop()
  ActivityRecorder(const ActivityRecorder&) = delete;
  ActivityRecorder& operator=(const ActivityRecorder&) = delete;

  // One access-token issuance. Keeps the latest use per session and per user
  // (never moving backwards). Writes nothing unless the flush interval is
  // zero or the recorder was stopped; then it writes at once and throws what
  // the store throws. When max_pending_sessions / max_pending_bytes are
  // reached, the use of a session not already pending is dropped (logged
  // once per streak) and the writer is woken: this happens only when the
  // database cannot keep up or is down, and blocking requests on it then
  // would turn lost timestamps into failed sign-ins and refreshes.
  void record(const std::string& project_id, const std::string& session_id,
              const std::string& user_id, int64_t now_millis, const std::string& ip,
              const std::string& user_agent);

  // This process's newest activity of the user / use of the session that the
  // database may not show yet: pending, being written, or written by the last
  // flush (kept until the next one completes, so a reader that loaded the row
  // just before a flush committed still sees no step back). nullopt when
  // there is none. In memory only: safe on threads that must not block.
  std::optional<int64_t> last_active(const std::string& project_id,
                                     const std::string& user_id) const;
  std::optional<store::SessionUse> last_use(const std::string& project_id,
                                            const std::string& session_id) const;

  // Writes everything pending in one transaction. False when the store
  // failed: the entries are kept (merged with newer ones) for the next flush.
  bool flush();

  // Stops the writer thread and writes what is pending; record() then writes
  // synchronously. Call after the HTTP server has drained. Idempotent.
  void stop();

  // Session uses not yet written (pending or being written), and how many
  // were dropped at the bound since start.
  size_t pending_sessions() const { return unwritten_count_.load(); }
  uint64_t dropped_sessions() const { return dropped_.load(); }

 private:
  struct SessionEntry {
    store::SessionUse use;
    size_t bytes = 0;  // counted against max_pending_bytes
  };
  struct UserEntry {
    store::UserActivity activity;
  };
  // Entries live in `pending` until a flush takes them (`writing`); after a
  // successful write they stay in `written` until the next flush completes.
  template <typename Entry>
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Entry> pending, writing, written;
  };
  // Sharded by key, so that request threads recording different sessions
  // rarely wait for each other.
  static constexpr size_t kShards = 16;

  bool deferred() const { return !synchronous_.load(std::memory_order_acquire); }
  void write_now(const std::string& project_id, const std::string& session_id,
                 const std::string& user_id, int64_t now_millis, const std::string& ip,
                 const std::string& user_agent);
  void request_flush();
  void run();

  store::Store& store_;
  const ActivityOptions options_;
  std::atomic<bool> synchronous_;
  std::array<Shard<SessionEntry>, kShards> sessions_;
  std::array<Shard<UserEntry>, kShards> users_;
  std::atomic<size_t> unwritten_count_{0};
  std::atomic<size_t> unwritten_bytes_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<bool> dropping_{false};  // in a streak of drops (logged once)
  std::atomic<bool> failing_{false};   // in a streak of failed flushes (logged once)

  std::mutex flush_mutex_;  // one flush at a time (writer thread, stop, tests)
  std::mutex mutex_;        // guards stopped_, flush_requested_
  std::condition_variable wake_;
  bool stopped_ = false;
  bool flush_requested_ = false;
  std::thread writer_;
};

}  // namespace latchkey::core
