// Latchkey's per-project throttles (README "Security"), on a route of their
// own so that Stack's project shapes stay as they are:
//   GET   /internal/projects/current/rate-limits
//   PATCH /internal/projects/current/rate-limits
//         {"sign_in_failures_per_account": "5/15min", "sign_ups_per_ip": null}
// A value replaces the server's flag for this project; null goes back to it.
#include "core/project_rate_limits.hpp"

#include "api/routes.hpp"

namespace latchkey::api {

namespace {

Response get_limits(RequestContext& ctx) {
  return Response::json(200, core::project_rate_limits_view(ctx.require_project().config,
                                                            ctx.app.rate_limits->options()));
}

Response patch_limits(RequestContext& ctx) {
  auto body = ctx.body_reader();
  if (!body.valid()) ctx.validate();
  core::ProjectRateLimitChanges changes;
  for (core::Limit l : core::kAllLimits) {
    Field f = body.field(core::limit_name(l));
    if (!f.present()) continue;
    if (!core::limit_per_project(l)) {
      f.add_error("is server-wide and cannot be set per project (latchkey serve " +
                  core::limit_flag(l) + ")");
      continue;
    }
    auto value = f.nullable_string(64);
    if (!value.present) continue;  // a wrong type, already recorded
    if (!value.value) {
      changes.emplace_back(l, std::nullopt);
    } else if (auto parsed = core::parse_project_rate_limit(*value.value)) {
      changes.emplace_back(l, *parsed);
    } else {
      f.add_error(core::project_rate_limit_rule());
    }
  }
  body.reject_unknown();
  ctx.validate();
  auto p = core::update_project_rate_limits(*ctx.app.store, ctx.require_project(), changes);
  return Response::json(200,
                        core::project_rate_limits_view(p.config, ctx.app.rate_limits->options()));
}

// patch_limits' body (route_spec.hpp): a field per limit; the server-wide
// ones are refused with a message saying so. Built at registration, after
// the core tables it reads are.
ObjectSpec make_limits_body() {
  ObjectSpec spec;
  for (core::Limit l : core::kAllLimits) {
    FieldSpec f = string_field(core::limit_name(l));
    if (core::limit_per_project(l))
      f = std::move(f).nullable().max(64).describe(core::project_rate_limit_rule() +
                                                   " null: the server's flag.");
    else
      f = std::move(f).describe("Server-wide: refused here (latchkey serve " + core::limit_flag(l) +
                                ").");
    spec.fields.push_back(std::move(f));
  }
  return spec;
}

}  // namespace

void register_project_rate_limit_routes(Router& r) {
  static const ObjectSpec limits_body = make_limits_body();
  // The project is the request's context: answered from memory.
  r.add(Method::kGet, "/internal/projects/current/rate-limits", Access::admin(), get_limits,
        Runs::kMemory,
        {.summary = "The project's throttles (Latchkey's own route).",
         .response = &shapes::rate_limits()});
  r.add(Method::kPatch, "/internal/projects/current/rate-limits", Access::admin(), patch_limits,
        Runs::kDatabase,
        {.summary = "Set the project's throttles, e.g. \"5/15min\"; null goes back to the "
                    "server's flag.",
         .body = &limits_body,
         .errors = {"PROJECT_NOT_FOUND"},
         .response = &shapes::rate_limits()});
}

}  // namespace latchkey::api
