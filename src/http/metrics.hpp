// The server's request metrics (README "Operations"): requests by route
// template, method and status, latency by route, requests in flight, open
// connections, the worker pools' queues, and sign-ins and sign-ups by method
// and outcome. Recording a request is a lookup in a fixed lock-free table
// keyed by the matched route (routes live as long as the server) and a few
// relaxed atomic adds: no lock, no allocation, no label text.
#pragma once
#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "core/metrics.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace latchkey::http {

class HttpMetrics {
 public:
  HttpMetrics();
  ~HttpMetrics();
  HttpMetrics(const HttpMetrics&) = delete;
  HttpMetrics& operator=(const HttpMetrics&) = delete;

  // One answered request: `match` is the pipeline's match of it (its route,
  // or none), `status` the status it was answered with (the actual one when
  // the client asked for errors as 200s), `nanos` from parsed to written.
  // The matched route must outlive this object.
  void record(const Request& req, const Router::Match& match, int status, int64_t nanos);

  // The status a response stands for: its status, or the actual status of
  // an error sent as 200 (x-stack-override-error-status).
  static int actual_status(const Response& r);

  enum Pool { kQuick = 0, kLong = 1 };
  metrics::Gauge in_flight;
  metrics::Gauge open_connections;
  // Requests handed to a worker pool and not yet started, and running.
  std::array<metrics::Gauge, 2> queued;
  std::array<metrics::Gauge, 2> running;

  // The text a scrape returns: these metrics and everything else in the
  // global registry.
  static std::string scrape();

 private:
  struct Slot;
  struct AuthCounts;
  Slot& slot_for(const Request& req, const Router::Match& match);

  std::unique_ptr<Slot[]> slots_;  // kRouteSlots by route, then the unrouted ones
  std::unique_ptr<AuthCounts[]> auth_;
  metrics::Registry::Subscription subscription_;
};

}  // namespace latchkey::http
