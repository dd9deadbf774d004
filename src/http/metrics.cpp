#include "http/metrics.hpp"

#include <cstdint>
#include <string_view>

namespace latchkey::http {

namespace {

constexpr size_t kMethods = static_cast<size_t>(Method::kOther) + 1;
// Labels of the answers that have no route (the path is never a label: its
// values are unbounded).
constexpr std::string_view kUnrouted[] = {"/health", "/health/ready", "(unmatched)"};
constexpr size_t kStatusSlots = 16;

// The routes that sign a user in or up, and the method each stands for. A
// sign-in by one-time code or OAuth that creates the account counts as a
// sign-in: the route does not say which it was.
struct AuthRoute {
  Method method;
  std::string_view pattern;
  const char* event;  // "sign_in" or "sign_up"
  const char* how;
};
constexpr AuthRoute kAuthRoutes[] = {
    {Method::kPost, "/auth/password/sign-in", "sign_in", "password"},
    {Method::kPost, "/auth/password/sign-up", "sign_up", "password"},
    {Method::kPost, "/auth/otp/sign-in", "sign_in", "otp"},
    {Method::kPost, "/auth/passkey/sign-in", "sign_in", "passkey"},
    {Method::kPost, "/auth/mfa/sign-in", "sign_in", "mfa"},
    // The provider's redirect back; an error the callback sends on to the
    // application's error URL is a redirect too, so this counts attempts
    // that reached the callback, success meaning no error status.
    {Method::kGet, "/auth/oauth/callback/{provider_id}", "sign_in", "oauth"},
    {Method::kPost, "/auth/oauth/callback/{provider_id}", "sign_in", "oauth"},
    {Method::kPost, "/auth/anonymous/sign-up", "sign_up", "anonymous"},
};

constexpr const char* kOutcomes[] = {"success", "failure", "throttled", "error"};
size_t outcome_of(int status) {
  if (status < 400) return 0;
  if (status == 429) return 2;
  if (status < 500) return 1;
  return 3;
}

}  // namespace

struct HttpMetrics::AuthCounts {
  const char* event = nullptr;
  const char* how = nullptr;
  std::array<metrics::Counter, 4> outcomes;
};

namespace {
// Entries of the route table; a server has about 200 routes. Past this many
// distinct routes a request counts in the "(other)" slot.
constexpr size_t kRouteSlots = 1024;
constexpr size_t kUnroutedSlots = std::size(kUnrouted) * kMethods;
}  // namespace

// One route (or one kind of unrouted answer and method): counts by status in
// a small lock-free table (a status takes the first free entry; the 17th
// distinct status of a route is counted as "other"), and the latency.
struct HttpMetrics::Slot {
  // The route this slot counts, claimed by the first request of it; `ready`
  // once `auth` is set.
  std::atomic<const Route*> route{nullptr};
  std::atomic<bool> ready{false};
  std::atomic<bool> used{false};
  std::string label;   // unrouted slots: their route label
  std::string method;  // unrouted slots: their method
  AuthCounts* auth = nullptr;
  std::array<std::atomic<uint32_t>, kStatusSlots> statuses{};
  std::array<std::atomic<uint64_t>, kStatusSlots> counts{};
  std::atomic<uint64_t> other{0};
  metrics::Histogram duration;

  void count(int status) {
    const uint32_t s = static_cast<uint32_t>(status);
    for (size_t i = 0; i < kStatusSlots; ++i) {
      uint32_t seen = statuses[i].load(std::memory_order_acquire);
      if (seen == 0) {
        uint32_t expected = 0;
        if (statuses[i].compare_exchange_strong(expected, s, std::memory_order_acq_rel))
          seen = s;
        else
          seen = expected;
      }
      if (seen == s) {
        counts[i].fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    other.fetch_add(1, std::memory_order_relaxed);
  }
};

HttpMetrics::HttpMetrics()
    : slots_(new Slot[kRouteSlots + 1 + kUnroutedSlots]),
      auth_(new AuthCounts[std::size(kAuthRoutes)]) {
  // Routes of one method and event share their counts (the OAuth callback's
  // GET and POST): the first table entry of each pair holds them.
  for (size_t i = 0; i < std::size(kAuthRoutes); ++i) {
    size_t first = 0;
    while (std::string_view(kAuthRoutes[first].event) != kAuthRoutes[i].event ||
           std::string_view(kAuthRoutes[first].how) != kAuthRoutes[i].how)
      ++first;
    auth_[first].event = kAuthRoutes[first].event;
    auth_[first].how = kAuthRoutes[first].how;
  }
  slots_[kRouteSlots].label = "(other)";
  slots_[kRouteSlots].method = "(any)";
  slots_[kRouteSlots].ready = true;
  for (size_t k = 0; k < std::size(kUnrouted); ++k) {
    for (size_t m = 0; m < kMethods; ++m) {
      Slot& s = slots_[kRouteSlots + 1 + k * kMethods + m];
      s.label = std::string(kUnrouted[k]);
      s.method = std::string(method_name(static_cast<Method>(m)));
      s.ready = true;
    }
  }
  subscription_ = metrics::Registry::global().add_collector([this](metrics::Samples& out) {
    for (size_t i = 0; i < kRouteSlots + 1 + kUnroutedSlots; ++i) {
      const Slot& s = slots_[i];
      if (!s.used.load(std::memory_order_acquire)) continue;
      const Route* r = s.route.load(std::memory_order_acquire);
      const std::string route = r ? r->pattern : s.label;
      const std::string method = r ? std::string(method_name(r->method)) : s.method;
      for (size_t j = 0; j < kStatusSlots; ++j) {
        uint32_t status = s.statuses[j].load(std::memory_order_acquire);
        if (status == 0) break;
        out.counter("latchkey_http_requests_total",
                    "HTTP requests answered, by route template, method and status.",
                    {{"route", route}, {"method", method}, {"status", std::to_string(status)}},
                    static_cast<double>(s.counts[j].load(std::memory_order_relaxed)));
      }
      if (uint64_t other = s.other.load(std::memory_order_relaxed))
        out.counter("latchkey_http_requests_total",
                    "HTTP requests answered, by route template, method and status.",
                    {{"route", route}, {"method", method}, {"status", "other"}},
                    static_cast<double>(other));
      out.histogram("latchkey_http_request_duration_seconds",
                    "Time from a parsed request to its written response, by route template.",
                    {{"route", route}, {"method", method}}, s.duration);
    }
    for (size_t i = 0; i < std::size(kAuthRoutes); ++i) {
      const AuthCounts& a = auth_[i];
      if (!a.event) continue;
      const bool sign_in = std::string_view(a.event) == "sign_in";
      for (size_t o = 0; o < std::size(kOutcomes); ++o)
        out.counter(sign_in ? "latchkey_sign_ins_total" : "latchkey_sign_ups_total",
                    sign_in ? "Sign-in requests by method and outcome (success, failure: a "
                              "4xx answer, throttled: 429, error: 5xx)."
                            : "Sign-up requests by method and outcome (success, failure: a "
                              "4xx answer, throttled: 429, error: 5xx).",
                    {{"method", a.how}, {"outcome", kOutcomes[o]}},
                    static_cast<double>(a.outcomes[o].value()));
    }
    out.gauge("latchkey_http_requests_in_flight",
              "Requests parsed and not yet answered (running or waiting for a worker).", {},
              static_cast<double>(in_flight.value()));
    out.gauge("latchkey_http_open_connections", "Client connections open on the API listener.", {},
              static_cast<double>(open_connections.value()));
    const char* pools[] = {"quick", "long"};
    for (size_t p = 0; p < 2; ++p) {
      out.gauge("latchkey_worker_queue_depth",
                "Requests waiting for a worker, by pool (quick: database work; long: password "
                "hashing, e-mail, OAuth providers).",
                {{"pool", pools[p]}}, static_cast<double>(queued[p].value()));
      out.gauge("latchkey_worker_active", "Requests running on a worker, by pool.",
                {{"pool", pools[p]}}, static_cast<double>(running[p].value()));
    }
  });
}

HttpMetrics::~HttpMetrics() = default;

HttpMetrics::Slot& HttpMetrics::slot_for(const Request& req, const Router::Match& match) {
  if (const Route* route = match.route) {
    // Open addressing on the route's address: the first request of a route
    // claims a free entry; every later one finds it in a probe or two.
    size_t i = (reinterpret_cast<uintptr_t>(route) >> 4) * 0x9E3779B97F4A7C15ull % kRouteSlots;
    for (size_t n = 0; n < kRouteSlots; ++n, i = (i + 1) % kRouteSlots) {
      Slot& s = slots_[i];
      const Route* seen = s.route.load(std::memory_order_acquire);
      if (seen == nullptr) {
        const Route* expected = nullptr;
        if (s.route.compare_exchange_strong(expected, route, std::memory_order_acq_rel)) {
          for (size_t a = 0; a < std::size(kAuthRoutes); ++a)
            if (kAuthRoutes[a].method == route->method && kAuthRoutes[a].pattern == route->pattern)
              for (size_t f = 0; f < std::size(kAuthRoutes); ++f)
                if (auth_[f].event && std::string_view(auth_[f].event) == kAuthRoutes[a].event &&
                    std::string_view(auth_[f].how) == kAuthRoutes[a].how)
                  s.auth = &auth_[f];
          s.ready.store(true, std::memory_order_release);
          return s;
        }
        seen = expected;
      }
      if (seen == route) {
        // Its claimer is setting it up (a few comparisons away).
        while (!s.ready.load(std::memory_order_acquire)) {
        }
        return s;
      }
    }
    return slots_[kRouteSlots];
  }
  std::string_view path = req.path();
  size_t kind = path == "/health" ? 0 : path == "/health/ready" ? 1 : 2;
  return slots_[kRouteSlots + 1 + kind * kMethods + static_cast<size_t>(req.method)];
}

void HttpMetrics::record(const Request& req, const Router::Match& match, int status,
                         int64_t nanos) {
  Slot& s = slot_for(req, match);
  s.count(status);
  s.duration.observe_nanos(nanos);
  if (s.auth) s.auth->outcomes[outcome_of(status)].inc();
  if (!s.used.load(std::memory_order_relaxed)) s.used.store(true, std::memory_order_release);
}

int HttpMetrics::actual_status(const Response& r) {
  if (r.status == 200)
    for (const auto& [name, value] : r.headers)
      if (name == "x-stack-actual-status") {
        int s = 0;
        for (char c : value) s = s * 10 + (c - '0');
        return s;
      }
  return r.status;
}

std::string HttpMetrics::scrape() {
  // The process's own figures are read at each scrape.
  static auto process = metrics::Registry::global().add_collector(metrics::collect_process);
  return metrics::Registry::global().render();
}

}  // namespace latchkey::http
