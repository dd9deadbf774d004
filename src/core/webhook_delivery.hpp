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
  // Deliveries a worker claims at once: their attempts are then recorded in
  // one transaction, which takes the database's write lock once per batch
  // rather than twice per event.
  int batch = 16;
  // How much lower than the server's request threads the workers run
  // (nice levels, 0 to 19): delivery is background work, and when the CPU
  // is saturated the requests that emit the events come first. The outbox
  // keeps what is not delivered yet.
  int nice_increment = 10;
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
  // Lets each worker finish the attempt it is making (the rest of its batch
  // goes back to the queue), then joins them.
  void stop();

  // Claims up to `batch` due deliveries, makes their attempts (oldest
  // message first; after a failure, the rest of the batch's deliveries to
  // that endpoint are released untried) and records them together. Returns
  // how many were claimed: 0 when none was due. What each worker does in its
  // loop; callable directly in tests.
  size_t deliver_batch();

 private:
  void run();
  store::DeliveryOutcome attempt(const store::ClaimedDelivery& d);
  bool stopping();

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
