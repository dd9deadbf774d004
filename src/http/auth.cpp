#include "http/auth.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "core/errors.hpp"

namespace latchkey::http {
namespace e = core::errors;

namespace {

std::optional<AccessType> parse_access_type(std::string_view s) {
  if (s == "client") return AccessType::kClient;
  if (s == "server") return AccessType::kServer;
  if (s == "admin") return AccessType::kAdmin;
  return std::nullopt;
}

bool manages_project(const store::User& u, const std::string& project_id) {
  const Json& meta = u.server_metadata;
  if (!meta.is_object()) return false;
  auto it = meta.find("managedProjectIds");
  if (it == meta.end() || !it->is_array()) return false;
  return std::any_of(it->begin(), it->end(), [&](const Json& v) {
    return v.is_string() && v.get_ref<const std::string&>() == project_id;
  });
}

// §3.3: the admin access token replaces the key check. false: the request
// needs the database (in memory, a read the cache cannot answer).
bool check_admin_access_token(RequestContext& ctx, std::string_view token,
                              const std::string& project_id) {
  auto result = ctx.app.tokens->verify(token);
  if (auto* err = std::get_if<core::TokenError>(&result)) {
    if (err->failure == core::TokenFailure::kExpired)
      throw e::admin_access_token_expired(err->expired_at_millis);
    throw e::unparsable_admin_access_token();
  }
  const auto& claims = std::get<core::AccessTokenClaims>(result);
  if (claims.aud != "internal") throw e::admin_access_token_is_not_admin();
  auto user = ctx.cached_user("internal", claims.sub);
  if (!user) return false;
  if (!*user)
    throw core::PlainError(401,
                           "The user associated with the admin access token is no longer valid. "
                           "Please refresh the admin access token and try again.");
  if (!manages_project(**user, project_id)) throw e::admin_access_token_is_not_admin();
  auto project = ctx.cached_project(project_id);
  if (!project) return false;
  if (!*project) throw e::invalid_project_for_admin_access_token();
  return true;
}

// false: the request needs the database (as above).
bool check_key(RequestContext& ctx, AccessType type, const std::string& project_id) {
  const auto& h = ctx.req.headers;
  std::optional<std::string_view> key;
  store::KeyKind kind{};
  switch (type) {
    case AccessType::kClient:
      key = h.get_nonempty("x-stack-publishable-client-key");
      if (!key) throw e::client_authentication_required();
      kind = store::KeyKind::kPublishableClient;
      break;
    case AccessType::kServer:
      key = h.get_nonempty("x-stack-secret-server-key");
      if (!key) throw e::server_authentication_required();
      kind = store::KeyKind::kSecretServer;
      break;
    case AccessType::kAdmin:
      key = h.get_nonempty("x-stack-super-secret-admin-key");
      if (!key) throw e::admin_authentication_required();
      kind = store::KeyKind::kSuperSecretAdmin;
      break;
  }
  // Keys are stored as digests: the lookup compares digests, so the key
  // itself is never compared byte by byte.
  auto valid = ctx.cached_key_valid(project_id, kind, core::sha256_hex(*key));
  if (!valid) return false;
  if (*valid) return true;
  switch (type) {
    case AccessType::kClient:
      throw e::invalid_publishable_client_key(project_id);
    case AccessType::kServer:
      throw e::invalid_secret_server_key(project_id);
    case AccessType::kAdmin:
      throw e::invalid_super_secret_admin_key(project_id);
  }
  return false;  // not reached
}

}  // namespace

bool authenticate(RequestContext& ctx) {
  const auto& h = ctx.req.headers;
  auto type_header = h.get_nonempty("x-stack-access-type");
  auto admin_token = h.get_nonempty("x-stack-admin-access-token");
  if (!type_header) {
    if (h.get_nonempty("x-stack-publishable-client-key") ||
        h.get_nonempty("x-stack-secret-server-key") ||
        h.get_nonempty("x-stack-super-secret-admin-key") || admin_token)
      throw e::project_key_without_access_type();
    return true;  // no auth; the access token is not looked at
  }
  auto type = parse_access_type(*type_header);
  if (!type) throw e::invalid_access_type(*type_header);
  auto project_header = h.get_nonempty("x-stack-project-id");
  if (!project_header) throw e::access_type_without_project_id(*type_header);
  const std::string project_id(*project_header);
  // An empty branch header is not "absent" (quirk kept: it names no branch).
  auto branch = h.get("x-stack-branch-id");
  ctx.branch_id = branch ? std::string(*branch) : "main";

  std::optional<core::AccessTokenClaims> claims;
  if (auto token = h.get_nonempty("x-stack-access-token")) {
    auto result = ctx.app.tokens->verify(*token);
    if (auto* err = std::get_if<core::TokenError>(&result)) {
      if (err->failure == core::TokenFailure::kExpired)
        throw e::access_token_expired(err->expired_at_millis);
      throw e::unparsable_access_token();
    }
    claims = std::get<core::AccessTokenClaims>(std::move(result));
    if (claims->aud != project_id)
      throw e::invalid_project_for_access_token(project_id, claims->aud);
  }

  if (h.get("x-stack-development-override-key"))
    throw core::PlainError(
        401, "Development key override is only allowed in development or test environments");
  if (!(admin_token ? check_admin_access_token(ctx, *admin_token, project_id)
                    : check_key(ctx, *type, project_id)))
    return false;

  auto project = ctx.cached_project(project_id);
  if (!project) return false;
  ctx.project = std::move(*project);
  if (!ctx.project) throw e::project_not_found(project_id);
  if (ctx.branch_id != "main") throw e::branch_does_not_exist(ctx.branch_id);
  ctx.access_type = type;
  if (claims) {
    // A user deleted since the token was issued: the request is signed out.
    auto user = ctx.cached_user(project_id, claims->sub);
    if (!user) return false;
    ctx.user = std::move(*user);
    if (ctx.user) ctx.session_id = claims->refresh_token_id;
    // --refuse-revoked-access-tokens: a token whose session was signed out
    // or revoked is refused (within the cache TTL on other instances), as
    // expired, so that an SDK tries its refresh token, which fails, and
    // signs out. Off by default, as in Stack: a token lives until it expires.
    if (ctx.user && ctx.app.config.refuse_revoked_access_tokens) {
      if (!claims->refresh_token_id) throw e::access_token_expired(std::nullopt);
      auto live = ctx.cached_session_live(project_id, *claims->refresh_token_id);
      if (!live) return false;
      if (!*live) throw e::access_token_expired(std::nullopt);
    }
  }
  return true;
}

}  // namespace latchkey::http
