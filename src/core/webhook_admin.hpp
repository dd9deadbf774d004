// The Svix-compatible management API's operations (served under /svix by
// api/svix.cpp): the project's application, its endpoints and their
// secrets, messages and attempts, in Svix's JSON shapes (camelCase fields,
// RFC 3339 times, {data, iterator, prevIterator, done} pages), and the
// tokens POST /webhooks/svix-token issues for it.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::core::webhook_admin {

// An error as Svix answers it: {"code", "detail"} with the status, or, for
// a validation error (422), {"detail": [{"loc", "msg", "type"}]}.
class SvixError : public std::runtime_error {
 public:
  SvixError(int status, std::string code, std::string detail)
      : std::runtime_error(detail), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  Json to_json() const;

 private:
  int status_;
  std::string code_;
};
[[noreturn]] void throw_validation(const std::string& field, const std::string& msg);

// Tokens: `sk_latchkey_<random>`, scoped to one project's application,
// stored as sha256 digests, valid 7 days (Svix's app-portal default).
std::string issue_token(store::Store& store, const Clock& clock, const std::string& project_id);
// The project a Bearer token is for (401 unless valid).
std::string authenticate(store::Store& store, const Clock& clock,
                         const std::optional<std::string>& authorization_header);
// The application named in a path, by id or uid (the project id), if it is
// the token's (404 otherwise, as Svix answers for another's).
store::WebhookApp require_app(store::Store& store, const Clock& clock,
                              const std::string& token_project, const std::string& app_id_or_uid);
store::WebhookApp ensure_app(store::Store& store, const Clock& clock,
                             const std::string& project_id);

Json app_json(const store::WebhookApp& a);
// GET /app: the token's application only.
Json list_apps(const store::WebhookApp& a);

// Page options from the query (limit 1..250, default 50; iterator).
store::WebhookPage page_of(const Json& query);

// POST/PUT/PATCH bodies (already JSON objects; validated here, 422 on a bad
// field). `patch`: absent fields are kept.
Json create_endpoint(store::Store& store, const Clock& clock, const std::string& project_id,
                     const Json& body);
Json list_endpoints(store::Store& store, const std::string& project_id,
                    const store::WebhookPage& page);
Json get_endpoint(store::Store& store, const std::string& project_id, const std::string& id);
Json update_endpoint(store::Store& store, const Clock& clock, const std::string& project_id,
                     const std::string& id, const Json& body, bool patch);
void delete_endpoint(store::Store& store, const std::string& project_id, const std::string& id);
Json get_endpoint_secret(store::Store& store, const std::string& project_id, const std::string& id);
// A new secret (the body's `key`, or a random one).
void rotate_endpoint_secret(store::Store& store, const Clock& clock, const std::string& project_id,
                            const std::string& id, const Json& body);

Json list_messages(store::Store& store, const std::string& project_id,
                   const store::WebhookPage& page, const std::optional<std::string>& event_type,
                   bool with_content);
Json get_message(store::Store& store, const std::string& project_id, const std::string& id,
                 bool with_content);
// POST /msg: a message sent by the operator ({eventType, payload}).
Json create_message(store::Store& store, const std::string& project_id, const Json& body);

Json list_attempts_by_endpoint(store::Store& store, const std::string& project_id,
                               const std::string& endpoint_id, const store::WebhookPage& page);
Json list_attempts_by_message(store::Store& store, const std::string& project_id,
                              const std::string& msg_id, const store::WebhookPage& page);

// RFC 3339 UTC with milliseconds ("2025-07-08T12:34:56.789Z").
std::string rfc3339(int64_t millis);

}  // namespace latchkey::core::webhook_admin
