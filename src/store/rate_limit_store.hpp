// Throttle counts shared by every instance on one database
// (latchkey serve --shared-rate-limits): events per limit and key in fixed
// windows, the key kept as a digest only (never an address at rest).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace latchkey::store {

// One key's counts in the window that starts at `window_start` and in the
// one just before it.
struct RateLimitCounts {
  int64_t previous = 0;
  int64_t current = 0;
};

class RateLimitStore {
 public:
  virtual ~RateLimitStore() = default;

  // The counts of (limit, key) in the windows starting at `window_start`
  // and at `window_start - window_millis`.
  virtual RateLimitCounts read_rate_limit_counts(const std::string& limit,
                                                 const std::string& key_digest,
                                                 int64_t window_start, int64_t window_millis) = 0;
  // Counts one event in the window starting at `window_start`, in one
  // atomic statement, unless that window already holds `cap` events; the
  // window's count afterwards, or nullopt when it was full (nothing
  // counted). The row may be deleted once `expires_at` has passed.
  virtual std::optional<int64_t> add_rate_limit_event(const std::string& limit,
                                                      const std::string& key_digest,
                                                      int64_t window_start, int64_t expires_at,
                                                      int64_t cap) = 0;
  // Forgets every window of (limit, key).
  virtual void forget_rate_limit_key(const std::string& limit, const std::string& key_digest) = 0;
  // Deletes the rows that expired at or before `now_millis`; how many.
  virtual int delete_expired_rate_limit_counts(int64_t now_millis) = 0;
};

}  // namespace latchkey::store
