// Throttle counts shared by every instance on one PostgreSQL database
// (latchkey serve --shared-rate-limits): each limit counted per key in
// fixed windows (store::RateLimitStore), a sliding window approximated by
// weighing the previous window's count by how much of it still overlaps.
// Keys are stored as keyed digests (HMAC-SHA-256 under a key derived from
// the server secret), so the table holds no e-mail address or client
// address; rows expire two windows after they start and are deleted by the
// instances, at most once a minute each.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/rate_limits.hpp"
#include "store/rate_limit_store.hpp"

namespace latchkey::core {

// The wait (ms, 0 when one more event fits now) of a key with `counts` in
// the window starting at `window_start` and the one before, at `now`.
int64_t shared_window_wait(const store::RateLimitCounts& counts, const WindowLimit& limit,
                           int64_t window_start, int64_t now);
// The start of the fixed window of length `window_millis` holding `now`.
int64_t window_start_of(int64_t now, int64_t window_millis);

class SharedCounts {
 public:
  static constexpr int64_t kSweepEveryMillis = 60'000;

  // `server_secret` keys the digests, so every instance must share it (as
  // it must for tokens anyway).
  SharedCounts(store::RateLimitStore& store, std::string_view server_secret);

  // The counter of one limit (RateLimits::CounterFactory).
  std::unique_ptr<LimitCounter> counter(Limit limit);

  store::RateLimitStore& store() { return store_; }
  std::string digest(std::string_view key) const;
  // Deletes expired rows when the last sweep of this instance is a minute
  // old.
  void maybe_sweep(int64_t now);

 private:
  store::RateLimitStore& store_;
  std::string digest_key_;
  std::atomic<int64_t> next_sweep_{0};
};

}  // namespace latchkey::core
