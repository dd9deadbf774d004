// A small cache of the reads every authenticated request makes (project,
// key validity, the signed-in user), so that those requests can be served
// without touching the database. An entry is used only while no write went
// through this store since it was read (write generation) and it is younger
// than the TTL, which bounds staleness from writes by other instances that
// share the database. Entries are shared, immutable values: a hit costs a
// reference count, not a copy of the project's config or the user's metadata.
#pragma once
#include <chrono>
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

  // nullptr when there is no such project / user.
  std::shared_ptr<const Project> get_project(const std::string& id);
  bool is_valid_key(const std::string& project_id, KeyKind kind, const std::string& digest,
                    int64_t now_millis);
  std::shared_ptr<const User> get_user(const std::string& project_id, const std::string& id);

 private:
  template <typename V>
  struct Entry {
    V value;
    uint64_t generation;
    std::chrono::steady_clock::time_point loaded;
  };
  template <typename V>
  struct Map {
    std::mutex mutex;
    std::unordered_map<std::string, Entry<V>> entries;
  };
  template <typename V, typename Load>
  V cached(Map<V>& map, const std::string& key, Load load);

  Store& store_;
  std::chrono::milliseconds ttl_;
  Map<std::shared_ptr<const Project>> projects_;
  Map<std::shared_ptr<const User>> users_;
  // Key validity depends on time (expiry): cache the set's expiry instead
  // of the answer.
  Map<std::optional<int64_t>> keys_;
};

}  // namespace latchkey::store
