#include "http/router.hpp"

#include <array>
#include <stdexcept>

namespace latchkey::http {

namespace {

// Calls f(segment) for each non-empty segment of `path` between slashes.
template <typename F>
void for_each_segment(std::string_view path, F&& f) {
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    f(path.substr(i, j - i));
    i = j;
  }
}

bool is_param(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

// The segments of a request path, each decoded once. Views into the path
// where a segment has no escape (the usual case: no allocation), into
// `decoded` where it has.
struct Segments {
  std::array<std::string_view, Router::kMaxSegments> value;
  std::array<std::string, Router::kMaxSegments> decoded;
  size_t size = 0;
  bool too_many = false;

  explicit Segments(std::string_view raw_path) {
    for_each_segment(raw_path, [this](std::string_view raw) {
      if (size == Router::kMaxSegments) {
        too_many = true;
        return;
      }
      if (raw.find('%') == std::string_view::npos) {
        value[size] = raw;
      } else {
        decoded[size] = url_decode(raw, false);
        value[size] = decoded[size];
      }
      ++size;
    });
  }
};

}  // namespace

void Router::add(Method method, std::string pattern, Access access, Handler handler, Runs runs,
                 SessionHint session_hint) {
  add_route({.method = method,
             .pattern = std::move(pattern),
             .access = std::move(access),
             .handler = std::move(handler),
             .runs = runs,
             .session_hint = session_hint});
}

void Router::add(Method method, std::string pattern, Access access, Handler handler, Runs runs,
                 RouteSpec spec, SessionHint session_hint) {
  add_route({.method = method,
             .pattern = std::move(pattern),
             .access = std::move(access),
             .handler = std::move(handler),
             .runs = runs,
             .session_hint = session_hint,
             .spec = std::move(spec)});
}

void Router::add(Method method, std::string pattern, Access access, Handler handler,
                 RunsFor runs_for, RouteSpec spec) {
  add_route({.method = method,
             .pattern = std::move(pattern),
             .access = std::move(access),
             .handler = std::move(handler),
             .runs_for = runs_for,
             .spec = std::move(spec)});
}

void Router::add_route(Route route) {
  const std::string& pattern = route.pattern;
  Pattern parsed;
  for_each_segment(pattern, [&](std::string_view seg) { parsed.segments.emplace_back(seg); });
  if (parsed.segments.size() > kMaxSegments)
    throw std::logic_error("route pattern has too many segments: " + pattern);
  for (size_t i = 0; i < parsed.segments.size(); ++i) {
    auto& seg = parsed.segments[i];
    if (is_param(seg)) {
      seg = seg.substr(1, seg.size() - 2);
      parsed.param_mask |= uint32_t{1} << (parsed.segments.size() - 1 - i);
    }
  }
  if (route.runs == Runs::kSessionRead && !route.session_hint)
    throw std::logic_error("a session-read route needs a session hint: " + pattern);
  for (auto& p : patterns_) {
    if (p.segments == parsed.segments && p.param_mask == parsed.param_mask) {
      p.routes.push_back(std::move(route));
      return;
    }
  }
  parsed.routes.push_back(std::move(route));
  patterns_.push_back(std::move(parsed));
}

Router::Match Router::match(Method method, std::string_view path) const {
  Segments segs(path);
  Match m;
  if (segs.too_many) return m;
  const Pattern* best = nullptr;
  for (const auto& p : patterns_) {
    if (p.segments.size() != segs.size) continue;
    if (best && p.param_mask >= best->param_mask) continue;
    bool ok = true;
    for (size_t i = 0; i < segs.size && ok; ++i)
      ok = p.is_param(i) || p.segments[i] == segs.value[i];
    if (ok) best = &p;
  }
  if (!best) return m;
  m.path_exists = true;
  for (size_t i = 0; i < segs.size; ++i)
    if (best->is_param(i)) m.params.emplace(best->segments[i], segs.value[i]);
  for (const auto& r : best->routes) {
    if (r.method == Method::kGet) m.has_get = true;
    if (r.method == method) m.route = &r;
  }
  return m;
}

std::vector<const Route*> Router::routes() const {
  std::vector<const Route*> out;
  for (const auto& p : patterns_)
    for (const auto& r : p.routes) out.push_back(&r);
  return out;
}

}  // namespace latchkey::http
