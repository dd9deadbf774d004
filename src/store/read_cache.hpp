// A small cache of the reads every authenticated request makes (project,
// key validity, the signed-in user), so that those requests can be served
// without touching the database. An entry is used only while no write went
// through this store since it was read (write generation) and it is younger
// than the TTL, which bounds staleness from writes by other instances that
// share the database. Entries are shared, immutable values: a hit costs a
// reference count, not a copy of the project's config or the user's metadata.
//
// Refresh-ahead: a hit on an entry past half its TTL schedules one reload in
// the background (set_scheduler), so entries that are in use are renewed
// before they expire and requests do not wait on the database for them.
// Without a scheduler an entry is reloaded by the first request after it
// expired. Staleness stays bounded by the TTL either way.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/store.hpp"

namespace latchkey::store {

class ReadCache {
 public:
  // ttl 0 disables caching.
  ReadCache(Store& store, std::chrono::milliseconds ttl) : store_(store), ttl_(ttl) {}

  // Runs a reload off the calling thread (the server's workers, which may
  // touch the database). Set once, before requests arrive.
  using Scheduler = std::function<void(std::function<void()>)>;
  void set_scheduler(Scheduler scheduler) { scheduler_ = std::move(scheduler); }

  // nullptr when there is no such project / user. A miss loads from the
  // store (which may block).
  std::shared_ptr<const Project> get_project(const std::string& id);
  bool is_valid_key(const std::string& project_id, KeyKind kind, const std::string& digest,
                    int64_t now_millis);
  std::shared_ptr<const User> get_user(const std::string& project_id, const std::string& id);
  // Whether session `id` of the project still exists and has not expired
  // (signed out, revoked or deleted with its user: false).
  bool is_live_session(const std::string& project_id, const std::string& id, int64_t now_millis);

  // The same answers from memory only, for a thread that must not block:
  // nullopt when the cache cannot answer (a miss, a stale entry, caching
  // off), and then nothing is loaded. A hit costs what get_* costs on a hit,
  // renewal in the background included.
  std::optional<std::shared_ptr<const Project>> peek_project(const std::string& id);
  std::optional<bool> peek_valid_key(const std::string& project_id, KeyKind kind,
                                     const std::string& digest, int64_t now_millis);
  std::optional<std::shared_ptr<const User>> peek_user(const std::string& project_id,
                                                       const std::string& id);
  std::optional<bool> peek_live_session(const std::string& project_id, const std::string& id,
                                        int64_t now_millis);

 private:
  template <typename V>
  struct Entry {
    V value;
    uint64_t generation;
    std::chrono::steady_clock::time_point loaded;
    bool refreshing = false;  // a background reload is scheduled
  };
  template <typename V>
  struct Map {
    std::mutex mutex;
    std::unordered_map<std::string, Entry<V>> entries;
  };
  // What a miss does: load from the store (get_*), or nothing (peek_*).
  enum class Load { kOnMiss, kNever };
  // The entry of `key` in `map`, or with kOnMiss the value loaded for it;
  // nullopt only with kNever. `make_load()` returns a self-contained loader
  // (it owns copies of its arguments), run here on a miss or on a worker for
  // a renewal; a hit calls neither, so it copies nothing. `generation()` is
  // the store's count of the writes that can change what the map holds.
  template <typename V, typename Generation, typename MakeLoad>
  std::optional<V> cached(Map<V>& map, const std::string& key, Generation generation,
                          MakeLoad make_load, Load load);
  std::optional<std::shared_ptr<const Project>> project(const std::string& id, Load load);
  std::optional<std::optional<int64_t>> key_expiry(const std::string& project_id, KeyKind kind,
                                                   const std::string& digest, Load load);
  std::optional<std::shared_ptr<const User>> user(const std::string& project_id,
                                                  const std::string& id, Load load);
  std::optional<std::optional<int64_t>> session_expiry(const std::string& project_id,
                                                       const std::string& id, Load load);
  uint64_t general_generation() const { return store_.write_generation(); }
  // Users show their last activity: activity batches make them stale too.
  uint64_t user_generation() const {
    return store_.write_generation() + store_.activity_generation();
  }
  template <typename V>
  void store_entry(Map<V>& map, const std::string& key, V value, uint64_t generation,
                   std::chrono::steady_clock::time_point loaded);

  Store& store_;
  std::chrono::milliseconds ttl_;
  Scheduler scheduler_;
  Map<std::shared_ptr<const Project>> projects_;
  Map<std::shared_ptr<const User>> users_;
  // Key validity depends on time (expiry): cache the set's expiry instead
  // of the answer.
  Map<std::optional<int64_t>> keys_;
  // Likewise a session's expiry (INT64_MAX: none; nullopt: no such session).
  Map<std::optional<int64_t>> sessions_;
};

}  // namespace latchkey::store
