// Webhooks (Svix-compatible): the outbox of events, written in the
// transaction of the change that caused them, the per-endpoint delivery
// queue the delivery workers claim from, every attempt, and what the /svix
// management API reads and writes (the project's application, endpoints,
// tokens).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace latchkey::store {

// One event: a Svix message. `payload` is the exact body every endpoint
// receives ({"type", "data"}, serialised once so that signatures and the
// message read back agree byte for byte).
struct WebhookEvent {
  std::string id;  // msg_…
  std::string project_id;
  std::string type;
  std::string payload;
  int64_t created_at_millis = 0;
};
using WebhookEvents = std::vector<WebhookEvent>;

struct WebhookApp {
  std::string project_id;  // the application's uid
  std::string id;          // app_…
  std::string name;
  int64_t created_at_millis = 0;
  int64_t updated_at_millis = 0;
};

struct WebhookEndpoint {
  std::string project_id;
  std::string id;  // ep_…
  std::optional<std::string> uid;
  std::string url;
  std::string description;
  int64_t version = 1;
  bool disabled = false;
  Json filter_types;  // array of event types, or null for every type
  Json channels;      // array, or null
  std::optional<int64_t> rate_limit;
  Json metadata;       // object of strings
  std::string secret;  // whsec_…
  std::optional<int64_t> failing_since_millis;
  int64_t created_at_millis = 0;
  int64_t updated_at_millis = 0;
};

struct WebhookAttempt {
  std::string project_id;
  std::string id;  // atmpt_…
  std::string msg_id;
  std::string endpoint_id;
  std::string url;
  int64_t status = 0;  // Svix's MessageStatus: 0 success, 2 fail
  std::string response;
  int64_t response_status_code = 0;
  int64_t response_duration_ms = 0;
  int64_t trigger_type = 0;  // 0 scheduled
  int64_t created_at_millis = 0;
};

// A delivery a worker claimed: the message, the endpoint's address and
// secret, and how many attempts came before this one.
struct ClaimedDelivery {
  WebhookEvent message;
  std::string endpoint_id;
  std::string url;
  std::string secret;
  int64_t attempts = 0;
};

// What an attempt's outcome does to its delivery.
struct DeliveryOutcome {
  WebhookAttempt attempt;
  bool delivered = false;
  // Failed: when to try again (nullopt: the schedule is exhausted, the
  // delivery fails for good).
  std::optional<int64_t> retry_at_millis;
  // An endpoint failing since this long before now is disabled (Svix: 5
  // days of failures without a success).
  int64_t disable_after_millis = 0;
};

// A page of a newest-first list: `iterator` is the id after which the next
// page starts (exclusive).
struct WebhookPage {
  std::optional<std::string> iterator;
  int64_t limit = 50;
};

enum class EndpointWriteStatus { kDone, kNotFound, kUidTaken };

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  // --- the outbox (also written by the other stores' transactions)
  // Inserts the events with a delivery for each enabled endpoint of their
  // project whose filter takes their type, in one transaction.
  virtual void insert_events(const WebhookEvents& events) = 0;

  // --- delivery
  // Takes up to `limit` deliveries due at `now` that no live claim holds,
  // and holds them until `lease_until` (PostgreSQL: FOR UPDATE SKIP LOCKED,
  // so instances sharing the database never claim the same row).
  virtual std::vector<ClaimedDelivery> claim_deliveries(int64_t now_millis, int64_t lease_until,
                                                        int limit) = 0;
  // Records the attempts and moves each delivery on (delivered, retried or
  // failed), and its endpoint's failure run (disabling it when too long),
  // in one transaction for the whole batch. An attempt whose message (or
  // project) was deleted meanwhile is dropped; the others are kept.
  virtual void record_attempts(const std::vector<DeliveryOutcome>& outcomes) = 0;
  // Ends the claims on deliveries a worker took but did not attempt (their
  // endpoint failed earlier in the batch), so that they are due again now.
  virtual void release_claims(const std::vector<ClaimedDelivery>& deliveries) = 0;

  // --- the management API
  // The project's application, created on first use.
  virtual WebhookApp get_or_create_app(const WebhookApp& app) = 0;
  virtual std::optional<WebhookApp> get_app(const std::string& project_id) = 0;
  // The project of an unexpired token digest.
  virtual std::optional<std::string> project_of_token(const std::string& digest,
                                                      int64_t now_millis) = 0;
  virtual void insert_token(const std::string& digest, const std::string& project_id,
                            int64_t expires_at_millis) = 0;

  virtual EndpointWriteStatus insert_endpoint(const WebhookEndpoint& e) = 0;
  // By id or uid.
  virtual std::optional<WebhookEndpoint> get_endpoint(const std::string& project_id,
                                                      const std::string& id_or_uid) = 0;
  // Newest first.
  virtual std::vector<WebhookEndpoint> list_endpoints(const std::string& project_id,
                                                      const WebhookPage& page) = 0;
  // Writes every field of `e` (found by project and id) but created_at.
  virtual EndpointWriteStatus update_endpoint(const WebhookEndpoint& e) = 0;
  virtual bool delete_endpoint(const std::string& project_id, const std::string& id) = 0;

  // Newest first; optionally of one event type.
  virtual std::vector<WebhookEvent> list_messages(const std::string& project_id,
                                                  const WebhookPage& page,
                                                  const std::optional<std::string>& type) = 0;
  virtual std::optional<WebhookEvent> get_message(const std::string& project_id,
                                                  const std::string& id) = 0;
  // Newest first, of one endpoint or of one message.
  virtual std::vector<WebhookAttempt> list_attempts_by_endpoint(const std::string& project_id,
                                                                const std::string& endpoint_id,
                                                                const WebhookPage& page) = 0;
  virtual std::vector<WebhookAttempt> list_attempts_by_message(const std::string& project_id,
                                                               const std::string& msg_id,
                                                               const WebhookPage& page) = 0;
};

}  // namespace latchkey::store
