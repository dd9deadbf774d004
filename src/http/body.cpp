#include "http/body.hpp"

#include <unordered_map>

#include "core/errors.hpp"
#include "core/json_extent.hpp"

namespace latchkey::http {
namespace e = core::errors;

Json form_object(const std::vector<std::pair<std::string, std::string>>& fields) {
  // As Json[k] = v for each field (the first position of a name, its last
  // value), but appending without Json's linear search for the name, which
  // made a form of many fields quadratic.
  Json j = Json::object();
  auto& members = static_cast<Json::object_t::Container&>(j.get_ref<Json::object_t&>());
  std::unordered_map<std::string, size_t> index;
  for (const auto& [k, v] : fields) {
    std::string key = sanitize_utf8(k);
    auto [at, inserted] = index.try_emplace(key, members.size());
    if (inserted)
      members.emplace_back(std::move(key), sanitize_utf8(v));
    else
      members[at->second].second = sanitize_utf8(v);
  }
  return j;
}

// §5: GET bodies are never parsed.
std::optional<Json> parse_body(const Request& req) {
  if (req.method == Method::kGet || req.method == Method::kHead) return std::nullopt;
  auto ct_header = req.headers.get("content-type");
  if (!ct_header || ct_header->empty()) return std::nullopt;
  std::string_view ct = *ct_header;
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  if (ct == "application/json") {
    // Nesting is bounded so that no later recursive walk (validation
    // messages, serialisation) can exhaust a worker's stack, and objects'
    // sizes so that parsing stays linear (core/json_extent.hpp).
    const core::JsonExtent extent = core::json_extent(req.body, kMaxJsonDepth);
    if (extent.depth > kMaxJsonDepth || extent.widest_object > kMaxJsonObjectMembers)
      throw e::body_parsing_error("Invalid JSON in request body");
    Json j = Json::parse(sanitize_utf8(req.body), nullptr, false);
    if (j.is_discarded()) throw e::body_parsing_error("Invalid JSON in request body");
    return j;
  }
  if (ct == "application/x-www-form-urlencoded") return form_object(parse_query(req.body));
  if (ct == "text/plain") return Json(sanitize_utf8(req.body));
  if (ct == "application/octet-stream") return Json(sanitize_utf8(req.body));
  throw e::body_parsing_error("Unknown content type in request body: " + std::string(ct));
}

std::string sanitize_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    unsigned char c = in[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= in.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) >> 6) == 2;
    if (ok && len == 2) ok = c >= 0xC2;
    if (ok && len == 3) {
      unsigned char c1 = in[i + 1];
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    }
    if (ok && len == 4) {
      unsigned char c1 = in[i + 1];
      ok = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      i += 1;
    }
  }
  return out;
}

}  // namespace latchkey::http
