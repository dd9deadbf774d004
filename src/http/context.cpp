#include "http/context.hpp"

#include <stdexcept>

#include "core/errors.hpp"
#include "store/read_cache.hpp"

namespace latchkey::http {

std::string_view access_type_name(AccessType t) {
  switch (t) {
    case AccessType::kClient:
      return "client";
    case AccessType::kServer:
      return "server";
    case AccessType::kAdmin:
      return "admin";
  }
  return "client";
}

const store::Project& RequestContext::require_project() const {
  if (!project) throw std::logic_error("route needs a project but auth resolved none");
  return *project;
}

core::ApiShape RequestContext::api_shape() const {
  return core::api_shape_of(req.headers.get("x-stack-client-version"),
                            req.headers.get("x-stack-access-type").has_value());
}

core::ClientInfo RequestContext::client() const {
  auto ua = req.headers.get("user-agent");
  return {client_ip(), ua ? std::string(*ua) : std::string(), api_shape()};
}

std::string RequestContext::rate_limit_address() const {
  if (is_server_or_admin()) return {};
  return core::rate_limit_key(client_ip());
}

std::string RequestContext::client_ip() const {
  if (app.config.trusted_proxies.empty()) return req.remote_ip;
  return core::client_address(req.remote_ip, req.headers.get("x-forwarded-for"),
                              app.config.trusted_proxies);
}

std::optional<std::shared_ptr<const store::Project>> RequestContext::cached_project(
    const std::string& id) const {
  if (in_memory) return app.cache->peek_project(id);
  return app.cache->get_project(id);
}

std::optional<bool> RequestContext::cached_key_valid(const std::string& project_id,
                                                     store::KeyKind kind,
                                                     const std::string& digest) const {
  int64_t now = app.clock->now_millis();
  if (in_memory) return app.cache->peek_valid_key(project_id, kind, digest, now);
  return app.cache->is_valid_key(project_id, kind, digest, now);
}

std::optional<std::shared_ptr<const store::User>> RequestContext::cached_user(
    const std::string& project_id, const std::string& id) const {
  if (in_memory) return app.cache->peek_user(project_id, id);
  return app.cache->get_user(project_id, id);
}

std::optional<bool> RequestContext::cached_session_live(const std::string& project_id,
                                                        const std::string& session_id) const {
  int64_t now = app.clock->now_millis();
  if (in_memory) return app.cache->peek_live_session(project_id, session_id, now);
  return app.cache->is_live_session(project_id, session_id, now);
}

// A route that declares itself declares its body and query too (an empty
// ObjectSpec when it takes no fields), so the document lists all it reads.
static const ObjectSpec* declared(const RouteSpec* route, const ObjectSpec* part,
                                  std::string_view what) {
  if (route && !part)
    throw std::logic_error("the handler reads a " + std::string(what) +
                           ", which its route does not declare");
  return part;
}

ObjectReader RequestContext::body_reader(bool required) {
  const ObjectSpec* spec = declared(route_spec, route_spec ? route_spec->body : nullptr, "body");
  if (spec && spec->optional == required)
    throw std::logic_error(
        "the route's declaration and its handler disagree on whether the "
        "body is required");
  return ObjectReader("body", body ? &*body : nullptr, schema, required, spec);
}

ObjectReader RequestContext::query_reader() {
  const ObjectSpec* spec = declared(route_spec, route_spec ? route_spec->query : nullptr, "query");
  return ObjectReader("query", &query, schema, true, spec);
}

Field RequestContext::param(std::string_view name) {
  if (!params_json_.is_object()) {
    params_json_ = Json::object();
    for (const auto& [k, v] : params) params_json_[k] = v;
  }
  auto it = params_json_.find(std::string(name));
  return Field("params." + std::string(name), it == params_json_.end() ? nullptr : &*it, schema);
}

Field RequestContext::header(std::string_view lower_name) {
  if (!headers_json_.is_object()) headers_json_ = Json::object();
  auto v = req.headers.get(lower_name);
  const Json* p = nullptr;
  if (v) {
    headers_json_[std::string(lower_name)] = std::string(*v);
    p = &headers_json_[std::string(lower_name)];
  }
  return Field("headers." + std::string(lower_name), p, schema);
}

void RequestContext::require_user_schema() {
  if (!user) schema.add("auth.user must be defined");
}

void RequestContext::validate() const { schema.throw_if_any(req.method_text, req.path()); }

}  // namespace latchkey::http
