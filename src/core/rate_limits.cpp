#include "core/rate_limits.hpp"

#include <algorithm>
#include <charconv>
#include <functional>

#include "core/errors.hpp"
#include "core/project_rate_limits.hpp"
#include "core/tokens.hpp"

namespace latchkey::core {

std::optional<WindowLimit> parse_window_limit(std::string_view text) {
  if (text == "0" || text == "off") return WindowLimit{};
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view count = text.substr(0, slash);
  int max = -1;
  auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), max);
  if (ec != std::errc() || ptr != count.data() + count.size() || max < 0) return std::nullopt;
  auto seconds = parse_time_span_seconds(text.substr(slash + 1));
  if (!seconds || *seconds <= 0) return std::nullopt;
  if (max == 0) return WindowLimit{};
  return WindowLimit{max, *seconds * 1000};
}

std::string format_window_limit(const WindowLimit& limit) {
  if (!limit.enabled()) return "0";
  const int64_t s = limit.window_millis / 1000;
  std::string window = s % 3600 == 0 ? std::to_string(s / 3600) + "h"
                       : s % 60 == 0 ? std::to_string(s / 60) + "min"
                                     : std::to_string(s) + "s";
  return std::to_string(limit.max) + "/" + window;
}

SlidingWindow::Shard& SlidingWindow::shard(std::string_view key) const {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

int64_t SlidingWindow::wait_locked(const std::vector<int64_t>& times, const WindowLimit& limit,
                                   int64_t now) {
  const int64_t since = now - limit.window_millis;
  // Oldest first: the events still in the window are a suffix.
  auto first_in = std::upper_bound(times.begin(), times.end(), since);
  if (times.end() - first_in < limit.max) return 0;
  // Full: one more fits when the oldest event that still decides leaves.
  first_in = times.end() - limit.max;
  return std::max<int64_t>(1, *first_in - since);
}

int64_t SlidingWindow::wait_millis(std::string_view key, const WindowLimit& limit, int64_t now) {
  if (!limit.enabled()) return 0;
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto it = s.events.find(std::string(key));
  return it == s.events.end() ? 0 : wait_locked(it->second, limit, now);
}

void SlidingWindow::record_locked(Shard& s, std::string_view key, const WindowLimit& limit,
                                  int64_t now) {
  auto [it, inserted] = s.events.try_emplace(std::string(key));
  auto& times = it->second;
  // Only the last `max` events can ever decide a wait. A clock moved back
  // (tests) must not leave the list out of order.
  while (!times.empty() && static_cast<int>(times.size()) >= limit.max) times.erase(times.begin());
  times.insert(std::upper_bound(times.begin(), times.end(), now), now);
  int64_t longest = longest_window_.load(std::memory_order_relaxed);
  while (limit.window_millis > longest &&
         !longest_window_.compare_exchange_weak(longest, limit.window_millis)) {
  }
  if (inserted && s.events.size() >= s.sweep_at) sweep_locked(s, now);
}

void SlidingWindow::sweep_locked(Shard& s, int64_t now) {
  const int64_t since = now - longest_window_.load(std::memory_order_relaxed);
  std::erase_if(s.events,
                [since](const auto& kv) { return kv.second.empty() || kv.second.back() <= since; });
  s.sweep_at = std::max(kMinSweep, 2 * s.events.size());
}

void SlidingWindow::record(std::string_view key, const WindowLimit& limit, int64_t now) {
  if (!limit.enabled()) return;
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  record_locked(s, key, limit, now);
}

int64_t SlidingWindow::try_record(std::string_view key, const WindowLimit& limit, int64_t now) {
  if (!limit.enabled()) return 0;
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto it = s.events.find(std::string(key));
  if (it != s.events.end()) {
    if (int64_t wait = wait_locked(it->second, limit, now)) return wait;
  }
  record_locked(s, key, limit, now);
  return 0;
}

void SlidingWindow::forget(std::string_view key) {
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  s.events.erase(std::string(key));
}

size_t SlidingWindow::size() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.events.size();
  }
  return n;
}

const char* limit_name(Limit limit) {
  switch (limit) {
    case Limit::kSignInFailuresPerAccount:
      return "sign_in_failures_per_account";
    case Limit::kSignInFailuresPerAccountIp:
      return "sign_in_failures_per_account_ip";
    case Limit::kTotpFailuresPerUser:
      return "totp_failures_per_user";
    case Limit::kEmailsPerAddress:
      return "emails_per_address";
    case Limit::kSignUpsPerIp:
      return "sign_ups_per_ip";
    case Limit::kCodeSendsPerIp:
      return "code_sends_per_ip";
  }
  return "";
}

std::string limit_flag(Limit limit) {
  std::string flag = std::string("--limit-") + limit_name(limit);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::optional<Limit> limit_named(std::string_view name) {
  for (Limit l : kAllLimits)
    if (name == limit_name(l)) return l;
  return std::nullopt;
}

WindowLimit& limit_in(RateLimitOptions& o, Limit limit) {
  switch (limit) {
    case Limit::kSignInFailuresPerAccount:
      return o.sign_in_failures_per_account;
    case Limit::kSignInFailuresPerAccountIp:
      return o.sign_in_failures_per_account_ip;
    case Limit::kTotpFailuresPerUser:
      return o.totp_failures_per_user;
    case Limit::kEmailsPerAddress:
      return o.emails_per_address;
    case Limit::kSignUpsPerIp:
      return o.sign_ups_per_ip;
    case Limit::kCodeSendsPerIp:
      break;
  }
  return o.code_sends_per_ip;
}

const WindowLimit& limit_in(const RateLimitOptions& o, Limit limit) {
  return limit_in(const_cast<RateLimitOptions&>(o), limit);
}

bool limit_per_project(Limit limit) { return limit != Limit::kCodeSendsPerIp; }

namespace {

// '\n' cannot occur in a project id, an e-mail address, a user id or an IP
// address, so joined keys of different parts never collide.
std::string key_of(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (auto p : parts) {
    if (!key.empty()) key.push_back('\n');
    key.append(p);
  }
  return key;
}

void throw_if_waiting(int64_t wait_millis) {
  if (wait_millis > 0) throw errors::too_many_requests(wait_millis);
}

}  // namespace

RateLimits::RateLimits(RateLimitOptions options, const Clock& clock)
    : RateLimits(options, clock, [&options](Limit l) {
        return std::make_unique<SlidingWindow>(limit_in(options, l));
      }) {}

RateLimits::RateLimits(RateLimitOptions options, const Clock& clock,
                       const CounterFactory& make_counter)
    : options_(options), clock_(clock) {
  for (size_t i = 0; i < counters_.size(); ++i) counters_[i] = make_counter(kAllLimits[i]);
}

LimitCounter& RateLimits::counter(Limit limit) const {
  return *counters_[static_cast<size_t>(limit)];
}

WindowLimit RateLimits::effective(Limit limit, const LimitScope& project) const {
  if (project.project_config && limit_per_project(limit))
    if (auto own = project_rate_limit(*project.project_config, limit)) return *own;
  return limit_in(options_, limit);
}

void RateLimits::check_password(LimitScope project, std::string_view email,
                                std::string_view ip) const {
  const int64_t now = clock_.now_millis();
  const auto& id = project.project_id;
  throw_if_waiting(
      std::max(counter(Limit::kSignInFailuresPerAccountIp)
                   .wait_millis(key_of({id, email, ip}),
                                effective(Limit::kSignInFailuresPerAccountIp, project), now),
               counter(Limit::kSignInFailuresPerAccount)
                   .wait_millis(key_of({id, email}),
                                effective(Limit::kSignInFailuresPerAccount, project), now)));
}

void RateLimits::password_failed(LimitScope project, std::string_view email, std::string_view ip) {
  const int64_t now = clock_.now_millis();
  const auto& id = project.project_id;
  counter(Limit::kSignInFailuresPerAccountIp)
      .record(key_of({id, email, ip}), effective(Limit::kSignInFailuresPerAccountIp, project), now);
  counter(Limit::kSignInFailuresPerAccount)
      .record(key_of({id, email}), effective(Limit::kSignInFailuresPerAccount, project), now);
}

void RateLimits::password_succeeded(LimitScope project, std::string_view email,
                                    std::string_view ip) {
  counter(Limit::kSignInFailuresPerAccountIp).forget(key_of({project.project_id, email, ip}));
}

void RateLimits::check_totp(LimitScope project, std::string_view user_id) const {
  throw_if_waiting(counter(Limit::kTotpFailuresPerUser)
                       .wait_millis(key_of({project.project_id, user_id}),
                                    effective(Limit::kTotpFailuresPerUser, project),
                                    clock_.now_millis()));
}

void RateLimits::totp_failed(LimitScope project, std::string_view user_id) {
  counter(Limit::kTotpFailuresPerUser)
      .record(key_of({project.project_id, user_id}),
              effective(Limit::kTotpFailuresPerUser, project), clock_.now_millis());
}

void RateLimits::totp_succeeded(LimitScope project, std::string_view user_id) {
  counter(Limit::kTotpFailuresPerUser).forget(key_of({project.project_id, user_id}));
}

void RateLimits::count_email(LimitScope project, std::string_view address) {
  throw_if_waiting(counter(Limit::kEmailsPerAddress)
                       .try_record(key_of({project.project_id, address}),
                                   effective(Limit::kEmailsPerAddress, project),
                                   clock_.now_millis()));
}

void RateLimits::count_code_send(std::string_view ip) {
  throw_if_waiting(counter(Limit::kCodeSendsPerIp)
                       .try_record(ip, options_.code_sends_per_ip, clock_.now_millis()));
}

void RateLimits::count_sign_up(LimitScope project, std::string_view ip) {
  throw_if_waiting(counter(Limit::kSignUpsPerIp)
                       .try_record(key_of({project.project_id, ip}),
                                   effective(Limit::kSignUpsPerIp, project), clock_.now_millis()));
}

}  // namespace latchkey::core
