// The webhook delivery workers: threads of their own (never the server's
// I/O threads or request workers) that claim due deliveries from the
// outbox, post them signed as Svix does, record every attempt and schedule
// the retries. Instances sharing a PostgreSQL database each claim different
// rows (store::WebhookStore::claim_deliveries); a claim held by a crashed
// instance runs out and is taken again, so delivery is at least once.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/oauth/http_client.hpp"
#include "store/store.hpp"

namespace latchkey::core {

struct WebhookDeliveryOptions {
  int threads = 2;
  // How often an idle worker looks for due deliveries.
  int64_t poll_millis = 200;
  // Svix's bound on one attempt.
  int64_t attempt_timeout_millis = 15000;
  // Deliver to loopback and private addresses too (`serve
  // --webhooks-allow-private-addresses`; off: refused, against server-side
  // request forgery).
  bool allow_private_addresses = false;
};

class WebhookDelivery {
 public:
  // `client`: the outbound HTTP client (tests pass their own); null for
  // libcurl with the options' timeout and address policy.
  WebhookDelivery(store::Store& store, const Clock& clock, WebhookDeliveryOptions options,
                  std::unique_ptr<oauth::HttpClient> client = nullptr);
  ~WebhookDelivery();  // stop()
  WebhookDelivery(const WebhookDelivery&) = delete;
  WebhookDelivery& operator=(const WebhookDelivery&) = delete;

  // Starts the worker threads (serve only; other commands never deliver).
  void start();
  // Lets each worker finish the attempt it is making, then joins them.
  void stop();

  // Claims one due delivery and makes its attempt; false when none was due.
  // What each worker does in its loop; callable directly in tests.
  bool deliver_one();

 private:
  void run();

  store::Store& store_;
  const Clock& clock_;
  WebhookDeliveryOptions options_;
  std::unique_ptr<oauth::HttpClient> client_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace latchkey::core
