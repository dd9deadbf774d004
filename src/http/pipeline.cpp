#include "http/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/webhook_admin.hpp"
#include "http/auth.hpp"
#include "http/body.hpp"
#include "http/console.hpp"
#include "mail/mailer.hpp"
#include "store/store.hpp"

namespace latchkey::http {
namespace e = core::errors;

namespace {

// The static headers of every response (overview.md §8), and with CORS for
// the API routes; pre-serialised once (Response::fixed_headers).
constexpr std::string_view kSecurityHeaders =
    "Cross-Origin-Opener-Policy: same-origin\r\n"
    "Permissions-Policy: \r\n"
    "Referrer-Policy: strict-origin-when-cross-origin\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: SAMEORIGIN\r\n"
    "Content-Security-Policy: \r\n";
// Request headers a browser may send cross-origin. Every SDK header is
// listed: Stack's own list, the two allow-* switches that SDK 2.8.39 and later
// send, and each x-stack-* name again as x-hexclave-*, the prefix SDK 2.8.108
// (after Stack's rename) sends instead. An explicit list rather than echoing
// Access-Control-Request-Headers: it is what Stack answers and it is
// cacheable; no header carries ambient authority here (no cookies, no
// Allow-Credentials), so the list guards nothing and only has to be complete.
constexpr std::string_view kStackRequestHeaders[] = {
    "project-id",
    "branch-id",
    "override-error-status",
    "random-nonce",
    "client-version",
    "disable-artificial-development-delay",
    "access-type",
    "publishable-client-key",
    "secret-server-key",
    "super-secret-admin-key",
    "admin-access-token",
    "refresh-token",
    "access-token",
    "allow-anonymous-user",
    "allow-restricted-user",
};
constexpr std::string_view kOtherRequestHeaders[] = {
    "baggage", "sentry-trace", "x-vercel-protection-bypass", "ngrok-skip-browser-warning"};

std::string cors_headers() {
  std::string allow = "content-type, authorization";
  for (std::string_view prefix : {"x-stack-", "x-hexclave-"})
    for (auto name : kStackRequestHeaders) (allow += ", ").append(prefix).append(name);
  for (auto name : kOtherRequestHeaders) (allow += ", ").append(name);
  return "Access-Control-Allow-Origin: *\r\n"
         "Access-Control-Allow-Methods: GET, POST, PUT, PATCH, DELETE, OPTIONS\r\n"
         "Access-Control-Max-Age: 86400\r\n"
         "Access-Control-Allow-Headers: " +
         allow +
         "\r\n"
         "Access-Control-Expose-Headers: content-type, x-stack-actual-status, x-stack-known-error, "
         "x-hexclave-actual-status, x-hexclave-known-error\r\n";
}
const std::string kApiHeaders = cors_headers() + std::string(kSecurityHeaders);

Response render_known(const core::KnownError& err) {
  Response r = Response::json(err.status(), err.to_json(), /*pretty=*/true);
  r.set_header("x-stack-known-error", err.code());
  // A rate limit says when to come back (errors::too_many_requests).
  if (err.status() == 429 && err.details().is_object())
    if (auto it = err.details().find("retry_after_seconds"); it != err.details().end())
      r.set_header("Retry-After", std::to_string(it->get<int64_t>()));
  return r;
}

// The API prefixes that all serve the v1 routes (overview.md §1).
std::optional<std::string_view> strip_version(std::string_view path) {
  static const std::string_view prefixes[] = {"/api/v1",      "/api/latest",  "/api/v2beta1",
                                              "/api/v2beta2", "/api/v2beta3", "/api/v2beta4"};
  for (auto p : prefixes) {
    if (path.substr(0, p.size()) == p && (path.size() == p.size() || path[p.size()] == '/')) {
      auto rest = path.substr(p.size());
      return rest.empty() ? std::string_view("/") : rest;
    }
  }
  return std::nullopt;
}

}  // namespace

Pipeline::Kind Pipeline::kind_of(const Request& req) {
  // Raw (percent-encoded) throughout, so an encoded slash is never a
  // separator here either.
  std::string_view path = req.path();
  // Before the slash redirect: the console's own paths end in '/'.
  if (is_console_path(path)) return Kind::kConsole;
  // Next.js normalises repeated and trailing slashes with a 308 (§1); the
  // Python docs' first example depends on it.
  if (path.find("//") != std::string_view::npos || (path.size() > 1 && path.back() == '/'))
    return Kind::kRedirect;
  if (path.rfind("/svix/", 0) == 0) return Kind::kSvix;
  if (path.rfind("/api/", 0) != 0 && path != "/api") return Kind::kOther;
  // CORS preflight, before routing and auth.
  if (req.method == Method::kOptions) return Kind::kPreflight;
  return Kind::kApi;
}

Router::Match Pipeline::match(const Request& req) const {
  // The /svix routes are registered with their whole path.
  if (kind_of(req) == Kind::kSvix) return router_.match(req.method, req.path());
  if (kind_of(req) != Kind::kApi) return {};
  auto rest = strip_version(req.path());
  if (!rest) return {};
  return router_.match(req.method, *rest);
}

Runs Pipeline::runs(const Request& req, const Router::Match& match) const {
  if (match.route) return match.route->runs_for ? match.route->runs_for(req) : match.route->runs;
  // The readiness check waits on the database.
  if (kind_of(req) == Kind::kOther && req.path() == "/health/ready") return Runs::kDatabase;
  if (kind_of(req) == Kind::kOther && req.method != Method::kGet && req.method != Method::kHead)
    return Runs::kDatabase;
  return Runs::kMemory;
}

std::optional<Response> Pipeline::handle(const Request& req, const Router::Match& match,
                                         bool in_memory, const SessionRead* session_read) const {
  switch (kind_of(req)) {
    case Kind::kRedirect: {
      auto norm = slash_redirect_location(req.target);
      // E.g. /%5Cevil.example/ would become /%5Cevil.example, which some
      // clients decode to /\evil.example and follow to another host: such a
      // path names no page here, so it is not redirected at all.
      if (!norm) {
        Response r = Response::text(404, "Not found");
        r.fixed_headers = kSecurityHeaders;
        return r;
      }
      Response r = Response::text(308, *norm);
      r.set_header("Location", std::move(*norm));
      r.fixed_headers = kSecurityHeaders;
      return r;
    }
    case Kind::kOther:
      return handle_other(req);
    case Kind::kConsole:
      return console_response(req, app_.console_client_key, app_.config.public_url);
    case Kind::kSvix: {
      Response r = handle_svix(req, match);
      r.fixed_headers = kSecurityHeaders;
      return r;
    }
    case Kind::kPreflight: {
      Response r = Response::empty(200);
      r.fixed_headers = kApiHeaders;
      return r;
    }
    case Kind::kApi:
      break;
  }
  std::string request_id = core::random_request_id();
  std::optional<Response> r = handle_api(req, match, request_id, in_memory, session_read);
  if (r) r->fixed_headers = kApiHeaders;
  return r;
}

std::optional<Response> Pipeline::handle_api(const Request& req, const Router::Match& match,
                                             const std::string& request_id, bool in_memory,
                                             const SessionRead* session_read) const {
  if (match.path_exists && !match.route) {
    // Not a route-handler response: no request id, no override (§7.4, §10).
    if (req.method == Method::kHead && match.has_get)
      return Response::text(405, "Method not allowed");
    return Response::empty(405);
  }

  RequestContext ctx{app_, req, request_id, match.params};
  ctx.in_memory = in_memory;
  ctx.session_read = session_read;
  if (match.route && match.route->spec) ctx.route_spec = &*match.route->spec;
  Response res;
  std::optional<std::string> known_code;  // of a known error, for its x-hexclave- twin
  try {
    ctx.body = parse_body(req);
    ctx.query = form_object(req.query);
    if (!authenticate(ctx)) return std::nullopt;  // in memory: a cache miss
    if (!match.route) {
      std::string host = req.host.empty() ? "localhost" : req.host;
      res = Response::text(
          404,
          "404 \xE2\x80\x94 this page does not exist in Stack Auth's API.\n\n"
          "Please see the API documentation at https://docs.stack-auth.com, or visit the "
          "Stack Auth dashboard at https://app.stack-auth.com.\n\nURL: http://" +
              host + req.target);
    } else {
      const Access& access = match.route->access;
      if (access.required) {
        if (!ctx.access_type) throw e::access_type_required();
        if (std::find(access.allowed.begin(), access.allowed.end(), *ctx.access_type) ==
            access.allowed.end()) {
          std::vector<std::string> allowed;
          for (auto t : access.allowed) allowed.emplace_back(access_type_name(t));
          throw e::insufficient_access_type(access_type_name(*ctx.access_type), allowed);
        }
      }
      std::optional<Response> handled = match.route->handler(ctx);
      if (!handled) {
        if (in_memory) return std::nullopt;
        throw std::logic_error("a handler running on a worker asked for the database");
      }
      res = std::move(*handled);
      if (res.content_type && res.content_type->rfind("application/json", 0) == 0) {
        auto accept = req.headers.get("accept");
        if (accept && accept->find("text/html") != std::string_view::npos) {
          res.body = Json::parse(res.body).dump(2);
        }
      }
    }
  } catch (const core::KnownError& err) {
    res = render_known(err);
    known_code = err.code();
  } catch (const core::PlainError& err) {
    res = Response::text(err.status(), err.message());
    // 503s are overload (e.g. the password-hashing queue is full): retryable.
    if (err.status() == 503) res.set_header("Retry-After", "1");
  } catch (const mail::DeliveryError& err) {
    // Stack answers a bare 500 here; say what failed (the SMTP details stay
    // in the log, under the same request id).
    spdlog::error("[{}] {} {}: {}", request_id, req.method_text, req.path(), err.what());
    res = Response::text(500,
                         "The e-mail could not be sent: the mail server did not accept it. "
                         "Nothing was changed; please try again later.\n\nRequest ID: " +
                             request_id);
  } catch (const store::StoreUnavailable& err) {
    spdlog::error("[{}] database unavailable: {}", request_id, err.what());
    res = Response::text(503, "The database is unavailable. Please try again shortly.");
    res.set_header("Retry-After", "1");
  } catch (const std::exception& err) {
    spdlog::error("[{}] {} {}: unexpected error: {}", request_id, req.method_text, req.path(),
                  err.what());
    res = Response::text(500,
                         "Something went wrong. Please make sure the data you entered is "
                         "correct.\n\nRequest ID: " +
                             request_id);
  }
  spdlog::debug("[{}] {} {} -> {}", request_id, req.method_text, req.path(), res.status);
  for (auto& [name, value] : ctx.response_headers) res.set_header(name, value);
  res.set_header("x-stack-request-id", request_id);
  res.set_header("cache-control", "no-store, max-age=0");
  // A client that speaks x-hexclave- (SDK 2.8.108) also gets the response
  // headers in that spelling; every other client gets exactly Stack's
  // headers of July 2025 (SDK 2.8.108 falls back to the x-stack- ones too).
  const bool hexclave = req.headers.any_hexclave();
  if (known_code && hexclave) res.set_header("x-hexclave-known-error", *known_code);
  // (also x-hexclave-override-error-status: Headers reads both spellings)
  if (res.status >= 400 && req.headers.get("x-stack-override-error-status")) {
    std::string status = std::to_string(res.status);
    if (hexclave) res.set_header("x-hexclave-actual-status", status);
    res.set_header("x-stack-actual-status", std::move(status));
    res.status = 200;
  }
  return res;
}

Response Pipeline::handle_svix(const Request& req, const Router::Match& match) const {
  auto svix_error = [](int status, std::string_view code, std::string_view detail) {
    return Response::json(status,
                          Json{{"code", std::string(code)}, {"detail", std::string(detail)}});
  };
  if (!match.route)
    return match.path_exists ? svix_error(405, "method_not_allowed", "Method not allowed")
                             : svix_error(404, "not_found", "Entity not found");
  std::string request_id = core::random_request_id();
  RequestContext ctx{app_, req, request_id, match.params};
  try {
    ctx.body = parse_body(req);
    ctx.query = form_object(req.query);
    return *match.route->handler(ctx);
  } catch (const core::webhook_admin::SvixError& err) {
    return Response::json(err.status(), err.to_json());
  } catch (const core::KnownError& err) {
    return svix_error(err.status(), "bad_request", err.message());
  } catch (const store::StoreUnavailable& err) {
    spdlog::error("[{}] database unavailable: {}", request_id, err.what());
    Response r = svix_error(503, "unavailable", "The database is unavailable");
    r.set_header("Retry-After", "1");
    return r;
  } catch (const std::exception& err) {
    spdlog::error("[{}] {} {}: unexpected error: {}", request_id, req.method_text, req.path(),
                  err.what());
    return svix_error(500, "internal_error", "Request ID: " + request_id);
  }
}

Response Pipeline::handle_other(const Request& req) const {
  std::string_view path = req.path();
  if (path == "/health" && req.method == Method::kGet)
    return Response::json(200, Json{{"ok", true}});
  // Readiness (README "Operations"): /health says the process answers;
  // this also asks the database, so a load balancer stops sending requests
  // to an instance whose database it cannot reach.
  if (path == "/health/ready" && req.method == Method::kGet) {
    try {
      // A real read (the store, not the read cache); the internal project
      // exists on every database the server has started on.
      app_.store->projects().get_project("internal");
      return Response::json(200, Json{{"ok", true}, {"database", "ok"}});
    } catch (const std::exception& err) {
      spdlog::warn("readiness check: the database is unreachable: {}", err.what());
      Response r = Response::json(503, Json{{"ok", false}, {"database", "unreachable"}});
      r.set_header("Retry-After", "1");
      return r;
    }
  }
  if (app_.config.test_mode && path == "/latchkey-test/clock/advance" &&
      req.method == Method::kPost) {
    Json body = Json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("millis") || !body["millis"].is_number_integer())
      return Response::text(400, "body must be {\"millis\": <integer>}");
    app_.clock->advance(body["millis"].get<int64_t>());
    return Response::json(200, Json{{"offset_millis", app_.clock->offset()}});
  }
  if (app_.config.test_mode && path == "/latchkey-test/sleep" && req.method == Method::kPost) {
    // A request that stays in flight for a while (runs on a worker): lets the
    // tests check that SIGTERM drains in-flight requests.
    Json body = Json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("millis") || !body["millis"].is_number_integer() ||
        body["millis"].get<int64_t>() < 0 || body["millis"].get<int64_t>() > 10000)
      return Response::text(400, "body must be {\"millis\": <0..10000>}");
    std::this_thread::sleep_for(std::chrono::milliseconds(body["millis"].get<int64_t>()));
    return Response::json(200, Json{{"slept_millis", body["millis"]}});
  }
  Response r = Response::text(404, "Not found");
  r.fixed_headers = kSecurityHeaders;
  return r;
}

}  // namespace latchkey::http
