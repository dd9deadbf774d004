// Request pieces shared by the e-mail and code endpoints (auth_otp,
// auth_password_reset, contact_channels): the 45-character `code` field and
// the services a code e-mail needs.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "api/routes.hpp"
#include "core/email_codes.hpp"
#include "core/verification_codes.hpp"
#include "http/context.hpp"
#include "http/schema.hpp"

namespace latchkey::api {

// body.code: a string of exactly 45 characters (auth-endpoints.md §0.1).
inline std::optional<std::string> read_code(ObjectReader& body) {
  Field f = body.field("code");
  auto code = f.string(true);
  if (code && js_length(*code) != core::kCodeLength) {
    f.add_error("must be exactly 45 characters");
    return std::nullopt;
  }
  return code;
}

// With the request's e-mail throttles (core::count_email_request).
inline core::EmailServices email_services(RequestContext& ctx) {
  return {*ctx.app.store, *ctx.app.clock, *ctx.app.mailer, ctx.app.rate_limits.get(),
          ctx.rate_limit_address()};
}

// The declaration of the `code` field read_code reads (route_spec.hpp), a
// body of that field alone, and the errors of checking a code (§0.1)
// followed by `more`.
inline FieldSpec code_field() {
  return string_field("code")
      .required()
      .min(core::kCodeLength)
      .max(core::kCodeLength)
      .describe("The code from the e-mail's link.");
}
inline const ObjectSpec kCodeBody{{code_field()}};
inline std::vector<std::string> code_errors(std::vector<std::string> more = {}) {
  std::vector<std::string> codes = {"VERIFICATION_CODE_NOT_FOUND", "VERIFICATION_CODE_EXPIRED",
                                    "VERIFICATION_CODE_ALREADY_USED",
                                    "VERIFICATION_CODE_MAX_ATTEMPTS_REACHED"};
  codes.insert(codes.end(), more.begin(), more.end());
  return codes;
}

inline Response code_is_valid() { return Response::json(200, Json{{"is_code_valid", true}}); }

}  // namespace latchkey::api
