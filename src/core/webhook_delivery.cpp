#include "core/webhook_delivery.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <set>

#include "core/metrics.hpp"
#include "core/webhooks.hpp"

namespace latchkey::core {
namespace {

// What an attempt keeps of the receiver's answer.
constexpr size_t kMaxRecordedResponse = 4096;
// A claim outlives the attempt it covers by this much before another
// worker may take the delivery again.
constexpr int64_t kLeaseMarginMillis = 15000;
// A batch starts its later attempts only this long after the claim, so that
// the claim (and the wait for it after a crash) stays short: with a quick
// receiver a whole batch takes milliseconds; after a slow attempt the rest
// of the batch goes back to the queue.
constexpr int64_t kBatchStartWindowMillis = 5000;

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
    // Most events go to the same few receivers: keep their connections.
    http.reuse_connections = true;
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
  if (options_.nice_increment > 0) {
    // On Linux a thread has its own nice value (PRIO_PROCESS with its
    // thread id); raising it needs no privilege.
    const auto tid = static_cast<id_t>(gettid());
    errno = 0;
    const int current = getpriority(PRIO_PROCESS, tid);
    if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(19, current + options_.nice_increment));
  }
  while (true) {
    bool delivered = false;
    try {
      delivered = deliver_batch() > 0;
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

size_t WebhookDelivery::deliver_batch() {
  const int64_t claimed_at = clock_.now_millis();
  auto claimed = store_.webhooks().claim_deliveries(
      claimed_at,
      claimed_at + kBatchStartWindowMillis + options_.attempt_timeout_millis + kLeaseMarginMillis,
      std::max(1, options_.batch));
  std::vector<store::DeliveryOutcome> outcomes;
  std::vector<store::ClaimedDelivery> untried;
  std::set<std::pair<std::string, std::string>> failing;  // (project, endpoint)
  for (const auto& d : claimed) {
    // An endpoint that just failed (down, slow, answering 500) would most
    // likely fail the rest too, each after a timeout: its deliveries go
    // back to the queue instead, due again at once. So does the rest of a
    // batch that has run out of its start window, or whose server stops.
    const bool late =
        !outcomes.empty() && clock_.now_millis() - claimed_at > kBatchStartWindowMillis;
    if (late || stopping() || failing.contains({d.message.project_id, d.endpoint_id})) {
      untried.push_back(d);
      continue;
    }
    outcomes.push_back(attempt(d));
    if (!outcomes.back().delivered) failing.insert({d.message.project_id, d.endpoint_id});
  }
  store_.webhooks().record_attempts(outcomes);
  store_.webhooks().release_claims(untried);
  return claimed.size();
}

bool WebhookDelivery::stopping() {
  std::lock_guard lock(mu_);
  return stopping_;
}

store::DeliveryOutcome WebhookDelivery::attempt(const store::ClaimedDelivery& d) {
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
  spdlog::debug("webhook {} to endpoint {}: {} ({} ms)", d.message.id, d.endpoint_id,
                status ? std::to_string(status) : a.response, a.response_duration_ms);
  return o;
}

}  // namespace latchkey::core
