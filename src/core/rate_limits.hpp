// Throttles against password guessing, TOTP guessing and e-mail or sign-up
// floods (README "Security"): sliding-window counts per key, kept in this
// instance's memory. Every limit ends by itself when its window has passed,
// so nobody is locked out for good.
#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"

namespace latchkey::core {

// At most `max` events within any `window_millis`; max 0 turns it off.
struct WindowLimit {
  int max = 0;
  int64_t window_millis = 0;
  bool enabled() const { return max > 0 && window_millis > 0; }
};

// "COUNT/WINDOW" as the serve flags take it ("10/15min", "2000/10min",
// "5/30s"; the window in jose time-span form), or "0" for off; nullopt when
// malformed. format_window_limit writes it back.
std::optional<WindowLimit> parse_window_limit(std::string_view text);
std::string format_window_limit(const WindowLimit& limit);

// Events per key in a sliding window. Each key keeps the times of its last
// `max` events, so the count is exact and the wait is known to the
// millisecond. Keys are spread over shards with a lock each: requests for
// different keys rarely wait for one another, and routes that do not
// consult a limit never take a lock.
class SlidingWindow {
 public:
  explicit SlidingWindow(WindowLimit limit) : limit_(limit) {}

  // Milliseconds until one more event would fit (0: it fits now).
  int64_t wait_millis(std::string_view key, int64_t now) const;
  // Counts one event.
  void record(std::string_view key, int64_t now);
  // Counts one event when it fits and returns 0; otherwise counts nothing
  // and returns the wait.
  int64_t try_record(std::string_view key, int64_t now);
  // Forgets the key's events (a success that ends a run of failures).
  void forget(std::string_view key);

  const WindowLimit& limit() const { return limit_; }
  // Keys currently held (for tests of the memory bound).
  size_t size() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::vector<int64_t>> events;  // oldest first
    size_t sweep_at = kMinSweep;
  };
  static constexpr size_t kShards = 32;
  static constexpr size_t kMinSweep = 1024;

  Shard& shard(std::string_view key) const;
  int64_t wait_locked(const std::vector<int64_t>& times, int64_t now) const;
  void record_locked(Shard& s, std::string_view key, int64_t now);
  // Drops keys whose events have all left the window, once the shard has
  // doubled since the last sweep: memory follows the keys of one window.
  void sweep_locked(Shard& s, int64_t now);

  WindowLimit limit_;
  mutable std::array<Shard, kShards> shards_;
};

// The server's limits; each is a `latchkey serve` flag (main.cpp).
struct RateLimitOptions {
  static constexpr int64_t kMinute = 60 * 1000;
  // Wrong passwords for one account (project and e-mail), from anywhere,
  // and from one client address. The second is lower, so that one guessing
  // address is stopped long before the account as a whole is.
  WindowLimit sign_in_failures_per_account{100, 15 * kMinute};
  WindowLimit sign_in_failures_per_account_ip{10, 15 * kMinute};
  // Wrong TOTP codes for one user, across MFA attempt codes.
  WindowLimit totp_failures_per_user{10, 15 * kMinute};
  // E-mails asked for one recipient address (codes, links, resets,
  // verifications, invitations), whether or not an account has it.
  WindowLimit emails_per_address{10, 10 * kMinute};
  // Sign-ups and code e-mails asked from one client address.
  WindowLimit sign_ups_per_ip{2000, 10 * kMinute};
  WindowLimit code_sends_per_ip{2000, 10 * kMinute};
};

// The limits the request handlers consult. Each check throws
// errors::rate_limited (429, with the wait) when a limit is reached.
class RateLimits {
 public:
  RateLimits(RateLimitOptions options, const Clock& clock);

  // Before checking a password: refuses while the account, or the account
  // from this address, has too many recent failures.
  void check_password(std::string_view project_id, std::string_view email,
                      std::string_view ip) const;
  void password_failed(std::string_view project_id, std::string_view email, std::string_view ip);
  // Success forgets this address's failures for the account (not the
  // account's total, which guessing from elsewhere built up).
  void password_succeeded(std::string_view project_id, std::string_view email, std::string_view ip);

  void check_totp(std::string_view project_id, std::string_view user_id) const;
  void totp_failed(std::string_view project_id, std::string_view user_id);
  void totp_succeeded(std::string_view project_id, std::string_view user_id);

  // Count one e-mail to `address` (normalised by the caller), one code send
  // or one sign-up from `ip`; throw when the limit is already reached.
  void count_email(std::string_view address);
  void count_code_send(std::string_view ip);
  void count_sign_up(std::string_view ip);

  const RateLimitOptions& options() const { return options_; }

 private:
  RateLimitOptions options_;
  const Clock& clock_;
  SlidingWindow account_failures_, account_ip_failures_, totp_failures_, emails_, code_sends_,
      sign_ups_;
};

}  // namespace latchkey::core
