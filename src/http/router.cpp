#include "http/router.hpp"

namespace latchkey::http {

static std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

static bool is_param(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

void Router::add(Method method, std::string pattern, Access access, Handler handler, Waits waits,
                 SessionHint session_hint) {
  auto segs = split_path(pattern);
  Route route{method, std::move(pattern), std::move(access), std::move(handler),
              waits,  session_hint};
  for (auto& p : patterns_) {
    if (p.segments == segs) {
      p.routes.push_back(std::move(route));
      return;
    }
  }
  patterns_.push_back({std::move(segs), {}});
  patterns_.back().routes.push_back(std::move(route));
}

Router::Match Router::match(Method method, std::string_view path) const {
  auto segs = split_path(path);
  const Pattern* best = nullptr;
  std::vector<int> best_score;
  for (const auto& p : patterns_) {
    if (p.segments.size() != segs.size()) continue;
    std::vector<int> score;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      if (is_param(p.segments[i])) {
        score.push_back(1);
      } else {
        ok = p.segments[i] == segs[i];
        score.push_back(0);
      }
    }
    if (ok && (!best || score < best_score)) {
      best = &p;
      best_score = std::move(score);
    }
  }
  Match m;
  if (!best) return m;
  m.path_exists = true;
  for (size_t i = 0; i < segs.size(); ++i)
    if (is_param(best->segments[i]))
      m.params[best->segments[i].substr(1, best->segments[i].size() - 2)] =
          url_decode(segs[i], false);
  for (const auto& r : best->routes) {
    if (r.method == Method::kGet) m.has_get = true;
    if (r.method == method) m.route = &r;
  }
  return m;
}

}  // namespace latchkey::http
