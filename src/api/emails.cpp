// The sent-e-mail log: GET /internal/emails (emails.md §5.1).
#include "api/routes.hpp"
#include "core/email_codes.hpp"

namespace latchkey::api {

namespace {

constexpr int kListLimit = 100;

Response list_emails(RequestContext& ctx) {
  ctx.query_reader().reject_unknown();
  ctx.validate();
  Json items = Json::array();
  for (const auto& m :
       core::recent_sent_emails(*ctx.app.store, ctx.require_project().id, kListLimit)) {
    items.push_back(Json{{"id", m.id},
                         {"subject", m.subject},
                         {"sent_at_millis", m.sent_at_millis},
                         {"to", m.to},
                         {"sender_config", m.sender_config},
                         {"error", m.error}});
  }
  return Response::json(200, Json{{"items", items}, {"is_paginated", false}});
}

}  // namespace

void register_email_routes(Router& r) {
  r.add(Method::kGet, "/internal/emails", Access::admin(), list_emails);
}

}  // namespace latchkey::api
