#include "http/static_files.hpp"

#include <algorithm>

#include "core/crypto.hpp"

namespace latchkey::http {

std::string content_type_for(std::string_view path) {
  static const std::pair<std::string_view, std::string_view> types[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
  };
  for (auto [ext, type] : types)
    if (path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext)
      return std::string(type);
  return "application/octet-stream";
}

StaticFiles::StaticFiles(const std::vector<EmbeddedFile>& files) {
  for (const auto& f : files) {
    Asset a{f.bytes, content_type_for(f.path), ""};
    a.etag = "\"" + core::sha256_hex(f.bytes).substr(0, 32) + "\"";
    assets_.emplace_back(std::string(f.path), std::move(a));
  }
  std::sort(assets_.begin(), assets_.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
}

const StaticFiles::Asset* StaticFiles::find(std::string_view path) const {
  auto it = std::lower_bound(assets_.begin(), assets_.end(), path,
                             [](const auto& entry, std::string_view p) { return entry.first < p; });
  if (it == assets_.end() || it->first != path) return nullptr;
  return &it->second;
}

namespace {

// Whether an If-None-Match list names `etag` (weak or strong, or "*").
bool etag_matches(std::string_view header, std::string_view etag) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t comma = header.find(',', pos);
    std::string_view item =
        header.substr(pos, comma == std::string_view::npos ? header.size() - pos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.rfind("W/", 0) == 0) item.remove_prefix(2);
    if (item == etag || item == "*") return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

}  // namespace

Response StaticFiles::respond(const Request& req, const Asset& asset) {
  Response r;
  auto inm = req.headers.get("if-none-match");
  if (inm && etag_matches(*inm, asset.etag)) {
    r.status = 304;
  } else {
    r.status = 200;
    r.body = std::string(asset.bytes);
    r.content_type = asset.content_type;
  }
  r.set_header("ETag", asset.etag);
  r.set_header("Cache-Control", "no-cache");
  return r;
}

}  // namespace latchkey::http
