#include "core/webhook_admin.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "core/crypto.hpp"
#include "core/webhooks.hpp"

namespace latchkey::core::webhook_admin {
namespace {

constexpr int64_t kTokenLifetimeMillis = 7LL * 24 * 3600 * 1000;
constexpr std::string_view kTokenPrefix = "sk_latchkey_";
constexpr int64_t kMaxLimit = 250;

SvixError not_found() { return SvixError(404, "not_found", "Entity not found"); }

Json opt(const std::optional<std::string>& s) { return s ? Json(*s) : Json(); }

// Svix's pattern for uids and event types: ^[a-zA-Z0-9\-_.]+$, 1–256.
bool is_name(const std::string& s) {
  if (s.empty() || s.size() > 256) return false;
  for (unsigned char c : s)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

bool is_http_url(const std::string& s) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (s.size() > scheme.size() && s.compare(0, scheme.size(), scheme) == 0) {
      auto host_end = s.find_first_of("/?#", scheme.size());
      std::string_view host(s.data() + scheme.size(),
                            (host_end == std::string::npos ? s.size() : host_end) - scheme.size());
      if (host.empty()) return false;
      for (unsigned char c : s)
        if (c <= 0x20 || c == 0x7f) return false;
      return s.size() <= 65536;
    }
  }
  return false;
}

// A list of names (filterTypes, channels): null, or a non-empty array.
Json name_list(const Json& v, const std::string& field) {
  if (v.is_null()) return Json();
  if (!v.is_array() || v.empty()) throw_validation(field, "must be a non-empty list or null");
  Json out = Json::array();
  for (const auto& item : v) {
    if (!item.is_string() || !is_name(item.get<std::string>()))
      throw_validation(field, "items must match ^[a-zA-Z0-9\\-_.]+$");
    out.push_back(item);
  }
  return out;
}

void check_secret(const std::string& secret) {
  auto key = secret.rfind("whsec_", 0) == 0 ? base64_decode(secret.substr(6)) : std::nullopt;
  if (!key || key->size() < 24 || key->size() > 75)
    throw_validation("key", "must be whsec_ followed by 24 to 75 bytes in base64");
}

// Applies the fields of an EndpointIn / EndpointUpdate / EndpointPatch.
// `patch`: only present fields; otherwise absent optional fields reset.
void apply_endpoint_fields(store::WebhookEndpoint& e, const Json& body, bool patch) {
  if (!body.is_object()) throw_validation("body", "must be a JSON object");
  auto has = [&](const char* k) { return body.contains(k); };
  if (has("url") || !patch) {
    if (!has("url") || !body["url"].is_string() || !is_http_url(body["url"].get<std::string>()))
      throw_validation("url", "must be an http or https URL");
    e.url = body["url"].get<std::string>();
  }
  if (has("description") || !patch) {
    const Json& v = has("description") ? body["description"] : Json("");
    if (!v.is_string()) throw_validation("description", "must be a string");
    e.description = v.get<std::string>();
  }
  if (has("version") || !patch) {
    const Json& v = has("version") && !body["version"].is_null() ? body["version"] : Json(1);
    if (!v.is_number_integer() || v.get<int64_t>() < 1)
      throw_validation("version", "must be an integer of at least 1");
    e.version = v.get<int64_t>();
  }
  if (has("disabled") || !patch) {
    const Json& v = has("disabled") ? body["disabled"] : Json(false);
    if (!v.is_boolean()) throw_validation("disabled", "must be a boolean");
    e.disabled = v.get<bool>();
    // Enabling an endpoint starts its failure clock again.
    if (!e.disabled) e.failing_since_millis.reset();
  }
  if (has("filterTypes") || !patch)
    e.filter_types = name_list(has("filterTypes") ? body["filterTypes"] : Json(), "filterTypes");
  if (has("channels") || !patch)
    e.channels = name_list(has("channels") ? body["channels"] : Json(), "channels");
  if (has("rateLimit") || !patch) {
    const Json& v = has("rateLimit") ? body["rateLimit"] : Json();
    if (!v.is_null() && (!v.is_number_integer() || v.get<int64_t>() < 1))
      throw_validation("rateLimit", "must be a positive integer or null");
    e.rate_limit = v.is_null() ? std::nullopt : std::optional<int64_t>(v.get<int64_t>());
  }
  if (has("uid") || !patch) {
    const Json& v = has("uid") ? body["uid"] : Json();
    if (!v.is_null() && (!v.is_string() || !is_name(v.get<std::string>())))
      throw_validation("uid", "must match ^[a-zA-Z0-9\\-_.]+$ or be null");
    e.uid = v.is_null() ? std::nullopt : std::optional<std::string>(v.get<std::string>());
  }
  if (has("metadata") || !patch) {
    const Json& v = has("metadata") ? body["metadata"] : Json::object();
    if (!v.is_object()) throw_validation("metadata", "must be an object of strings");
    for (const auto& item : v)
      if (!item.is_string()) throw_validation("metadata", "values must be strings");
    e.metadata = v;
  }
}

Json endpoint_json(const store::WebhookEndpoint& e) {
  return Json{{"id", e.id},
              {"uid", opt(e.uid)},
              {"url", e.url},
              {"description", e.description},
              {"version", e.version},
              {"disabled", e.disabled},
              {"filterTypes", e.filter_types},
              {"channels", e.channels},
              {"rateLimit", e.rate_limit ? Json(*e.rate_limit) : Json()},
              {"metadata", e.metadata.is_object() ? e.metadata : Json::object()},
              {"createdAt", rfc3339(e.created_at_millis)},
              {"updatedAt", rfc3339(e.updated_at_millis)}};
}

Json message_json(const store::WebhookEvent& m, bool with_content) {
  Json payload = with_content ? Json::parse(m.payload, nullptr, false) : Json::object();
  if (payload.is_discarded()) payload = Json::object();
  return Json{{"id", m.id},          {"eventType", m.type},
              {"eventId", nullptr},  {"payload", payload},
              {"channels", nullptr}, {"timestamp", rfc3339(m.created_at_millis)}};
}

Json attempt_json(const store::WebhookAttempt& a) {
  return Json{{"id", a.id},
              {"msgId", a.msg_id},
              {"endpointId", a.endpoint_id},
              {"url", a.url},
              {"response", a.response},
              {"responseStatusCode", a.response_status_code},
              {"responseDurationMs", a.response_duration_ms},
              {"status", a.status},
              {"triggerType", a.trigger_type},
              {"timestamp", rfc3339(a.created_at_millis)}};
}

// Svix's page: the store read limit + 1 rows to tell whether more follow.
template <typename Row, typename ToJson>
Json page_json(std::vector<Row> rows, const store::WebhookPage& page, ToJson to_json) {
  const bool done = static_cast<int64_t>(rows.size()) <= page.limit;
  if (!done) rows.resize(static_cast<size_t>(page.limit));
  Json data = Json::array();
  for (const auto& r : rows) data.push_back(to_json(r));
  return Json{{"data", data},
              {"iterator", rows.empty() ? Json() : Json(rows.back().id)},
              {"prevIterator", nullptr},
              {"done", done}};
}

store::WebhookPage read_ahead(store::WebhookPage page) {
  ++page.limit;
  return page;
}

store::WebhookEndpoint require_endpoint(store::Store& store, const std::string& project_id,
                                        const std::string& id) {
  auto e = store.webhooks().get_endpoint(project_id, id);
  if (!e) throw not_found();
  return *e;
}

}  // namespace

Json SvixError::to_json() const { return Json{{"code", code_}, {"detail", what()}}; }

void throw_validation(const std::string& field, const std::string& msg) {
  throw SvixError(422, "validation", field + " " + msg);
}

std::string rfc3339(int64_t millis) {
  std::time_t secs = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis % 1000));
  return buf;
}

std::string issue_token(store::Store& store, const Clock& clock, const std::string& project_id) {
  ensure_app(store, clock, project_id);
  std::string token = std::string(kTokenPrefix) + base64url_encode(random_bytes(32));
  store.webhooks().insert_token(sha256_hex(token), project_id,
                                clock.now_millis() + kTokenLifetimeMillis);
  return token;
}

std::string authenticate(store::Store& store, const Clock& clock,
                         const std::optional<std::string>& header) {
  const std::string_view bearer = "Bearer ";
  if (!header || header->size() <= bearer.size() || header->compare(0, bearer.size(), bearer) != 0)
    throw SvixError(401, "authentication_failed", "Invalid token");
  std::string token = header->substr(bearer.size());
  // The digest is looked up, never the token: the comparison a lookup makes
  // tells nothing about the token itself.
  auto project = store.webhooks().project_of_token(sha256_hex(token), clock.now_millis());
  if (!project) throw SvixError(401, "authentication_failed", "Invalid token");
  return *project;
}

store::WebhookApp ensure_app(store::Store& store, const Clock& clock,
                             const std::string& project_id) {
  if (auto a = store.webhooks().get_app(project_id)) return *a;
  store::WebhookApp a;
  a.project_id = project_id;
  a.created_at_millis = a.updated_at_millis = clock.now_millis();
  a.id = webhooks::svix_id("app", a.created_at_millis);
  a.name = project_id;
  return store.webhooks().get_or_create_app(a);
}

store::WebhookApp require_app(store::Store& store, const Clock& clock,
                              const std::string& token_project, const std::string& app_id_or_uid) {
  auto app = ensure_app(store, clock, token_project);
  if (app_id_or_uid != app.id && app_id_or_uid != app.project_id) throw not_found();
  return app;
}

Json app_json(const store::WebhookApp& a) {
  return Json{{"id", a.id},
              {"uid", a.project_id},
              {"name", a.name},
              {"rateLimit", nullptr},
              {"metadata", Json::object()},
              {"createdAt", rfc3339(a.created_at_millis)},
              {"updatedAt", rfc3339(a.updated_at_millis)}};
}

Json list_apps(const store::WebhookApp& a) {
  return Json{{"data", Json::array({app_json(a)})},
              {"iterator", a.id},
              {"prevIterator", nullptr},
              {"done", true}};
}

store::WebhookPage page_of(const Json& query) {
  store::WebhookPage p;
  if (query.contains("limit")) {
    const std::string text = query["limit"].get<std::string>();
    char* end = nullptr;
    long long n = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || n < 1 || n > kMaxLimit)
      throw_validation("limit", "must be an integer from 1 to 250");
    p.limit = n;
  }
  if (query.contains("iterator") && !query["iterator"].get<std::string>().empty())
    p.iterator = query["iterator"].get<std::string>();
  return p;
}

Json create_endpoint(store::Store& store, const Clock& clock, const std::string& project_id,
                     const Json& body) {
  store::WebhookEndpoint e;
  e.project_id = project_id;
  apply_endpoint_fields(e, body, false);
  e.created_at_millis = e.updated_at_millis = clock.now_millis();
  e.id = webhooks::svix_id("ep", e.created_at_millis);
  if (body.contains("secret") && !body["secret"].is_null()) {
    if (!body["secret"].is_string()) throw_validation("secret", "must be a string");
    e.secret = body["secret"].get<std::string>();
    check_secret(e.secret);
  } else {
    e.secret = webhooks::new_endpoint_secret();
  }
  if (store.webhooks().insert_endpoint(e) == store::EndpointWriteStatus::kUidTaken)
    throw SvixError(409, "conflict", "An endpoint with this uid already exists");
  return endpoint_json(e);
}

Json list_endpoints(store::Store& store, const std::string& project_id,
                    const store::WebhookPage& page) {
  return page_json(store.webhooks().list_endpoints(project_id, read_ahead(page)), page,
                   endpoint_json);
}

Json get_endpoint(store::Store& store, const std::string& project_id, const std::string& id) {
  return endpoint_json(require_endpoint(store, project_id, id));
}

Json update_endpoint(store::Store& store, const Clock& clock, const std::string& project_id,
                     const std::string& id, const Json& body, bool patch) {
  auto e = require_endpoint(store, project_id, id);
  apply_endpoint_fields(e, body, patch);
  e.updated_at_millis = clock.now_millis();
  switch (store.webhooks().update_endpoint(e)) {
    case store::EndpointWriteStatus::kDone:
      return endpoint_json(e);
    case store::EndpointWriteStatus::kNotFound:
      throw not_found();
    case store::EndpointWriteStatus::kUidTaken:
      throw SvixError(409, "conflict", "An endpoint with this uid already exists");
  }
  throw not_found();
}

void delete_endpoint(store::Store& store, const std::string& project_id, const std::string& id) {
  auto e = require_endpoint(store, project_id, id);
  if (!store.webhooks().delete_endpoint(project_id, e.id)) throw not_found();
}

Json get_endpoint_secret(store::Store& store, const std::string& project_id,
                         const std::string& id) {
  return Json{{"key", require_endpoint(store, project_id, id).secret}};
}

void rotate_endpoint_secret(store::Store& store, const Clock& clock, const std::string& project_id,
                            const std::string& id, const Json& body) {
  auto e = require_endpoint(store, project_id, id);
  if (body.is_object() && body.contains("key") && !body["key"].is_null()) {
    if (!body["key"].is_string()) throw_validation("key", "must be a string");
    e.secret = body["key"].get<std::string>();
    check_secret(e.secret);
  } else {
    e.secret = webhooks::new_endpoint_secret();
  }
  e.updated_at_millis = clock.now_millis();
  if (store.webhooks().update_endpoint(e) != store::EndpointWriteStatus::kDone) throw not_found();
}

Json list_messages(store::Store& store, const std::string& project_id,
                   const store::WebhookPage& page, const std::optional<std::string>& event_type,
                   bool with_content) {
  return page_json(store.webhooks().list_messages(project_id, read_ahead(page), event_type), page,
                   [&](const store::WebhookEvent& m) { return message_json(m, with_content); });
}

Json get_message(store::Store& store, const std::string& project_id, const std::string& id,
                 bool with_content) {
  auto m = store.webhooks().get_message(project_id, id);
  if (!m) throw not_found();
  return message_json(*m, with_content);
}

Json create_message(store::Store& store, const std::string& project_id, const Json& body) {
  if (!body.is_object()) throw_validation("body", "must be a JSON object");
  if (!body.contains("eventType") || !body["eventType"].is_string() ||
      !is_name(body["eventType"].get<std::string>()))
    throw_validation("eventType", "must match ^[a-zA-Z0-9\\-_.]+$");
  if (!body.contains("payload") || !body["payload"].is_object())
    throw_validation("payload", "must be a JSON object");
  store::WebhookEvent e;
  e.created_at_millis = SystemClock().now_millis();
  e.id = webhooks::svix_id("msg", e.created_at_millis);
  e.project_id = project_id;
  e.type = body["eventType"].get<std::string>();
  e.payload = body["payload"].dump();
  store.webhooks().insert_events({e});
  return message_json(e, true);
}

Json list_attempts_by_endpoint(store::Store& store, const std::string& project_id,
                               const std::string& endpoint_id, const store::WebhookPage& page) {
  auto e = require_endpoint(store, project_id, endpoint_id);
  return page_json(store.webhooks().list_attempts_by_endpoint(project_id, e.id, read_ahead(page)),
                   page, attempt_json);
}

Json list_attempts_by_message(store::Store& store, const std::string& project_id,
                              const std::string& msg_id, const store::WebhookPage& page) {
  return page_json(store.webhooks().list_attempts_by_message(project_id, msg_id, read_ahead(page)),
                   page, attempt_json);
}

}  // namespace latchkey::core::webhook_admin
