#include "core/activity.hpp"

#include <spdlog/spdlog.h>

#include <functional>
#include <vector>

namespace latchkey::core {
namespace {

// Project ids are UUIDs or "internal" and never contain a newline.
std::string key_of(const std::string& project_id, const std::string& id) {
  std::string key;
  key.reserve(project_id.size() + 1 + id.size());
  key.append(project_id).append(1, '\n').append(id);
  return key;
}

size_t shard_of(const std::string& key, size_t shards) {
  return std::hash<std::string>{}(key) % shards;
}

std::optional<std::string> non_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

// What an entry costs in memory, roughly: its strings (the key is stored
// once more as the map's key) plus the nodes' overhead.
size_t entry_bytes(const std::string& key, const store::SessionUse& u) {
  return 2 * key.size() + (u.ip ? u.ip->size() : 0) + (u.user_agent ? u.user_agent->size() : 0) +
         128;
}

// The later of two uses; at the same millisecond the one recorded last.
bool replaces(const store::SessionUse& newer, const store::SessionUse& older) {
  return newer.at_millis >= older.at_millis;
}

}  // namespace

ActivityRecorder::ActivityRecorder(store::Store& store, ActivityOptions options)
    : store_(store),
      options_(options),
      synchronous_(options.flush_interval <= std::chrono::milliseconds::zero()) {
  if (deferred()) writer_ = std::thread([this] { run(); });
}

ActivityRecorder::~ActivityRecorder() { stop(); }

void ActivityRecorder::write_now(const std::string& project_id, const std::string& session_id,
                                 const std::string& user_id, int64_t now_millis,
                                 const std::string& ip, const std::string& user_agent) {
  store_.sessions().record_activity(
      {store::SessionUse{project_id, session_id, now_millis, non_empty(ip), non_empty(user_agent)}},
      {store::UserActivity{project_id, user_id, now_millis}});
}

void ActivityRecorder::record(const std::string& project_id, const std::string& session_id,
                              const std::string& user_id, int64_t now_millis, const std::string& ip,
                              const std::string& user_agent) {
  if (!deferred()) {
    write_now(project_id, session_id, user_id, now_millis, ip, user_agent);
    return;
  }
  bool accepted = true;
  {
    std::string key = key_of(project_id, session_id);
    auto& shard = sessions_[shard_of(key, kShards)];
    std::lock_guard lock(shard.mutex);
    auto it = shard.pending.find(key);
    store::SessionUse use{project_id, session_id, now_millis, non_empty(ip), non_empty(user_agent)};
    if (it != shard.pending.end()) {
      if (replaces(use, it->second.use)) {
        size_t bytes = entry_bytes(key, use);
        unwritten_bytes_ += bytes;
        unwritten_bytes_ -= it->second.bytes;
        it->second = SessionEntry{std::move(use), bytes};
      }
    } else {
      size_t bytes = entry_bytes(key, use);
      // A session whose previous use is being written right now is already
      // counted: its next use is kept (the bound can be passed by at most
      // the batch in flight), as it would be while pending or after the
      // write.
      const bool being_written = shard.writing.count(key) > 0;
      if (!being_written && (unwritten_count_.load() >= options_.max_pending_sessions ||
                             unwritten_bytes_.load() + bytes > options_.max_pending_bytes)) {
        accepted = false;
      } else {
        ++unwritten_count_;
        unwritten_bytes_ += bytes;
        shard.pending.emplace(std::move(key), SessionEntry{std::move(use), bytes});
      }
    }
  }
  if (!accepted) {
    ++dropped_;
    if (!dropping_.exchange(true))
      spdlog::warn(
          "activity: {} session uses are waiting to be written (bound {} entries, {} bytes); "
          "the activity of further sessions is dropped until the database catches up",
          unwritten_count_.load(), options_.max_pending_sessions, options_.max_pending_bytes);
    request_flush();
  }

  std::string key = key_of(project_id, user_id);
  auto& shard = users_[shard_of(key, kShards)];
  std::lock_guard lock(shard.mutex);
  auto it = shard.pending.find(key);
  if (it != shard.pending.end()) {
    if (now_millis > it->second.activity.at_millis) it->second.activity.at_millis = now_millis;
  } else if (accepted) {
    // Bounded with the sessions: a user entry is only added along with an
    // accepted session use.
    shard.pending.emplace(std::move(key),
                          UserEntry{store::UserActivity{project_id, user_id, now_millis}});
  }
}

std::optional<int64_t> ActivityRecorder::last_active(const std::string& project_id,
                                                     const std::string& user_id) const {
  std::string key = key_of(project_id, user_id);
  const auto& shard = users_[shard_of(key, kShards)];
  std::lock_guard lock(shard.mutex);
  std::optional<int64_t> out;
  for (const auto* map : {&shard.pending, &shard.writing, &shard.written}) {
    auto it = map->find(key);
    if (it != map->end() && (!out || it->second.activity.at_millis > *out))
      out = it->second.activity.at_millis;
  }
  return out;
}

std::optional<store::SessionUse> ActivityRecorder::last_use(const std::string& project_id,
                                                            const std::string& session_id) const {
  std::string key = key_of(project_id, session_id);
  const auto& shard = sessions_[shard_of(key, kShards)];
  std::lock_guard lock(shard.mutex);
  const store::SessionUse* best = nullptr;
  // Oldest generation first: at the same millisecond the newest record wins.
  for (const auto* map : {&shard.written, &shard.writing, &shard.pending}) {
    auto it = map->find(key);
    if (it != map->end() && (!best || replaces(it->second.use, *best))) best = &it->second.use;
  }
  if (!best) return std::nullopt;
  return *best;
}

bool ActivityRecorder::flush() {
  std::lock_guard flush_lock(flush_mutex_);
  std::vector<store::SessionUse> sessions;
  std::vector<store::UserActivity> users;
  size_t taken_bytes = 0;
  for (auto& shard : sessions_) {
    std::lock_guard lock(shard.mutex);
    shard.writing = std::move(shard.pending);
    shard.pending.clear();
    for (const auto& [_, e] : shard.writing) {
      sessions.push_back(e.use);
      taken_bytes += e.bytes;
    }
  }
  for (auto& shard : users_) {
    std::lock_guard lock(shard.mutex);
    shard.writing = std::move(shard.pending);
    shard.pending.clear();
    for (const auto& [_, e] : shard.writing) users.push_back(e.activity);
  }

  try {
    if (!sessions.empty() || !users.empty()) store_.sessions().record_activity(sessions, users);
  } catch (const std::exception& e) {
    // Back into pending, merged with what was recorded meanwhile, for the
    // next flush. Entries already counted stay counted: only duplicates go.
    for (auto& shard : sessions_) {
      std::lock_guard lock(shard.mutex);
      for (auto& [key, entry] : shard.writing) {
        auto [it, inserted] = shard.pending.try_emplace(key, std::move(entry));
        if (inserted) continue;
        // Two entries for one session: one goes (the older).
        --unwritten_count_;
        if (replaces(it->second.use, entry.use)) {
          unwritten_bytes_ -= entry.bytes;
        } else {
          unwritten_bytes_ -= it->second.bytes;
          it->second = std::move(entry);
        }
      }
      shard.writing.clear();
    }
    for (auto& shard : users_) {
      std::lock_guard lock(shard.mutex);
      for (auto& [key, entry] : shard.writing) {
        auto [it, inserted] = shard.pending.try_emplace(key, entry);
        if (!inserted && entry.activity.at_millis > it->second.activity.at_millis)
          it->second = entry;
      }
      shard.writing.clear();
    }
    if (!failing_.exchange(true))
      spdlog::error(
          "activity: writing {} session uses failed ({}); keeping them and retrying every {} ms",
          sessions.size(), e.what(), options_.flush_interval.count());
    return false;
  }

  // Written: readers now find it in the database, except those that loaded
  // the row just before the commit, for whom `written` stays one more round.
  for (auto& shard : sessions_) {
    std::lock_guard lock(shard.mutex);
    shard.written = std::move(shard.writing);
    shard.writing.clear();
  }
  for (auto& shard : users_) {
    std::lock_guard lock(shard.mutex);
    shard.written = std::move(shard.writing);
    shard.writing.clear();
  }
  unwritten_count_ -= sessions.size();
  unwritten_bytes_ -= taken_bytes;
  if (failing_.exchange(false)) spdlog::info("activity: written again after failures");
  if (dropping_.load() && unwritten_count_.load() < options_.max_pending_sessions / 2 &&
      unwritten_bytes_.load() < options_.max_pending_bytes / 2 && dropping_.exchange(false))
    spdlog::info("activity: caught up; {} session uses were dropped since start", dropped_.load());
  if (!sessions.empty())
    spdlog::debug("activity: wrote {} session uses and {} user activities", sessions.size(),
                  users.size());
  return true;
}

void ActivityRecorder::request_flush() {
  // A failing database is retried at the normal pace, not once per request.
  if (failing_.load()) return;
  {
    std::lock_guard lock(mutex_);
    flush_requested_ = true;
  }
  wake_.notify_one();
}

void ActivityRecorder::run() {
  std::unique_lock lock(mutex_);
  while (!stopped_) {
    wake_.wait_for(lock, options_.flush_interval, [this] { return stopped_ || flush_requested_; });
    if (stopped_) break;
    flush_requested_ = false;
    lock.unlock();
    flush();
    lock.lock();
  }
}

void ActivityRecorder::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  // Anything recorded from now on is written at once.
  synchronous_.store(true, std::memory_order_release);
  if (!flush())
    spdlog::error("activity: {} session uses could not be written at shutdown", pending_sessions());
}

}  // namespace latchkey::core
