// Request pieces shared by the team families (teams, team_permissions,
// team_invitations): ids from paths and queries (UUIDs, `me`, permission
// ids), the signed-in caller, and the success envelopes.
#pragma once
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "api/routes.hpp"
#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/permissions.hpp"
#include "http/context.hpp"
#include "http/schema.hpp"

namespace latchkey::api::team_request {

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The signed-in user, where a missing one means "authenticate first"
// (401 USER_AUTHENTICATION_REQUIRED).
inline const store::User& authenticated_user(RequestContext& ctx) {
  if (!ctx.user) throw core::errors::user_authentication_required();
  return *ctx.user;
}

// The signed-in user, where a missing one is a request about "me" without a
// user (400 CANNOT_GET_OWN_USER_WITHOUT_USER).
inline const store::User& own_user(RequestContext& ctx) {
  if (!ctx.user) throw core::errors::cannot_get_own_user_without_user();
  return *ctx.user;
}

// A UUID (stored lower-case, so matched whatever its case); nullopt when
// absent or invalid (then recorded).
inline std::optional<std::string> uuid_of(Field f, bool required) {
  auto id = f.uuid(required);
  if (!id) return std::nullopt;
  return lower(*id);
}

// A user id that may be `me`, the user of the access token.
inline std::optional<std::string> user_id_of(RequestContext& ctx, Field f, bool required) {
  auto id = f.string(required);
  if (!id) return std::nullopt;
  if (*id == "me") return own_user(ctx).id;
  if (!core::is_uuid(*id)) {
    f.add_error("must be a valid UUID");
    return std::nullopt;
  }
  return lower(*id);
}

// A permission id (teams.md §6.2), any kind; problems are recorded without
// a path prefix, as the reference words them.
inline std::optional<std::string> permission_id_of(Field f, SchemaErrors& errors, bool required) {
  auto id = f.string(required);
  if (!id) return std::nullopt;
  if (auto problem = core::permission_id_problem(*id)) {
    errors.add(*problem);
    return std::nullopt;
  }
  return id;
}

inline Response success() { return Response::json(200, Json{{"success", true}}); }

inline Response list_response(Json items) {
  return Response::json(200, Json{{"items", std::move(items)}, {"is_paginated", false}});
}

}  // namespace latchkey::api::team_request
