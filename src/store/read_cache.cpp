#include "store/read_cache.hpp"

#include <spdlog/spdlog.h>

#include <limits>

#include "core/metrics.hpp"

namespace latchkey::store {

namespace {
constexpr size_t kMaxEntries = 100000;

template <typename T>
std::shared_ptr<const T> share(std::optional<T>&& v) {
  return v ? std::make_shared<const T>(std::move(*v)) : nullptr;
}
// Hit and miss counts of the map holding V (each map holds its own type).
template <typename V>
struct CacheName;
template <>
struct CacheName<std::shared_ptr<const Project>> {
  static constexpr const char* value = "project";
};
template <>
struct CacheName<std::shared_ptr<const User>> {
  static constexpr const char* value = "user";
};
template <>
struct CacheName<std::optional<int64_t>> {
  static constexpr const char* value = "api_key";
};

template <typename V>
metrics::Counter& lookups(const char* result) {
  return metrics::counter(
      "latchkey_cache_lookups_total",
      "Lookups in the read cache of projects, API keys and users, by result (a lookup from an "
      "I/O thread that misses is looked up again on a worker).",
      {{"cache", CacheName<V>::value}, {"result", result}});
}
}  // namespace

template <typename V>
void ReadCache::store_entry(Map<V>& map, const std::string& key, V value, uint64_t generation,
                            std::chrono::steady_clock::time_point loaded) {
  std::lock_guard lock(map.mutex);
  if (map.entries.size() >= kMaxEntries) map.entries.clear();
  map.entries.insert_or_assign(key, Entry<V>{std::move(value), generation, loaded});
}

template <typename V, typename Generation, typename MakeLoad>
std::optional<V> ReadCache::cached(Map<V>& map, const std::string& key, Generation generation_of,
                                   MakeLoad make_load, Load load) {
  if (ttl_.count() == 0) {
    if (load == Load::kNever) return std::nullopt;
    return make_load()();
  }
  auto now = std::chrono::steady_clock::now();
  // Read the generation before loading: a write that lands meanwhile moves
  // it, so the entry is not trusted later.
  uint64_t generation = generation_of();
  {
    std::lock_guard lock(map.mutex);
    auto it = map.entries.find(key);
    if (it != map.entries.end() && it->second.generation == generation &&
        now - it->second.loaded < ttl_) {
      Entry<V>& e = it->second;
      if (scheduler_ && !e.refreshing && now - e.loaded >= ttl_ / 2) {
        e.refreshing = true;
        // The reload reads the generation first, like a miss: a write that
        // lands meanwhile makes what it stores stale.
        scheduler_([this, &map, key, generation_of, reload = make_load()] {
          try {
            uint64_t g = generation_of();
            auto loaded = std::chrono::steady_clock::now();
            store_entry(map, key, reload(), g, loaded);
          } catch (const std::exception& err) {
            // The entry stays until it expires; the next hit after that
            // reloads on the request (and reports the error there).
            spdlog::debug("read cache: background reload failed: {}", err.what());
            std::lock_guard lock(map.mutex);
            if (auto it = map.entries.find(key); it != map.entries.end())
              it->second.refreshing = false;
          }
        });
      }
      static auto& hits = lookups<V>("hit");
      hits.inc();
      return e.value;
    }
  }
  static auto& misses = lookups<V>("miss");
  misses.inc();
  if (load == Load::kNever) return std::nullopt;
  V value = make_load()();
  store_entry(map, key, value, generation, now);
  return value;
}

std::optional<std::shared_ptr<const Project>> ReadCache::project(const std::string& id, Load load) {
  return cached(
      projects_, id, [this] { return general_generation(); },
      [&] { return [this, id] { return share(store_.projects().get_project(id)); }; }, load);
}

std::optional<std::optional<int64_t>> ReadCache::key_expiry(const std::string& project_id,
                                                            KeyKind kind, const std::string& digest,
                                                            Load load) {
  std::string key = project_id + '\n' + std::to_string(static_cast<int>(kind)) + '\n' + digest;
  return cached(
      keys_, key, [this] { return general_generation(); },
      [&] {
        return [this, project_id, kind, digest]() -> std::optional<int64_t> {
          return store_.projects().valid_key_expiry(project_id, kind, digest);
        };
      },
      load);
}

std::optional<std::shared_ptr<const User>> ReadCache::user(const std::string& project_id,
                                                           const std::string& id, Load load) {
  std::string key;
  key.reserve(project_id.size() + 1 + id.size());
  key.append(project_id).append(1, '\n').append(id);
  return cached(
      users_, key, [this] { return user_generation(); },
      [&] {
        return [this, project_id, id] { return share(store_.users().get_user(project_id, id)); };
      },
      load);
}

std::optional<std::optional<int64_t>> ReadCache::session_expiry(const std::string& project_id,
                                                                const std::string& id, Load load) {
  std::string key;
  key.reserve(project_id.size() + 1 + id.size());
  key.append(project_id).append(1, '\n').append(id);
  return cached(
      sessions_, key, [this] { return general_generation(); },
      [&] {
        return [this, project_id, id]() -> std::optional<int64_t> {
          auto session = store_.sessions().get_session(project_id, id);
          if (!session) return std::nullopt;
          return session->expires_at_millis.value_or(std::numeric_limits<int64_t>::max());
        };
      },
      load);
}

std::shared_ptr<const Project> ReadCache::get_project(const std::string& id) {
  return *project(id, Load::kOnMiss);
}

bool ReadCache::is_valid_key(const std::string& project_id, KeyKind kind, const std::string& digest,
                             int64_t now_millis) {
  auto expires = *key_expiry(project_id, kind, digest, Load::kOnMiss);
  return expires && *expires > now_millis;
}

std::shared_ptr<const User> ReadCache::get_user(const std::string& project_id,
                                                const std::string& id) {
  return *user(project_id, id, Load::kOnMiss);
}

bool ReadCache::is_live_session(const std::string& project_id, const std::string& id,
                                int64_t now_millis) {
  auto expires = *session_expiry(project_id, id, Load::kOnMiss);
  return expires && *expires >= now_millis;
}

std::optional<std::shared_ptr<const Project>> ReadCache::peek_project(const std::string& id) {
  return project(id, Load::kNever);
}

std::optional<bool> ReadCache::peek_valid_key(const std::string& project_id, KeyKind kind,
                                              const std::string& digest, int64_t now_millis) {
  auto expires = key_expiry(project_id, kind, digest, Load::kNever);
  if (!expires) return std::nullopt;
  return *expires && **expires > now_millis;
}

std::optional<std::shared_ptr<const User>> ReadCache::peek_user(const std::string& project_id,
                                                                const std::string& id) {
  return user(project_id, id, Load::kNever);
}

std::optional<bool> ReadCache::peek_live_session(const std::string& project_id,
                                                 const std::string& id, int64_t now_millis) {
  auto expires = session_expiry(project_id, id, Load::kNever);
  if (!expires) return std::nullopt;
  return *expires && **expires >= now_millis;
}

}  // namespace latchkey::store
