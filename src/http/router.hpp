// Maps (method, path below the version prefix) to a route. Patterns use
// {name} segments; a literal segment wins over a parameter
// (/users/me before /users/{user_id}).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/context.hpp"
#include "http/message.hpp"
#include "http/route_spec.hpp"

namespace latchkey::http {

// A route's handler. nullopt: the request needs the database after all
// (something it needs is not in the read cache); only a handler running in
// memory (RequestContext::in_memory) answers that, and the server then runs
// the request again on a worker. A handler returning Response converts.
using Handler = std::function<std::optional<Response>(RequestContext&)>;

// Who may call a route (endpoints-index.md): `required` false means auth is
// optional (header auth still runs when headers are sent).
struct Access {
  bool required = false;
  std::vector<AccessType> allowed;

  static Access any() { return {}; }
  static Access client_plus() {
    return {true, {AccessType::kClient, AccessType::kServer, AccessType::kAdmin}};
  }
  static Access server_plus() { return {true, {AccessType::kServer, AccessType::kAdmin}}; }
  static Access admin() { return {true, {AccessType::kAdmin}}; }
};

// Where a route's handler runs; the server decides once per request, by
// this, before running it (nothing below http/ knows about threads).
// kMemory: on the I/O thread that parsed the request, when the request's
//   context (project, key validity, signed-in user) is in the read cache;
//   the handler touches nothing but the context (and the read cache, through
//   RequestContext::cached_*). On a miss the request runs on a worker.
// kDatabase: on a worker (--worker-threads).
// kLong: on a pool of its own (--long-worker-threads): a password hash, an
//   e-mail server or an OAuth provider, so a burst of sign-ins cannot occupy
//   the workers that serve refreshes and reads, and those stay few (one per
//   core: more runnable threads than cores only adds context switches).
// kSessionRead: a refresh, whose one read is the session by refresh-token
//   digest and which changes nothing before that read. Where the store reads
//   without blocking (PostgreSQL, Store::open_async_reads) the I/O thread
//   reads the session of the route's session_hint, then runs the handler
//   itself with that row in RequestContext::session_read, in memory. Without
//   a hint, on SQLite, or when that read fails: on a worker, whose handler
//   reads the session itself.
enum class Runs { kMemory, kDatabase, kLong, kSessionRead };

// For a kSessionRead route: the refresh token the request will look up, when
// the request alone tells it; the server reads that token's session before
// running the handler. nullopt, or no hint: the handler reads it, on a worker.
using SessionHint = std::optional<std::string> (*)(const Request& req);

// For a route whose requests differ in how they run: where this one runs
// (e.g. GET /users runs long when it searches).
using RunsFor = Runs (*)(const Request& req);

struct Route {
  Method method;
  std::string pattern;
  Access access;
  Handler handler;
  Runs runs = Runs::kDatabase;
  SessionHint session_hint = nullptr;
  RunsFor runs_for = nullptr;  // when set, decides instead of `runs`
  // Its body, query and errors, when declared (route_spec.hpp): the OpenAPI
  // document's, and what the request readers check the handler against.
  std::optional<RouteSpec> spec = std::nullopt;
};

class Router {
 public:
  void add(Method method, std::string pattern, Access access, Handler handler,
           Runs runs = Runs::kDatabase, SessionHint session_hint = nullptr);
  // With the route's declaration (route_spec.hpp).
  void add(Method method, std::string pattern, Access access, Handler handler, Runs runs,
           RouteSpec spec, SessionHint session_hint = nullptr);
  // A declared route whose requests run where `runs_for` says (never
  // kSessionRead).
  void add(Method method, std::string pattern, Access access, Handler handler, RunsFor runs_for,
           RouteSpec spec);

  struct Match {
    const Route* route = nullptr;  // set when method and path match
    bool path_exists = false;      // some route has this path (405 otherwise)
    bool has_get = false;          // the path has a GET route (HEAD → 405 text)
    PathParams params;
  };
  // `path` is the raw path, still percent-encoded: it is split at its own
  // slashes, then each segment is decoded once, so an encoded slash (%2F)
  // stays inside its segment and %252F becomes the text %2F. Literal
  // segments compare with the decoded text; parameters take it.
  Match match(Method method, std::string_view path) const;

  // No pattern has more segments than this (add() refuses longer ones), so
  // a request path is split without allocating.
  static constexpr size_t kMaxSegments = 16;

  // Every route, grouped by path (the OpenAPI document lists them).
  std::vector<const Route*> routes() const;

 private:
  struct Pattern {
    std::vector<std::string> segments;  // a literal, or a parameter's name
    // Bit (size - 1 - i) is set when segment i is a parameter: of two
    // patterns that match, the smaller mask has its first literal earlier.
    uint32_t param_mask = 0;
    std::vector<Route> routes;
    bool is_param(size_t i) const { return param_mask >> (segments.size() - 1 - i) & 1; }
  };
  void add_route(Route route);
  std::vector<Pattern> patterns_;
};

}  // namespace latchkey::http
