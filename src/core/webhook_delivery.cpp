#include "core/webhook_delivery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "core/metrics.hpp"
#include "core/webhooks.hpp"

namespace latchkey::core {
namespace {

// What an attempt keeps of the receiver's answer.
constexpr size_t kMaxRecordedResponse = 4096;
// A claim outlives the attempt it covers by this much before another
// worker may take the delivery again.
constexpr int64_t kLeaseMarginMillis = 15000;

}  // namespace

WebhookDelivery::WebhookDelivery(store::Store& store, const Clock& clock,
                                 WebhookDeliveryOptions options,
                                 std::unique_ptr<oauth::HttpClient> client)
    : store_(store), clock_(clock), options_(options), client_(std::move(client)) {
  if (!client_) {
    oauth::HttpClientOptions http;
    http.total_timeout_millis = options_.attempt_timeout_millis;
    http.connect_timeout_millis = std::min<int64_t>(5000, options_.attempt_timeout_millis);
    http.max_response_bytes = 1 << 20;
    http.public_addresses_only = !options_.allow_private_addresses;
    http.user_agent = "Latchkey-Webhooks/1 (Svix-compatible)";
    client_ = oauth::make_curl_http_client(http);
  }
}

WebhookDelivery::~WebhookDelivery() { stop(); }

void WebhookDelivery::start() {
  std::lock_guard lock(mu_);
  if (!threads_.empty()) return;
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { run(); });
}

void WebhookDelivery::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void WebhookDelivery::run() {
  while (true) {
    bool delivered = false;
    try {
      delivered = deliver_one();
    } catch (const std::exception& e) {
      // E.g. the database is unreachable for a moment: the claim (if any)
      // runs out and the delivery is tried again.
      spdlog::warn("webhook delivery: {}", e.what());
    }
    std::unique_lock lock(mu_);
    if (stopping_) return;
    if (!delivered)
      wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_millis),
                     [this] { return stopping_; });
    if (stopping_) return;
  }
}

bool WebhookDelivery::deliver_one() {
  const int64_t now = clock_.now_millis();
  auto claimed = store_.webhooks().claim_deliveries(
      now, now + options_.attempt_timeout_millis + kLeaseMarginMillis, 1);
  if (claimed.empty()) return false;
  const store::ClaimedDelivery& d = claimed.front();

  store::DeliveryOutcome o;
  store::WebhookAttempt& a = o.attempt;
  a.project_id = d.message.project_id;
  a.msg_id = d.message.id;
  a.endpoint_id = d.endpoint_id;
  a.url = d.url;
  a.trigger_type = 0;
  const int64_t sent_at = clock_.now_millis();
  const auto started = std::chrono::steady_clock::now();
  int status = 0;
  std::string response;
  if (auto sig = webhooks::signature(d.secret, d.message.id, sent_at / 1000, d.message.payload)) {
    oauth::HttpRequest req;
    req.method = "POST";
    req.url = d.url;
    req.body = d.message.payload;
    req.headers = {{"content-type", "application/json"},
                   {"svix-id", d.message.id},
                   {"svix-timestamp", std::to_string(sent_at / 1000)},
                   {"svix-signature", *sig}};
    try {
      auto res = client_->send(req);
      status = res.status;
      response = std::move(res.body);
    } catch (const oauth::HttpError& e) {
      response = e.what();
    }
  } else {
    response = "the endpoint's secret is not a whsec_ secret";
  }
  if (response.size() > kMaxRecordedResponse) response.resize(kMaxRecordedResponse);
  a.response_duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started)
                               .count();
  a.created_at_millis = clock_.now_millis();
  a.id = webhooks::svix_id("atmpt", a.created_at_millis);
  a.response_status_code = status;
  a.response = std::move(response);
  o.delivered = status >= 200 && status < 300;
  static auto& delivered = metrics::counter(
      "latchkey_webhook_attempts_total",
      "Webhook delivery attempts by outcome (failed: no 2xx answer; it is retried).",
      {{"outcome", "delivered"}});
  static auto& failed = metrics::counter(
      "latchkey_webhook_attempts_total",
      "Webhook delivery attempts by outcome (failed: no 2xx answer; it is retried).",
      {{"outcome", "failed"}});
  static auto& seconds = metrics::histogram("latchkey_webhook_attempt_duration_seconds",
                                            "Time of one webhook delivery attempt.");
  (o.delivered ? delivered : failed).inc();
  seconds.observe(static_cast<double>(a.response_duration_ms) / 1000.0);
  a.status = o.delivered ? 0 : 2;
  if (!o.delivered) {
    if (auto delay = webhooks::retry_delay_millis(d.attempts + 1))
      o.retry_at_millis = a.created_at_millis + *delay;
  }
  o.disable_after_millis = webhooks::kDisableFailingEndpointAfterMillis;
  store_.webhooks().record_attempt(o);
  spdlog::debug("webhook {} to endpoint {}: {} ({} ms)", d.message.id, d.endpoint_id,
                status ? std::to_string(status) : a.response, a.response_duration_ms);
  return true;
}

}  // namespace latchkey::core
