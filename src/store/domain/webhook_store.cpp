// WebhookStore: the outbox of webhook events with its delivery queue and
// attempts, and the Svix-compatible management API's application,
// endpoints and tokens. Lists are newest first by id: the ids are
// time-ordered (core/webhooks.cpp), so an id is also the page cursor.
#include <algorithm>

#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

const sql::Columns<WebhookEvent> kMessageColumns{
    {"id", &WebhookEvent::id},
    {"project_id", &WebhookEvent::project_id},
    {"event_type", &WebhookEvent::type},
    {"payload", &WebhookEvent::payload},
    {"created_at", &WebhookEvent::created_at_millis},
};

const sql::Columns<WebhookApp> kAppColumns{
    {"project_id", &WebhookApp::project_id},
    {"id", &WebhookApp::id},
    {"name", &WebhookApp::name},
    {"created_at", &WebhookApp::created_at_millis},
    {"updated_at", &WebhookApp::updated_at_millis},
};

const sql::Columns<WebhookEndpoint> kEndpointColumns{
    {"project_id", &WebhookEndpoint::project_id},
    {"id", &WebhookEndpoint::id},
    {"uid", &WebhookEndpoint::uid},
    {"url", &WebhookEndpoint::url},
    {"description", &WebhookEndpoint::description},
    {"version", &WebhookEndpoint::version},
    {"disabled", &WebhookEndpoint::disabled},
    {"filter_types", &WebhookEndpoint::filter_types},
    {"channels", &WebhookEndpoint::channels},
    {"rate_limit", &WebhookEndpoint::rate_limit},
    {"metadata", &WebhookEndpoint::metadata},
    {"secret", &WebhookEndpoint::secret},
    {"failing_since", &WebhookEndpoint::failing_since_millis},
    {"created_at", &WebhookEndpoint::created_at_millis},
    {"updated_at", &WebhookEndpoint::updated_at_millis},
};

const sql::Columns<WebhookAttempt> kAttemptColumns{
    {"project_id", &WebhookAttempt::project_id},
    {"id", &WebhookAttempt::id},
    {"msg_id", &WebhookAttempt::msg_id},
    {"endpoint_id", &WebhookAttempt::endpoint_id},
    {"url", &WebhookAttempt::url},
    {"status", &WebhookAttempt::status},
    {"response", &WebhookAttempt::response},
    {"response_status_code", &WebhookAttempt::response_status_code},
    {"response_duration_ms", &WebhookAttempt::response_duration_ms},
    {"trigger_type", &WebhookAttempt::trigger_type},
    {"created_at", &WebhookAttempt::created_at_millis},
};

// --- the outbox
const sql::Sql kInsertMessage{"INSERT INTO webhook_messages (" + kMessageColumns.list() +
                              ") VALUES ($1, $2, $3, $4, $5)"};
// One delivery per enabled endpoint whose filter takes the type ($3): a
// filter is a JSON array of strings, and event types hold no quotes, so the
// quoted type occurs in it exactly when the array lists it.
const sql::Sql kFanOut = sql::Sql::each([](const sql::Dialect& d) {
  return "INSERT INTO webhook_deliveries (project_id, msg_id, endpoint_id, next_attempt_at) "
         "SELECT e.project_id, $2::text, e.id, $4::bigint FROM webhook_endpoints e WHERE "
         "e.project_id = $1 AND "
         "NOT e.disabled AND (e.filter_types IS NULL OR " +
         std::string(d.strpos) + "(e.filter_types, '\"' || $3::text || '\"') > 0)";
});

// --- delivery
// Due, unclaimed pending deliveries, oldest message first, claimed by
// setting the lease. PostgreSQL skips rows another instance is claiming.
const sql::Sql kClaim = sql::Sql::each([](const sql::Dialect& d) {
  std::string pick =
      "SELECT project_id, msg_id, endpoint_id FROM webhook_deliveries WHERE status = 0 AND "
      "next_attempt_at <= $1 AND lease_until <= $1 ORDER BY next_attempt_at, msg_id LIMIT $3";
  if (d.engine == sql::Engine::kPostgres) pick += " FOR UPDATE SKIP LOCKED";
  return "UPDATE webhook_deliveries SET lease_until = $2 WHERE (project_id, msg_id, endpoint_id) "
         "IN (" +
         pick + ") RETURNING project_id, msg_id, endpoint_id, attempts";
});
// Read first, outside a transaction: an idle worker's poll then takes no
// write lock (SQLite) and writes nothing.
const sql::Sql kAnyDue{
    "SELECT 1 FROM webhook_deliveries WHERE status = 0 AND next_attempt_at <= $1 AND "
    "lease_until <= $1 LIMIT 1"};
const sql::Sql kClaimedDetails{"SELECT " + kMessageColumns.list("m") +
                               ", e.url, e.secret FROM webhook_messages m JOIN webhook_endpoints "
                               "e ON e.project_id = m.project_id AND e.id = $3 "
                               "WHERE m.project_id = $1 AND m.id = $2"};
const sql::Sql kInsertAttempt{"INSERT INTO webhook_attempts (" + kAttemptColumns.list() +
                              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"};
// $4: 1 delivered, 0 to retry at $5, 2 failed for good.
const sql::Sql kFinishDelivery{
    "UPDATE webhook_deliveries SET status = $4, attempts = attempts + 1, next_attempt_at = $5, "
    "lease_until = 0 WHERE project_id = $1 AND msg_id = $2 AND endpoint_id = $3"};
// Only when there is a failure run to end: most deliveries succeed, and an
// UPDATE that matches no row writes nothing.
const sql::Sql kEndpointSucceeded{
    "UPDATE webhook_endpoints SET failing_since = NULL WHERE project_id = $1 AND id = $2 AND "
    "failing_since IS NOT NULL"};
const sql::Sql kEndpointFailed{
    "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $3) "
    "WHERE project_id = $1 AND id = $2"};
// Svix disables an endpoint whose deliveries have all failed for a while;
// its pending deliveries stop with it.
const sql::Sql kDisableIfFailingSince{
    "UPDATE webhook_endpoints SET disabled = TRUE, updated_at = $4 WHERE project_id = $1 AND "
    "id = $2 AND failing_since IS NOT NULL AND failing_since <= $3"};
const sql::Sql kReleaseClaim{
    "UPDATE webhook_deliveries SET lease_until = 0 WHERE project_id = $1 AND msg_id = $2 AND "
    "endpoint_id = $3 AND status = 0"};
const sql::Sql kDropPendingOfEndpoint{
    "UPDATE webhook_deliveries SET status = 2 WHERE project_id = $1 AND endpoint_id = $2 AND "
    "status = 0"};

// --- application and tokens
const sql::Sql kInsertApp{"INSERT INTO webhook_apps (" + kAppColumns.list() +
                          ") VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id) DO NOTHING"};
const sql::Sql kGetApp{"SELECT " + kAppColumns.list() + " FROM webhook_apps WHERE project_id = $1"};
const sql::Sql kInsertToken{
    "INSERT INTO webhook_tokens (digest, project_id, expires_at) VALUES ($1, $2, $3)"};
const sql::Sql kProjectOfToken{
    "SELECT project_id FROM webhook_tokens WHERE digest = $1 AND expires_at > $2"};

// --- endpoints
const sql::Sql kInsertEndpoint{
    "INSERT INTO webhook_endpoints (" + kEndpointColumns.list() +
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"};
const std::string kSelectEndpoint =
    "SELECT " + kEndpointColumns.list() + " FROM webhook_endpoints ";
const sql::Sql kGetEndpoint{kSelectEndpoint +
                            "WHERE project_id = $1 AND (id = $2 OR uid = $2) ORDER BY id = $2 "
                            "DESC LIMIT 1"};
const sql::Sql kListEndpoints{kSelectEndpoint +
                              "WHERE project_id = $1 AND ($2::text IS NULL OR id < $2::text) "
                              "ORDER BY id DESC LIMIT $3"};
const sql::Sql kUpdateEndpoint{
    "UPDATE webhook_endpoints SET uid = $3, url = $4, description = $5, version = $6, "
    "disabled = $7, filter_types = $8, channels = $9, rate_limit = $10, metadata = $11, "
    "secret = $12, failing_since = $13, updated_at = $14 WHERE project_id = $1 AND id = $2"};
const sql::Sql kDeleteEndpoint{"DELETE FROM webhook_endpoints WHERE project_id = $1 AND id = $2"};

// --- messages and attempts
const sql::Sql kListMessages{"SELECT " + kMessageColumns.list() +
                             " FROM webhook_messages WHERE project_id = $1 AND ($2::text IS "
                             "NULL OR id < $2::text) AND ($4::text IS NULL OR event_type = "
                             "$4::text) ORDER BY id DESC LIMIT $3"};
const sql::Sql kGetMessage{"SELECT " + kMessageColumns.list() +
                           " FROM webhook_messages WHERE project_id = $1 AND id = $2"};
const std::string kSelectAttempt = "SELECT " + kAttemptColumns.list() + " FROM webhook_attempts ";
const sql::Sql kAttemptsByEndpoint{kSelectAttempt +
                                   "WHERE project_id = $1 AND endpoint_id = $4 AND ($2::text IS "
                                   "NULL OR id < $2::text) ORDER BY id DESC LIMIT $3"};
const sql::Sql kAttemptsByMessage{kSelectAttempt +
                                  "WHERE project_id = $1 AND msg_id = $4 AND ($2::text IS NULL "
                                  "OR id < $2::text) ORDER BY id DESC LIMIT $3"};

template <typename Row>
std::vector<Row> read_all(sql::Rows rows, const sql::Columns<Row>& columns) {
  std::vector<Row> out;
  while (rows.next()) out.push_back(columns.read(rows));
  return out;
}

class SqlWebhookStore final : public WebhookStore {
 public:
  explicit SqlWebhookStore(sql::Database& db) : db_(db) {}

  void insert_events(const WebhookEvents& events) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    write_webhook_events(*c, events);
    tx.commit();
  }

  std::vector<ClaimedDelivery> claim_deliveries(int64_t now, int64_t lease_until,
                                                int limit) override {
    auto c = db_.acquire();
    struct Key {
      std::string project_id, msg_id, endpoint_id;
      int64_t attempts;
    };
    std::vector<Key> keys;
    if (!c->exists(kAnyDue, now)) return {};
    {
      // The queue's bookkeeping is not data any cache holds, so it does not
      // count as a write of the store (Store::write_generation).
      sql::CountWritesIn counted(*c, delivery_writes_);
      sql::Transaction tx(*c);
      for (auto r = c->query(kClaim, now, lease_until, static_cast<int64_t>(limit)); r.next();)
        keys.push_back({r.text(0), r.text(1), r.text(2), r.int64(3)});
      tx.commit();
    }
    std::vector<ClaimedDelivery> out;
    for (auto& k : keys) {
      auto r = c->query(kClaimedDetails, k.project_id, k.msg_id, k.endpoint_id);
      if (!r.next()) continue;  // deleted meanwhile (the cascade took the delivery too)
      ClaimedDelivery d;
      d.message = kMessageColumns.read(r);
      d.url = r.text(kMessageColumns.size());
      d.secret = r.text(kMessageColumns.size() + 1);
      d.endpoint_id = k.endpoint_id;
      d.attempts = k.attempts;
      out.push_back(std::move(d));
    }
    // Oldest message first, so that one endpoint gets its events in order
    // where the batch allows.
    std::sort(out.begin(), out.end(), [](const ClaimedDelivery& a, const ClaimedDelivery& b) {
      return a.message.id < b.message.id;
    });
    return out;
  }

  void record_attempts(const std::vector<DeliveryOutcome>& outcomes) override {
    if (outcomes.empty()) return;
    auto c = db_.acquire();
    sql::CountWritesIn counted(*c, delivery_writes_);
    try {
      sql::Transaction tx(*c);
      for (const auto& o : outcomes) record(*c, o);
      tx.commit();
      return;
    } catch (const sql::ConstraintError&) {
      // A message deleted meanwhile (with its project) took its delivery
      // with it, and its attempt has nothing left to belong to. Rare: the
      // batch is written again one attempt at a time, without that one.
    }
    for (const auto& o : outcomes) {
      try {
        sql::Transaction tx(*c);
        record(*c, o);
        tx.commit();
      } catch (const sql::ConstraintError&) {
      }
    }
  }
  void release_claims(const std::vector<ClaimedDelivery>& deliveries) override {
    if (deliveries.empty()) return;
    auto c = db_.acquire();
    sql::CountWritesIn counted(*c, delivery_writes_);
    sql::Transaction tx(*c);
    for (const auto& d : deliveries)
      c->exec(kReleaseClaim, d.message.project_id, d.message.id, d.endpoint_id);
    tx.commit();
  }
  WebhookApp get_or_create_app(const WebhookApp& app) override {
    auto c = db_.acquire();
    c->exec(kInsertApp, app.project_id, app.id, app.name, app.created_at_millis,
            app.updated_at_millis);
    auto r = c->query(kGetApp, app.project_id);
    if (!r.next()) throw std::runtime_error("the webhook application was not written");
    return kAppColumns.read(r);
  }

  std::optional<WebhookApp> get_app(const std::string& project_id) override {
    auto c = db_.acquire();
    auto r = c->query(kGetApp, project_id);
    if (!r.next()) return std::nullopt;
    return kAppColumns.read(r);
  }

  std::optional<std::string> project_of_token(const std::string& digest, int64_t now) override {
    auto c = db_.acquire();
    auto r = c->query(kProjectOfToken, digest, now);
    if (!r.next()) return std::nullopt;
    return r.text(0);
  }

  void insert_token(const std::string& digest, const std::string& project_id,
                    int64_t expires_at) override {
    auto c = db_.acquire();
    c->exec(kInsertToken, digest, project_id, expires_at);
  }

  EndpointWriteStatus insert_endpoint(const WebhookEndpoint& e) override {
    auto c = db_.acquire();
    try {
      c->exec(kInsertEndpoint, e.project_id, e.id, e.uid, e.url, e.description, e.version,
              e.disabled, dump_or_null(e.filter_types), dump_or_null(e.channels), e.rate_limit,
              e.metadata.dump(), e.secret, e.failing_since_millis, e.created_at_millis,
              e.updated_at_millis);
    } catch (const sql::ConstraintError&) {
      return EndpointWriteStatus::kUidTaken;
    }
    return EndpointWriteStatus::kDone;
  }

  std::optional<WebhookEndpoint> get_endpoint(const std::string& project_id,
                                              const std::string& id_or_uid) override {
    auto c = db_.acquire();
    auto r = c->query(kGetEndpoint, project_id, id_or_uid);
    if (!r.next()) return std::nullopt;
    return kEndpointColumns.read(r);
  }

  std::vector<WebhookEndpoint> list_endpoints(const std::string& project_id,
                                              const WebhookPage& page) override {
    auto c = db_.acquire();
    return read_all(c->query(kListEndpoints, project_id, page.iterator, page.limit),
                    kEndpointColumns);
  }

  EndpointWriteStatus update_endpoint(const WebhookEndpoint& e) override {
    auto c = db_.acquire();
    try {
      if (c->exec(kUpdateEndpoint, e.project_id, e.id, e.uid, e.url, e.description, e.version,
                  e.disabled, dump_or_null(e.filter_types), dump_or_null(e.channels), e.rate_limit,
                  e.metadata.dump(), e.secret, e.failing_since_millis, e.updated_at_millis) == 0)
        return EndpointWriteStatus::kNotFound;
    } catch (const sql::ConstraintError&) {
      return EndpointWriteStatus::kUidTaken;
    }
    return EndpointWriteStatus::kDone;
  }

  bool delete_endpoint(const std::string& project_id, const std::string& id) override {
    auto c = db_.acquire();
    return c->exec(kDeleteEndpoint, project_id, id) > 0;
  }

  std::vector<WebhookEvent> list_messages(const std::string& project_id, const WebhookPage& page,
                                          const std::optional<std::string>& type) override {
    auto c = db_.acquire();
    return read_all(c->query(kListMessages, project_id, page.iterator, page.limit, type),
                    kMessageColumns);
  }

  std::optional<WebhookEvent> get_message(const std::string& project_id,
                                          const std::string& id) override {
    auto c = db_.acquire();
    auto r = c->query(kGetMessage, project_id, id);
    if (!r.next()) return std::nullopt;
    return kMessageColumns.read(r);
  }

  std::vector<WebhookAttempt> list_attempts_by_endpoint(const std::string& project_id,
                                                        const std::string& endpoint_id,
                                                        const WebhookPage& page) override {
    auto c = db_.acquire();
    return read_all(
        c->query(kAttemptsByEndpoint, project_id, page.iterator, page.limit, endpoint_id),
        kAttemptColumns);
  }

  std::vector<WebhookAttempt> list_attempts_by_message(const std::string& project_id,
                                                       const std::string& msg_id,
                                                       const WebhookPage& page) override {
    auto c = db_.acquire();
    return read_all(c->query(kAttemptsByMessage, project_id, page.iterator, page.limit, msg_id),
                    kAttemptColumns);
  }

 private:
  static void record(sql::Connection& c, const DeliveryOutcome& o) {
    const auto& a = o.attempt;
    c.exec(kInsertAttempt, a.project_id, a.id, a.msg_id, a.endpoint_id, a.url, a.status, a.response,
           a.response_status_code, a.response_duration_ms, a.trigger_type, a.created_at_millis);
    const int64_t status = o.delivered ? 1 : o.retry_at_millis ? 0 : 2;
    c.exec(kFinishDelivery, a.project_id, a.msg_id, a.endpoint_id, status,
           o.retry_at_millis.value_or(a.created_at_millis));
    if (o.delivered) {
      c.exec(kEndpointSucceeded, a.project_id, a.endpoint_id);
    } else {
      c.exec(kEndpointFailed, a.project_id, a.endpoint_id, a.created_at_millis);
      if (c.exec(kDisableIfFailingSince, a.project_id, a.endpoint_id,
                 a.created_at_millis - o.disable_after_millis, a.created_at_millis) > 0)
        c.exec(kDropPendingOfEndpoint, a.project_id, a.endpoint_id);
    }
  }
  sql::Database& db_;
  std::atomic<uint64_t> delivery_writes_{0};
};

}  // namespace

void write_webhook_events(sql::Connection& c, const WebhookEvents& events) {
  for (const auto& e : events) {
    c.exec(kInsertMessage, e.id, e.project_id, e.type, e.payload, e.created_at_millis);
    c.exec(kFanOut, e.project_id, e.id, e.type, e.created_at_millis);
  }
}

std::unique_ptr<WebhookStore> make_webhook_store(sql::Database& db) {
  return std::make_unique<SqlWebhookStore>(db);
}

}  // namespace latchkey::store::domain
