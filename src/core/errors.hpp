// The known-error table (spec/errors.md): every error code Latchkey can send,
// with its HTTP status, exact message and details. Handlers throw KnownError;
// the http layer renders it. Nothing else builds error JSON.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"

namespace latchkey::core {

class KnownError : public std::exception {
 public:
  KnownError(std::string code, int status, std::string message, Json details = Json())
      : code_(std::move(code)),
        status_(status),
        message_(std::move(message)),
        details_(std::move(details)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  const std::string& code() const { return code_; }
  int status() const { return status_; }
  const std::string& message() const { return message_; }
  // null when the error defines no details; otherwise an object.
  const Json& details() const { return details_; }
  // {"code", "details"?, "error"} in that key order.
  Json to_json() const;

 private:
  std::string code_;
  int status_;
  std::string message_;
  Json details_;
};

// A plain-text error (overview.md §7.2): a status and a bare message body,
// no x-stack-known-error header.
class PlainError : public std::exception {
 public:
  PlainError(int status, std::string message) : status_(status), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  int status() const { return status_; }
  const std::string& message() const { return message_; }

 private:
  int status_;
  std::string message_;
};

// One row per leaf code: what the table test checks against errors.md.
struct KnownErrorInfo {
  std::string_view code;
  int status;
};
const std::vector<KnownErrorInfo>& known_error_table();

// ISO-8601 UTC with milliseconds, e.g. 2025-02-01T01:56:28.000Z.
std::string iso_millis(int64_t millis_since_epoch);

// One factory per leaf code (errors.md §3), named after the code in
// snake_case, taking exactly the placeholders the message and details need.
// Quoted placeholders ({"x"} in errors.md) are JSON-encoded by the factory;
// callers pass raw values.
namespace errors {

// §3.1 Generic / request
KnownError unsupported_error(std::string_view original_error_code);
KnownError body_parsing_error(std::string message);
KnownError schema_error(std::string message);  // message is the whole text
// Each element is an overload's error JSON: {"code","details"?,"error"} for a
// known error, {"status_code","message","headers"} for a plain one. Merging
// identical errors is the caller's job; this only renders.
KnownError all_overloads_failed(const std::vector<Json>& overload_errors);

// §3.2 Project authentication
KnownError project_key_without_access_type();
KnownError invalid_access_type(std::string_view access_type);
KnownError access_type_without_project_id(std::string_view access_type);
KnownError access_type_required();
KnownError insufficient_access_type(std::string_view actual,
                                    const std::vector<std::string>& allowed);
KnownError invalid_publishable_client_key(std::string_view project_id);
KnownError invalid_secret_server_key(std::string_view project_id);
KnownError invalid_super_secret_admin_key(std::string_view project_id);
KnownError unparsable_admin_access_token();
KnownError admin_access_token_expired(std::optional<int64_t> expired_at_millis);
KnownError invalid_project_for_admin_access_token();
KnownError admin_access_token_is_not_admin();
KnownError client_authentication_required();
KnownError server_authentication_required();
KnownError client_or_server_authentication_required();
KnownError client_or_admin_authentication_required();
KnownError client_or_server_or_admin_authentication_required();
KnownError admin_authentication_required();
KnownError expected_internal_project();

// §3.3 Session / token
KnownError unparsable_access_token();
KnownError access_token_expired(std::optional<int64_t> expired_at_millis);
KnownError invalid_project_for_access_token(std::string_view expected_project_id,
                                            std::string_view actual_project_id);
KnownError refresh_token_not_found_or_expired();
KnownError cannot_delete_current_session();
KnownError provider_rejected();
KnownError branch_does_not_exist(std::string_view branch_id);

// §3.4 Users, projects, keys
KnownError user_email_already_exists(std::string_view email);
KnownError email_not_verified();
KnownError cannot_get_own_user_without_user();
KnownError user_id_does_not_exist(std::string_view user_id);
KnownError user_not_found();
KnownError project_not_found(std::string_view project_id);
KnownError user_authentication_required();
KnownError anonymous_accounts_not_enabled();

// §3.5 Sign-up / sign-in / password
KnownError sign_up_not_enabled();
KnownError password_authentication_not_enabled();
KnownError passkey_authentication_not_enabled();
KnownError email_password_mismatch();
KnownError redirect_url_not_whitelisted();
KnownError password_too_short(int min_length = 8);
KnownError password_too_long(int max_length = 70);
KnownError user_does_not_have_password();
KnownError password_confirmation_mismatch();

// §3.6 Verification codes
KnownError verification_code_not_found();
KnownError verification_code_expired();
KnownError verification_code_already_used();
KnownError verification_code_max_attempts_reached();

// §3.7 E-mail / contact channels
KnownError email_already_verified();
KnownError email_not_associated_with_user();
KnownError email_is_not_primary_email(std::string_view email,
                                      std::optional<std::string_view> primary_email);
// value absent: the "This {type} is ..." wording and contact_channel_value null.
KnownError contact_channel_already_used_for_auth_by_someone_else(
    std::string_view type, std::optional<std::string_view> value);
KnownError email_rendering_error(std::string_view error);

// §3.8 Passkeys
KnownError passkey_registration_failed(std::string_view message);
KnownError passkey_webauthn_error(std::string_view message, std::string_view code);
KnownError passkey_authentication_failed(std::string_view message);

// §3.9 Teams / permissions
KnownError permission_not_found(std::string_view permission_id);
// Scopes are "team" or "project"; actual_scope may be unknown (null).
KnownError wrong_permission_scope(std::string_view permission_id, std::string_view expected_scope,
                                  std::optional<std::string_view> actual_scope);
KnownError permission_id_already_exists(std::string_view permission_id);
KnownError contained_permission_not_found(std::string_view permission_id);
KnownError team_not_found(std::string_view team_id);
KnownError team_already_exists(std::string_view team_id);
KnownError team_membership_not_found(std::string_view team_id, std::string_view user_id);
KnownError team_membership_already_exists();
KnownError team_permission_required(std::string_view team_id, std::string_view user_id,
                                    std::string_view permission_id);
KnownError team_permission_not_found(std::string_view team_id, std::string_view user_id,
                                     std::string_view permission_id);
KnownError project_permission_required(std::string_view user_id, std::string_view permission_id);
KnownError email_template_already_exists();

// §3.10 OAuth
KnownError oauth_connection_not_connected_to_user();
KnownError oauth_connection_already_connected_to_another_user();
KnownError oauth_connection_does_not_have_required_scope();
KnownError oauth_extra_scope_not_available_with_shared_oauth_keys();
KnownError oauth_access_token_not_available_with_shared_oauth_keys();
// client_id is null at the token endpoint.
KnownError invalid_oauth_client_id_or_secret(std::optional<std::string_view> client_id);
KnownError invalid_scope(std::string_view scope);
KnownError user_already_connected_to_another_oauth_connection();
KnownError outer_oauth_timeout();
KnownError oauth_provider_not_found_or_not_enabled();
KnownError invalid_shared_oauth_provider_id(std::string_view provider_id);
KnownError invalid_standard_oauth_provider_id(std::string_view provider_id);
KnownError invalid_authorization_code();
KnownError oauth_provider_access_denied();

// §3.11 MFA
KnownError multi_factor_authentication_required(std::string_view attempt_code);
KnownError invalid_totp_code();

// §3.12 CLI authentication
// details: arbitrary JSON, or null (the backend sends none) to omit it.
KnownError invalid_polling_code(const Json& details = Json());
KnownError cli_auth_error(std::string_view message);
KnownError cli_auth_expired_error(
    std::string_view message = "CLI authentication request expired. Please try again.");
KnownError cli_auth_used_error(
    std::string_view message = "This authentication token has already been used.");

// §3.13 User/team API keys
KnownError api_key_not_found();
KnownError api_key_expired();
KnownError api_key_revoked();
// Types are "user" or "team".
KnownError wrong_api_key_type(std::string_view expected_type, std::string_view actual_type);
KnownError public_api_key_cannot_be_revoked();

// Latchkey's own codes (Stack Auth has no rate limits, so no code for them)
// 429 TOO_MANY_REQUESTS, details {"retry_after_seconds"}: the wait, rounded
// up, which the http layer also sends as Retry-After.
KnownError too_many_requests(int64_t wait_millis);
// 503 SEARCH_TIMEOUT, details {"limit_millis"}: a user search (GET
// /users?query=) ran past its time limit and was stopped, so that it does
// not hold a database connection for seconds. 503 with Retry-After (as the
// http layer adds to every 503): the server declined the work; a longer
// text, which the search index serves, or a calmer moment succeeds.
KnownError search_timeout(int64_t limit_millis);

}  // namespace errors

}  // namespace latchkey::core
