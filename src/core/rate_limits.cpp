#include "core/rate_limits.hpp"

#include <algorithm>
#include <charconv>
#include <functional>

#include "core/errors.hpp"
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

int64_t SlidingWindow::wait_locked(const std::vector<int64_t>& times, int64_t now) const {
  const int64_t since = now - limit_.window_millis;
  // Oldest first: the events still in the window are a suffix.
  auto first_in = std::upper_bound(times.begin(), times.end(), since);
  if (times.end() - first_in < limit_.max) return 0;
  // Full: one more fits when the oldest event still counted leaves.
  return std::max<int64_t>(1, *first_in - since);
}

int64_t SlidingWindow::wait_millis(std::string_view key, int64_t now) const {
  if (!limit_.enabled()) return 0;
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto it = s.events.find(std::string(key));
  return it == s.events.end() ? 0 : wait_locked(it->second, now);
}

void SlidingWindow::record_locked(Shard& s, std::string_view key, int64_t now) {
  auto [it, inserted] = s.events.try_emplace(std::string(key));
  auto& times = it->second;
  // Only the last `max` events can ever decide a wait. A clock moved back
  // (tests) must not leave the list out of order.
  if (static_cast<int>(times.size()) >= limit_.max) times.erase(times.begin());
  times.insert(std::upper_bound(times.begin(), times.end(), now), now);
  if (inserted && s.events.size() >= s.sweep_at) sweep_locked(s, now);
}

void SlidingWindow::sweep_locked(Shard& s, int64_t now) {
  const int64_t since = now - limit_.window_millis;
  std::erase_if(s.events,
                [since](const auto& kv) { return kv.second.empty() || kv.second.back() <= since; });
  s.sweep_at = std::max(kMinSweep, 2 * s.events.size());
}

void SlidingWindow::record(std::string_view key, int64_t now) {
  if (!limit_.enabled()) return;
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  record_locked(s, key, now);
}

int64_t SlidingWindow::try_record(std::string_view key, int64_t now) {
  if (!limit_.enabled()) return 0;
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto it = s.events.find(std::string(key));
  if (it != s.events.end()) {
    if (int64_t wait = wait_locked(it->second, now)) return wait;
  }
  record_locked(s, key, now);
  return 0;
}

void SlidingWindow::forget(std::string_view key) {
  if (!limit_.enabled()) return;
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
    : options_(options),
      clock_(clock),
      account_failures_(options.sign_in_failures_per_account),
      account_ip_failures_(options.sign_in_failures_per_account_ip),
      totp_failures_(options.totp_failures_per_user),
      emails_(options.emails_per_address),
      code_sends_(options.code_sends_per_ip),
      sign_ups_(options.sign_ups_per_ip) {}

void RateLimits::check_password(std::string_view project_id, std::string_view email,
                                std::string_view ip) const {
  const int64_t now = clock_.now_millis();
  throw_if_waiting(std::max(account_ip_failures_.wait_millis(key_of({project_id, email, ip}), now),
                            account_failures_.wait_millis(key_of({project_id, email}), now)));
}

void RateLimits::password_failed(std::string_view project_id, std::string_view email,
                                 std::string_view ip) {
  const int64_t now = clock_.now_millis();
  account_ip_failures_.record(key_of({project_id, email, ip}), now);
  account_failures_.record(key_of({project_id, email}), now);
}

void RateLimits::password_succeeded(std::string_view project_id, std::string_view email,
                                    std::string_view ip) {
  account_ip_failures_.forget(key_of({project_id, email, ip}));
}

void RateLimits::check_totp(std::string_view project_id, std::string_view user_id) const {
  throw_if_waiting(totp_failures_.wait_millis(key_of({project_id, user_id}), clock_.now_millis()));
}

void RateLimits::totp_failed(std::string_view project_id, std::string_view user_id) {
  totp_failures_.record(key_of({project_id, user_id}), clock_.now_millis());
}

void RateLimits::totp_succeeded(std::string_view project_id, std::string_view user_id) {
  totp_failures_.forget(key_of({project_id, user_id}));
}

void RateLimits::count_email(std::string_view address) {
  throw_if_waiting(emails_.try_record(address, clock_.now_millis()));
}

void RateLimits::count_code_send(std::string_view ip) {
  throw_if_waiting(code_sends_.try_record(ip, clock_.now_millis()));
}

void RateLimits::count_sign_up(std::string_view ip) {
  throw_if_waiting(sign_ups_.try_record(ip, clock_.now_millis()));
}

}  // namespace latchkey::core
