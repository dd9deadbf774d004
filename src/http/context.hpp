// What header authentication resolved for one request (overview.md §3):
// the project, the access type and the signed-in user, looked up once.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app.hpp"
#include "core/json.hpp"
#include "core/sessions.hpp"
#include "core/users.hpp"
#include "http/message.hpp"
#include "http/route_spec.hpp"
#include "http/schema.hpp"
#include "store/store.hpp"

namespace latchkey::http {

enum class AccessType { kClient, kServer, kAdmin };
std::string_view access_type_name(AccessType t);

// A route's path parameters by name, decoded (router.hpp).
using PathParams = std::map<std::string, std::string>;

// The session a refresh looks up, read before its handler ran (router.hpp
// Runs::kSessionRead): the refresh token the route's session hint found, and
// the row whose digest is that token's, as stored (nullopt: none).
struct SessionRead {
  std::string refresh_token;
  std::optional<store::Session> session;
};

struct RequestContext {
  RequestContext(App& a, const Request& r, std::string id, const PathParams& p)
      : app(a), req(r), request_id(std::move(id)), params(p) {}

  App& app;
  const Request& req;
  std::string request_id;
  // Path parameters: those of the request's one match (Pipeline::match),
  // shared by every run of the request.
  const PathParams& params;
  // The parsed body: nullopt = no body; JSON for JSON bodies, an object of
  // strings for form bodies, a string for text/plain.
  std::optional<Json> body;
  Json query;  // the query string as an object of strings (last value wins)

  // Auth (nullopt access type = the request carries no Stack auth).
  std::optional<AccessType> access_type;
  // Shared with the read cache (immutable): a request never copies them.
  std::shared_ptr<const store::Project> project;
  std::string branch_id = "main";
  std::shared_ptr<const store::User> user;
  std::optional<std::string> session_id;  // refreshTokenId of the access token
  // This run is on an I/O thread, which must not block (router.hpp Runs):
  // the read cache is only peeked (cached_*), and a handler that needs more
  // returns nullopt. Otherwise the run is on a worker and may load.
  bool in_memory = false;
  // Runs::kSessionRead: the session read before the handler ran, or null.
  const SessionRead* session_read = nullptr;
  // The route's declaration (route_spec.hpp), when it has one: the body and
  // query readers check what the handler reads against it.
  const RouteSpec* route_spec = nullptr;

  // The read cache's answers (nullptr: no such project / user): loaded on a
  // miss on a worker; in memory, nullopt on a miss.
  std::optional<std::shared_ptr<const store::Project>> cached_project(const std::string& id) const;
  std::optional<bool> cached_key_valid(const std::string& project_id, store::KeyKind kind,
                                       const std::string& digest) const;
  std::optional<std::shared_ptr<const store::User>> cached_user(const std::string& project_id,
                                                                const std::string& id) const;
  std::optional<bool> cached_session_live(const std::string& project_id,
                                          const std::string& session_id) const;

  // Headers the pipeline adds to the response whatever it is, errors
  // included (e.g. the OAuth callback always clears its cookie).
  std::vector<std::pair<std::string, std::string>> response_headers;

  bool is_server_or_admin() const {
    return access_type == AccessType::kServer || access_type == AccessType::kAdmin;
  }
  const store::Project& require_project() const;
  // What user objects in responses are rendered with (the project's rules,
  // this instance's unwritten activity).
  core::UserViewContext user_views() const {
    return {require_project().config, *app.activity, api_shape()};
  }
  // The revision of Stack's shapes this client reads (its client-version header).
  core::ApiShape api_shape() const;
  // The caller's address, user agent and shape, recorded with a session.
  core::ClientInfo client() const;
  // The client's address: the peer, or what a trusted proxy reports
  // (--trusted-proxies, core/client_address.hpp).
  std::string client_ip() const;
  // What per-address limits (sign-ups, code sends) count this request
  // under: the client's address (an IPv6 one as its /64), or "" — not
  // counted — for server and admin access, whose callers hold secret keys
  // and often act for many people from one address.
  std::string rate_limit_address() const;

  // Readers for validation; errors collect in `schema`, thrown by
  // validate() as one SCHEMA_ERROR.
  SchemaErrors schema;
  ObjectReader body_reader(bool required = true);
  ObjectReader query_reader();
  Field param(std::string_view name);
  Field header(std::string_view lower_name);
  // "auth.user must be defined" unless a user is signed in.
  void require_user_schema();
  void validate() const;

 private:
  Json params_json_;
  Json headers_json_;
};

}  // namespace latchkey::http
