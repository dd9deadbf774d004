#include "http/console.hpp"

#include "http/static_files.hpp"

namespace latchkey::http {

namespace {

// No inline script or style anywhere in the console: everything it runs and
// shows comes from its own files and its own origin's API. Profile images
// of users may be on other https hosts.
constexpr std::string_view kConsoleHeaders =
    "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'\r\n"
    "Cross-Origin-Opener-Policy: same-origin\r\n"
    "Cross-Origin-Resource-Policy: same-origin\r\n"
    "Permissions-Policy: camera=(), microphone=(), geolocation=()\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n";

// The frame the template page shows a rendered e-mail in (preview.html):
// e-mails are styled inline, which the console's policy refuses and a srcdoc
// or blob: frame would inherit, so this page has a policy of its own:
// inline style and images, no script, no requests of any other kind, and
// only the console may frame it.
constexpr std::string_view kPreviewHeaders =
    "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'\r\n"
    "Cross-Origin-Opener-Policy: same-origin\r\n"
    "Cross-Origin-Resource-Policy: same-origin\r\n"
    "Permissions-Policy: camera=(), microphone=(), geolocation=()\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: SAMEORIGIN\r\n";
constexpr std::string_view kPreviewPage = "preview.html";

constexpr std::string_view kPrefix = "/console/";

const StaticFiles& files() {
  static const StaticFiles f(console_files());
  return f;
}

Response with_headers(Response r) {
  r.fixed_headers = kConsoleHeaders;
  return r;
}

}  // namespace

bool is_console_path(std::string_view path) {
  return path == "/console" || path.rfind(kPrefix, 0) == 0;
}

Response console_response(const Request& req, std::string_view client_key,
                          std::string_view public_url) {
  std::string_view path = req.path();
  if (req.method != Method::kGet && req.method != Method::kHead) {
    Response r = Response::text(405, "Method not allowed");
    r.set_header("Allow", "GET, HEAD");
    return with_headers(std::move(r));
  }
  if (path == "/console") {
    Response r = Response::text(308, "/console/");
    r.set_header("Location", "/console/");
    return with_headers(std::move(r));
  }
  std::string_view name = path.substr(kPrefix.size());
  if (name == "config.json") {
    Response r = Response::json(200, Json{{"project_id", "internal"},
                                          {"publishable_client_key", std::string(client_key)},
                                          {"public_url", std::string(public_url)}});
    r.set_header("Cache-Control", "no-store");
    return with_headers(std::move(r));
  }
  if (const auto* asset = files().find(name)) {
    Response r = with_headers(StaticFiles::respond(req, *asset));
    if (name == kPreviewPage) r.fixed_headers = kPreviewHeaders;
    return r;
  }
  // A deep link of the single-page app (/console/projects/…) gets the index;
  // a missing file (a name with an extension) is a 404.
  auto last_slash = name.rfind('/');
  std::string_view last = last_slash == std::string_view::npos ? name : name.substr(last_slash + 1);
  if (last.find('.') != std::string_view::npos || name.find("//") != std::string_view::npos)
    return with_headers(Response::text(404, "Not found"));
  const auto* index = files().find("index.html");
  if (!index) return with_headers(Response::text(404, "Not found"));
  return with_headers(StaticFiles::respond(req, *index));
}

}  // namespace latchkey::http
