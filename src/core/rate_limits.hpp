// Throttles against password guessing, TOTP guessing and e-mail or sign-up
// floods (README "Security"): sliding-window counts per key, kept in this
// instance's memory. Every limit ends by itself when its window has passed,
// so nobody is locked out for good. With --shared-rate-limits the counts
// live in PostgreSQL instead (core/shared_rate_limits.hpp), so that the
// instances behind a balancer enforce one limit together; a project may
// replace some of the server's limits with its own (project_rate_limits.hpp).
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"

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

// Where one limit's events are counted: this instance's memory
// (SlidingWindow) or the database (SharedWindow). The limit comes with each
// call, because a project may have its own.
class LimitCounter {
 public:
  virtual ~LimitCounter() = default;
  // Milliseconds until one more event would fit (0: it fits now).
  virtual int64_t wait_millis(std::string_view key, const WindowLimit& limit, int64_t now) = 0;
  // Counts one event.
  virtual void record(std::string_view key, const WindowLimit& limit, int64_t now) = 0;
  // Counts one event when it fits and returns 0; otherwise counts nothing
  // and returns the wait.
  virtual int64_t try_record(std::string_view key, const WindowLimit& limit, int64_t now) = 0;
  // Forgets the key's events (a success that ends a run of failures).
  virtual void forget(std::string_view key) = 0;
};

// Events per key in a sliding window. Each key keeps the times of its last
// `max` events, so the count is exact and the wait is known to the
// millisecond. Keys are spread over shards with a lock each: requests for
// different keys rarely wait for one another, and routes that do not
// consult a limit never take a lock.
class SlidingWindow final : public LimitCounter {
 public:
  // `limit` is the one the calls without a limit use.
  explicit SlidingWindow(WindowLimit limit = {}) : limit_(limit) {}

  int64_t wait_millis(std::string_view key, const WindowLimit& limit, int64_t now) override;
  void record(std::string_view key, const WindowLimit& limit, int64_t now) override;
  int64_t try_record(std::string_view key, const WindowLimit& limit, int64_t now) override;
  void forget(std::string_view key) override;

  int64_t wait_millis(std::string_view key, int64_t now) { return wait_millis(key, limit_, now); }
  void record(std::string_view key, int64_t now) { record(key, limit_, now); }
  int64_t try_record(std::string_view key, int64_t now) { return try_record(key, limit_, now); }

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
  static int64_t wait_locked(const std::vector<int64_t>& times, const WindowLimit& limit,
                             int64_t now);
  void record_locked(Shard& s, std::string_view key, const WindowLimit& limit, int64_t now);
  // Drops keys whose events have all left the longest window in use, once
  // the shard has doubled since the last sweep: memory follows the keys of
  // one window.
  void sweep_locked(Shard& s, int64_t now);

  WindowLimit limit_;
  // The longest window any call used (projects may have their own).
  std::atomic<int64_t> longest_window_{0};
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

// The limits by name: the flags' names without "--limit-", with '_' for
// '-' ("sign_in_failures_per_account"), also the names of a project's
// overrides and of the shared counts' rows.
enum class Limit {
  kSignInFailuresPerAccount,
  kSignInFailuresPerAccountIp,
  kTotpFailuresPerUser,
  kEmailsPerAddress,
  kSignUpsPerIp,
  kCodeSendsPerIp,
};
inline constexpr Limit kAllLimits[] = {
    Limit::kSignInFailuresPerAccount,
    Limit::kSignInFailuresPerAccountIp,
    Limit::kTotpFailuresPerUser,
    Limit::kEmailsPerAddress,
    Limit::kSignUpsPerIp,
    Limit::kCodeSendsPerIp,
};
const char* limit_name(Limit limit);
// The serve flag that sets it ("--limit-sign-in-failures-per-account").
std::string limit_flag(Limit limit);
std::optional<Limit> limit_named(std::string_view name);
WindowLimit& limit_in(RateLimitOptions& options, Limit limit);
const WindowLimit& limit_in(const RateLimitOptions& options, Limit limit);
// Whether a project may set this limit for itself: those counted per
// project (per account, per user, per recipient and per client address
// within the project). Code sends per client address stay server-wide:
// they protect the server's mail from one host across all projects.
bool limit_per_project(Limit limit);

// Whose limits apply: the project's id, and its config when its own limits
// (project_rate_limits.hpp) may replace the server's.
struct LimitScope {
  std::string_view project_id;
  const Json* project_config = nullptr;
  LimitScope(std::string_view id) : project_id(id) {}    // NOLINT: implicit on purpose
  LimitScope(const char* id) : project_id(id) {}         // NOLINT
  LimitScope(const std::string& id) : project_id(id) {}  // NOLINT
  LimitScope(std::string_view id, const Json& config) : project_id(id), project_config(&config) {}
};

// The limits the request handlers consult. Each check throws
// errors::too_many_requests (429, with the wait) when a limit is reached.
class RateLimits {
 public:
  // Counts in this instance's memory.
  RateLimits(RateLimitOptions options, const Clock& clock);
  // Counts where `make_counter` says, per limit (the shared counts).
  using CounterFactory = std::function<std::unique_ptr<LimitCounter>(Limit)>;
  RateLimits(RateLimitOptions options, const Clock& clock, const CounterFactory& make_counter);

  // Before checking a password: refuses while the account, or the account
  // from this address, has too many recent failures.
  void check_password(LimitScope project, std::string_view email, std::string_view ip) const;
  void password_failed(LimitScope project, std::string_view email, std::string_view ip);
  // Success forgets this address's failures for the account (not the
  // account's total, which guessing from elsewhere built up).
  void password_succeeded(LimitScope project, std::string_view email, std::string_view ip);

  void check_totp(LimitScope project, std::string_view user_id) const;
  void totp_failed(LimitScope project, std::string_view user_id);
  void totp_succeeded(LimitScope project, std::string_view user_id);

  // Count one e-mail to `address` (normalised by the caller) in the
  // project, one code send (server-wide) or one sign-up in the project from
  // `ip`; throw when the limit is already reached.
  void count_email(LimitScope project, std::string_view address);
  void count_code_send(std::string_view ip);
  void count_sign_up(LimitScope project, std::string_view ip);

  const RateLimitOptions& options() const { return options_; }
  // The limit in force for the project: its own, else the server's.
  WindowLimit effective(Limit limit, const LimitScope& project) const;

 private:
  LimitCounter& counter(Limit limit) const;

  RateLimitOptions options_;
  const Clock& clock_;
  // One per limit, by its index in kAllLimits.
  std::array<std::unique_ptr<LimitCounter>, std::size(kAllLimits)> counters_;
};

}  // namespace latchkey::core
