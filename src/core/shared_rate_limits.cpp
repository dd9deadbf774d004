#include "core/shared_rate_limits.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/crypto.hpp"

namespace latchkey::core {

int64_t window_start_of(int64_t now, int64_t window_millis) {
  int64_t rem = now % window_millis;
  if (rem < 0) rem += window_millis;
  return now - rem;
}

namespace {

// The previous window's count times the share of it the sliding window
// still overlaps at `elapsed` into this one, rounded up: the events are
// assumed spread evenly, and rounding up never lets one more through.
int64_t weighted(int64_t previous, int64_t window, int64_t elapsed) {
  return (previous * (window - elapsed) + window - 1) / window;
}

}  // namespace

int64_t shared_window_wait(const store::RateLimitCounts& c, const WindowLimit& limit,
                           int64_t window_start, int64_t now) {
  const int64_t w = limit.window_millis, max = limit.max;
  const int64_t elapsed = now - window_start;
  if (c.current + weighted(c.previous, w, elapsed) < max) return 0;
  // One more fits at the first e (ms into a window) where
  // prev × (w - e) / w <= max - cur - 1, i.e. e >= w - (max - cur - 1) × w / prev.
  if (c.current >= max) {
    // Not in this window; in the next, this window's count is the previous.
    const int64_t e = w - (max - 1) * w / c.current;
    return window_start + w + e - now;
  }
  const int64_t e = w - (max - c.current - 1) * w / c.previous;
  return std::max<int64_t>(1, window_start + e - now);
}

namespace {

class SharedWindow final : public LimitCounter {
 public:
  SharedWindow(SharedCounts& counts, Limit limit) : counts_(counts), name_(limit_name(limit)) {}

  int64_t wait_millis(std::string_view key, const WindowLimit& limit, int64_t now) override {
    if (!limit.enabled()) return 0;
    const int64_t start = window_start_of(now, limit.window_millis);
    auto c = counts_.store().read_rate_limit_counts(name_, counts_.digest(key), start,
                                                    limit.window_millis);
    return shared_window_wait(c, limit, start, now);
  }

  void record(std::string_view key, const WindowLimit& limit, int64_t now) override {
    if (!limit.enabled()) return;
    const int64_t start = window_start_of(now, limit.window_millis);
    // Capped at the limit: more failures than that decide nothing more.
    counts_.store().add_rate_limit_event(name_, counts_.digest(key), start,
                                         start + 2 * limit.window_millis, limit.max);
    counts_.maybe_sweep(now);
  }

  int64_t try_record(std::string_view key, const WindowLimit& limit, int64_t now) override {
    if (!limit.enabled()) return 0;
    const int64_t w = limit.window_millis;
    const int64_t start = window_start_of(now, w);
    const std::string digest = counts_.digest(key);
    auto c = counts_.store().read_rate_limit_counts(name_, digest, start, w);
    if (int64_t wait = shared_window_wait(c, limit, start, now)) return wait;
    // The previous window is closed: only this one's count can race, and
    // the upsert's cap decides that race in the database.
    const int64_t cap = limit.max - weighted(c.previous, w, now - start);
    counts_.maybe_sweep(now);
    if (counts_.store().add_rate_limit_event(name_, digest, start, start + 2 * w, cap)) return 0;
    c.current = std::max(c.current, cap);
    return std::max<int64_t>(1, shared_window_wait(c, limit, start, now));
  }

  void forget(std::string_view key) override {
    counts_.store().forget_rate_limit_key(name_, counts_.digest(key));
  }

 private:
  SharedCounts& counts_;
  std::string name_;
};

}  // namespace

SharedCounts::SharedCounts(store::RateLimitStore& store, std::string_view server_secret)
    : store_(store), digest_key_(hmac_sha256(server_secret, "latchkey rate-limit keys")) {}

std::unique_ptr<LimitCounter> SharedCounts::counter(Limit limit) {
  return std::make_unique<SharedWindow>(*this, limit);
}

std::string SharedCounts::digest(std::string_view key) const {
  return base64url_encode(hmac_sha256(digest_key_, key));
}

void SharedCounts::maybe_sweep(int64_t now) {
  int64_t due = next_sweep_.load(std::memory_order_relaxed);
  if (now < due || !next_sweep_.compare_exchange_strong(due, now + kSweepEveryMillis)) return;
  try {
    int n = store_.delete_expired_rate_limit_counts(now);
    if (n > 0) spdlog::debug("deleted {} expired rate-limit counts", n);
  } catch (const std::exception& e) {
    // A missed sweep only delays the deletion to the next one.
    spdlog::warn("could not delete expired rate-limit counts: {}", e.what());
  }
}

}  // namespace latchkey::core
