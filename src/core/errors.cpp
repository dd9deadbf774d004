#include "core/errors.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace latchkey::core {

namespace {

// Code and status of every leaf code of errors.md §3, in the spec's order.
// Factories take their code and status from here, so the table and what is
// thrown cannot disagree.
namespace code {
// §3.1
constexpr KnownErrorInfo kUnsupportedError{"UNSUPPORTED_ERROR", 500};
constexpr KnownErrorInfo kBodyParsingError{"BODY_PARSING_ERROR", 400};
constexpr KnownErrorInfo kSchemaError{"SCHEMA_ERROR", 400};
constexpr KnownErrorInfo kAllOverloadsFailed{"ALL_OVERLOADS_FAILED", 400};
// §3.2
constexpr KnownErrorInfo kProjectKeyWithoutAccessType{"PROJECT_KEY_WITHOUT_ACCESS_TYPE", 400};
constexpr KnownErrorInfo kInvalidAccessType{"INVALID_ACCESS_TYPE", 400};
constexpr KnownErrorInfo kAccessTypeWithoutProjectId{"ACCESS_TYPE_WITHOUT_PROJECT_ID", 400};
constexpr KnownErrorInfo kAccessTypeRequired{"ACCESS_TYPE_REQUIRED", 400};
constexpr KnownErrorInfo kInsufficientAccessType{"INSUFFICIENT_ACCESS_TYPE", 401};
constexpr KnownErrorInfo kInvalidPublishableClientKey{"INVALID_PUBLISHABLE_CLIENT_KEY", 401};
constexpr KnownErrorInfo kInvalidSecretServerKey{"INVALID_SECRET_SERVER_KEY", 401};
constexpr KnownErrorInfo kInvalidSuperSecretAdminKey{"INVALID_SUPER_SECRET_ADMIN_KEY", 401};
constexpr KnownErrorInfo kUnparsableAdminAccessToken{"UNPARSABLE_ADMIN_ACCESS_TOKEN", 401};
constexpr KnownErrorInfo kAdminAccessTokenExpired{"ADMIN_ACCESS_TOKEN_EXPIRED", 401};
constexpr KnownErrorInfo kInvalidProjectForAdminAccessToken{
    "INVALID_PROJECT_FOR_ADMIN_ACCESS_TOKEN", 401};
constexpr KnownErrorInfo kAdminAccessTokenIsNotAdmin{"ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN", 401};
constexpr KnownErrorInfo kClientAuthenticationRequired{"CLIENT_AUTHENTICATION_REQUIRED", 401};
constexpr KnownErrorInfo kServerAuthenticationRequired{"SERVER_AUTHENTICATION_REQUIRED", 401};
constexpr KnownErrorInfo kClientOrServerAuthenticationRequired{
    "CLIENT_OR_SERVER_AUTHENTICATION_REQUIRED", 401};
constexpr KnownErrorInfo kClientOrAdminAuthenticationRequired{
    "CLIENT_OR_ADMIN_AUTHENTICATION_REQUIRED", 401};
constexpr KnownErrorInfo kClientOrServerOrAdminAuthenticationRequired{
    "CLIENT_OR_SERVER_OR_ADMIN_AUTHENTICATION_REQUIRED", 401};
constexpr KnownErrorInfo kAdminAuthenticationRequired{"ADMIN_AUTHENTICATION_REQUIRED", 401};
constexpr KnownErrorInfo kExpectedInternalProject{"EXPECTED_INTERNAL_PROJECT", 401};
// §3.3
constexpr KnownErrorInfo kUnparsableAccessToken{"UNPARSABLE_ACCESS_TOKEN", 401};
constexpr KnownErrorInfo kAccessTokenExpired{"ACCESS_TOKEN_EXPIRED", 401};
constexpr KnownErrorInfo kInvalidProjectForAccessToken{"INVALID_PROJECT_FOR_ACCESS_TOKEN", 401};
constexpr KnownErrorInfo kRefreshTokenNotFoundOrExpired{"REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED", 401};
constexpr KnownErrorInfo kCannotDeleteCurrentSession{"CANNOT_DELETE_CURRENT_SESSION", 400};
constexpr KnownErrorInfo kProviderRejected{"PROVIDER_REJECTED", 401};
constexpr KnownErrorInfo kBranchDoesNotExist{"BRANCH_DOES_NOT_EXIST", 400};
// §3.4
constexpr KnownErrorInfo kUserEmailAlreadyExists{"USER_EMAIL_ALREADY_EXISTS", 409};
constexpr KnownErrorInfo kEmailNotVerified{"EMAIL_NOT_VERIFIED", 400};
constexpr KnownErrorInfo kCannotGetOwnUserWithoutUser{"CANNOT_GET_OWN_USER_WITHOUT_USER", 400};
constexpr KnownErrorInfo kUserIdDoesNotExist{"USER_ID_DOES_NOT_EXIST", 400};
constexpr KnownErrorInfo kUserNotFound{"USER_NOT_FOUND", 404};
constexpr KnownErrorInfo kProjectNotFound{"PROJECT_NOT_FOUND", 404};
constexpr KnownErrorInfo kUserAuthenticationRequired{"USER_AUTHENTICATION_REQUIRED", 401};
constexpr KnownErrorInfo kAnonymousAccountsNotEnabled{"ANONYMOUS_ACCOUNTS_NOT_ENABLED", 400};
// §3.5
constexpr KnownErrorInfo kSignUpNotEnabled{"SIGN_UP_NOT_ENABLED", 400};
constexpr KnownErrorInfo kPasswordAuthenticationNotEnabled{"PASSWORD_AUTHENTICATION_NOT_ENABLED",
                                                           400};
constexpr KnownErrorInfo kPasskeyAuthenticationNotEnabled{"PASSKEY_AUTHENTICATION_NOT_ENABLED",
                                                          400};
constexpr KnownErrorInfo kEmailPasswordMismatch{"EMAIL_PASSWORD_MISMATCH", 400};
constexpr KnownErrorInfo kRedirectUrlNotWhitelisted{"REDIRECT_URL_NOT_WHITELISTED", 400};
constexpr KnownErrorInfo kPasswordTooShort{"PASSWORD_TOO_SHORT", 400};
constexpr KnownErrorInfo kPasswordTooLong{"PASSWORD_TOO_LONG", 400};
constexpr KnownErrorInfo kUserDoesNotHavePassword{"USER_DOES_NOT_HAVE_PASSWORD", 400};
constexpr KnownErrorInfo kPasswordConfirmationMismatch{"PASSWORD_CONFIRMATION_MISMATCH", 400};
// §3.6
constexpr KnownErrorInfo kVerificationCodeNotFound{"VERIFICATION_CODE_NOT_FOUND", 404};
constexpr KnownErrorInfo kVerificationCodeExpired{"VERIFICATION_CODE_EXPIRED", 400};
constexpr KnownErrorInfo kVerificationCodeAlreadyUsed{"VERIFICATION_CODE_ALREADY_USED", 409};
constexpr KnownErrorInfo kVerificationCodeMaxAttemptsReached{
    "VERIFICATION_CODE_MAX_ATTEMPTS_REACHED", 400};
// §3.7
constexpr KnownErrorInfo kEmailAlreadyVerified{"EMAIL_ALREADY_VERIFIED", 409};
constexpr KnownErrorInfo kEmailNotAssociatedWithUser{"EMAIL_NOT_ASSOCIATED_WITH_USER", 400};
constexpr KnownErrorInfo kEmailIsNotPrimaryEmail{"EMAIL_IS_NOT_PRIMARY_EMAIL", 400};
constexpr KnownErrorInfo kContactChannelAlreadyUsedForAuthBySomeoneElse{
    "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE", 409};
constexpr KnownErrorInfo kEmailRenderingError{"EMAIL_RENDERING_ERROR", 400};
// §3.8
constexpr KnownErrorInfo kPasskeyRegistrationFailed{"PASSKEY_REGISTRATION_FAILED", 400};
constexpr KnownErrorInfo kPasskeyWebauthnError{"PASSKEY_WEBAUTHN_ERROR", 400};
constexpr KnownErrorInfo kPasskeyAuthenticationFailed{"PASSKEY_AUTHENTICATION_FAILED", 400};
// §3.9
constexpr KnownErrorInfo kPermissionNotFound{"PERMISSION_NOT_FOUND", 404};
constexpr KnownErrorInfo kWrongPermissionScope{"WRONG_PERMISSION_SCOPE", 404};
constexpr KnownErrorInfo kPermissionIdAlreadyExists{"PERMISSION_ID_ALREADY_EXISTS", 400};
constexpr KnownErrorInfo kContainedPermissionNotFound{"CONTAINED_PERMISSION_NOT_FOUND", 400};
constexpr KnownErrorInfo kTeamNotFound{"TEAM_NOT_FOUND", 404};
constexpr KnownErrorInfo kTeamAlreadyExists{"TEAM_ALREADY_EXISTS", 409};
constexpr KnownErrorInfo kTeamMembershipNotFound{"TEAM_MEMBERSHIP_NOT_FOUND", 404};
constexpr KnownErrorInfo kTeamMembershipAlreadyExists{"TEAM_MEMBERSHIP_ALREADY_EXISTS", 409};
constexpr KnownErrorInfo kTeamPermissionRequired{"TEAM_PERMISSION_REQUIRED", 401};
constexpr KnownErrorInfo kTeamPermissionNotFound{"TEAM_PERMISSION_NOT_FOUND", 401};
constexpr KnownErrorInfo kProjectPermissionRequired{"PROJECT_PERMISSION_REQUIRED", 401};
constexpr KnownErrorInfo kEmailTemplateAlreadyExists{"EMAIL_TEMPLATE_ALREADY_EXISTS", 409};
// §3.10
constexpr KnownErrorInfo kOauthConnectionNotConnectedToUser{
    "OAUTH_CONNECTION_NOT_CONNECTED_TO_USER", 400};
constexpr KnownErrorInfo kOauthConnectionAlreadyConnectedToAnotherUser{
    "OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER", 409};
constexpr KnownErrorInfo kOauthConnectionDoesNotHaveRequiredScope{
    "OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE", 400};
constexpr KnownErrorInfo kOauthExtraScopeNotAvailableWithSharedOauthKeys{
    "OAUTH_EXTRA_SCOPE_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS", 400};
constexpr KnownErrorInfo kOauthAccessTokenNotAvailableWithSharedOauthKeys{
    "OAUTH_ACCESS_TOKEN_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS", 400};
constexpr KnownErrorInfo kInvalidOauthClientIdOrSecret{"INVALID_OAUTH_CLIENT_ID_OR_SECRET", 400};
constexpr KnownErrorInfo kInvalidScope{"INVALID_SCOPE", 400};
constexpr KnownErrorInfo kUserAlreadyConnectedToAnotherOauthConnection{
    "USER_ALREADY_CONNECTED_TO_ANOTHER_OAUTH_CONNECTION", 409};
constexpr KnownErrorInfo kOuterOauthTimeout{"OUTER_OAUTH_TIMEOUT", 408};
constexpr KnownErrorInfo kOauthProviderNotFoundOrNotEnabled{
    "OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED", 400};
constexpr KnownErrorInfo kInvalidSharedOauthProviderId{"INVALID_SHARED_OAUTH_PROVIDER_ID", 400};
constexpr KnownErrorInfo kInvalidStandardOauthProviderId{"INVALID_STANDARD_OAUTH_PROVIDER_ID", 400};
constexpr KnownErrorInfo kInvalidAuthorizationCode{"INVALID_AUTHORIZATION_CODE", 400};
constexpr KnownErrorInfo kOauthProviderAccessDenied{"OAUTH_PROVIDER_ACCESS_DENIED", 400};
// §3.11
constexpr KnownErrorInfo kMultiFactorAuthenticationRequired{"MULTI_FACTOR_AUTHENTICATION_REQUIRED",
                                                            400};
constexpr KnownErrorInfo kInvalidTotpCode{"INVALID_TOTP_CODE", 400};
// §3.12
constexpr KnownErrorInfo kInvalidPollingCode{"INVALID_POLLING_CODE", 400};
constexpr KnownErrorInfo kCliAuthError{"CLI_AUTH_ERROR", 400};
constexpr KnownErrorInfo kCliAuthExpiredError{"CLI_AUTH_EXPIRED_ERROR", 400};
constexpr KnownErrorInfo kCliAuthUsedError{"CLI_AUTH_USED_ERROR", 400};
// §3.13
constexpr KnownErrorInfo kApiKeyNotFound{"API_KEY_NOT_FOUND", 404};
constexpr KnownErrorInfo kApiKeyExpired{"API_KEY_EXPIRED", 401};
constexpr KnownErrorInfo kApiKeyRevoked{"API_KEY_REVOKED", 401};
constexpr KnownErrorInfo kWrongApiKeyType{"WRONG_API_KEY_TYPE", 400};
constexpr KnownErrorInfo kPublicApiKeyCannotBeRevoked{"PUBLIC_API_KEY_CANNOT_BE_REVOKED", 400};
// Latchkey's own
constexpr KnownErrorInfo kTooManyRequests{"TOO_MANY_REQUESTS", 429};
constexpr KnownErrorInfo kSearchTimeout{"SEARCH_TIMEOUT", 503};
}  // namespace code

constexpr std::string_view kAuthDocsHint =
    "\n\nFor more information, see the docs on REST API authentication: "
    "https://docs.stack-auth.com/rest-api/overview#authentication";

KnownError make(const KnownErrorInfo& info, std::string message, Json details = Json()) {
  return KnownError(std::string(info.code), info.status, std::move(message), std::move(details));
}

// Request values (header text, e-mails) may be invalid UTF-8; they are
// rendered with U+FFFD rather than letting an error's construction throw.
std::string dump(const Json& value, int indent = -1) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// {"x"} in errors.md: the value JSON-encoded, null when absent.
std::string json_string(std::optional<std::string_view> value) {
  return value ? dump(Json(std::string(*value))) : std::string("null");
}

Json nullable(std::optional<std::string_view> value) {
  return value ? Json(std::string(*value)) : Json();
}

std::string str(std::string_view s) { return std::string(s); }

KnownError expired(const KnownErrorInfo& info, std::string_view what,
                   std::optional<int64_t> expired_at_millis) {
  std::string message = str(what) + " has expired. Please refresh it and try again.";
  if (expired_at_millis) {
    message += " (The access token expired at " + iso_millis(*expired_at_millis) + ".)";
  }
  return make(info, std::move(message),
              Json{{"expired_at_millis", expired_at_millis ? Json(*expired_at_millis) : Json()}});
}

KnownError invalid_key(const KnownErrorInfo& info, std::string_view key_name,
                       std::string_view project_id) {
  return make(info,
              "The " + str(key_name) + " is not valid for the project " + json_string(project_id) +
                  ". Does the project and/or the key exist?",
              Json{{"project_id", project_id}});
}

KnownError team_permission(const KnownErrorInfo& info, std::string_view team_id,
                           std::string_view user_id, std::string_view permission_id) {
  return make(info,
              "User " + str(user_id) + " does not have permission " + str(permission_id) +
                  " in team " + str(team_id) + ".",
              Json{{"team_id", team_id}, {"user_id", user_id}, {"permission_id", permission_id}});
}

// Floor division, so instants before 1970 land on the right day.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// value >= 0.
std::string zero_pad(int64_t value, size_t width) {
  std::string digits = std::to_string(value);
  return digits.size() < width ? std::string(width - digits.size(), '0') + digits : digits;
}

}  // namespace

Json KnownError::to_json() const {
  Json out = Json::object();
  out["code"] = code_;
  if (!details_.is_null()) out["details"] = details_;
  out["error"] = message_;
  return out;
}

std::string iso_millis(int64_t millis_since_epoch) {
  constexpr int64_t kMillisPerDay = 86'400'000;
  const int64_t days = floor_div(millis_since_epoch, kMillisPerDay);
  int64_t ms_of_day = millis_since_epoch - days * kMillisPerDay;

  // Days since 1970-01-01 to a proleptic Gregorian civil date.
  const int64_t z = days + 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  const int64_t hour = ms_of_day / 3'600'000;
  ms_of_day %= 3'600'000;
  const int64_t minute = ms_of_day / 60'000;
  ms_of_day %= 60'000;
  const int64_t second = ms_of_day / 1000;
  const int64_t millis = ms_of_day % 1000;

  // Like JavaScript's toISOString: years outside 0000-9999 get a sign and six digits.
  std::string out;
  if (year >= 0 && year <= 9999) {
    out = zero_pad(year, 4);
  } else {
    out = (year < 0 ? "-" : "+") + zero_pad(year < 0 ? -year : year, 6);
  }
  out += "-" + zero_pad(month, 2) + "-" + zero_pad(day, 2) + "T" + zero_pad(hour, 2) + ":" +
         zero_pad(minute, 2) + ":" + zero_pad(second, 2) + "." + zero_pad(millis, 3) + "Z";
  return out;
}

const std::vector<KnownErrorInfo>& known_error_table() {
  using namespace code;
  static const std::vector<KnownErrorInfo> table = {
      kUnsupportedError,
      kBodyParsingError,
      kSchemaError,
      kAllOverloadsFailed,
      kProjectKeyWithoutAccessType,
      kInvalidAccessType,
      kAccessTypeWithoutProjectId,
      kAccessTypeRequired,
      kInsufficientAccessType,
      kInvalidPublishableClientKey,
      kInvalidSecretServerKey,
      kInvalidSuperSecretAdminKey,
      kUnparsableAdminAccessToken,
      kAdminAccessTokenExpired,
      kInvalidProjectForAdminAccessToken,
      kAdminAccessTokenIsNotAdmin,
      kClientAuthenticationRequired,
      kServerAuthenticationRequired,
      kClientOrServerAuthenticationRequired,
      kClientOrAdminAuthenticationRequired,
      kClientOrServerOrAdminAuthenticationRequired,
      kAdminAuthenticationRequired,
      kExpectedInternalProject,
      kUnparsableAccessToken,
      kAccessTokenExpired,
      kInvalidProjectForAccessToken,
      kRefreshTokenNotFoundOrExpired,
      kCannotDeleteCurrentSession,
      kProviderRejected,
      kBranchDoesNotExist,
      kUserEmailAlreadyExists,
      kEmailNotVerified,
      kCannotGetOwnUserWithoutUser,
      kUserIdDoesNotExist,
      kUserNotFound,
      kProjectNotFound,
      kUserAuthenticationRequired,
      kAnonymousAccountsNotEnabled,
      kSignUpNotEnabled,
      kPasswordAuthenticationNotEnabled,
      kPasskeyAuthenticationNotEnabled,
      kEmailPasswordMismatch,
      kRedirectUrlNotWhitelisted,
      kPasswordTooShort,
      kPasswordTooLong,
      kUserDoesNotHavePassword,
      kPasswordConfirmationMismatch,
      kVerificationCodeNotFound,
      kVerificationCodeExpired,
      kVerificationCodeAlreadyUsed,
      kVerificationCodeMaxAttemptsReached,
      kEmailAlreadyVerified,
      kEmailNotAssociatedWithUser,
      kEmailIsNotPrimaryEmail,
      kContactChannelAlreadyUsedForAuthBySomeoneElse,
      kEmailRenderingError,
      kPasskeyRegistrationFailed,
      kPasskeyWebauthnError,
      kPasskeyAuthenticationFailed,
      kPermissionNotFound,
      kWrongPermissionScope,
      kPermissionIdAlreadyExists,
      kContainedPermissionNotFound,
      kTeamNotFound,
      kTeamAlreadyExists,
      kTeamMembershipNotFound,
      kTeamMembershipAlreadyExists,
      kTeamPermissionRequired,
      kTeamPermissionNotFound,
      kProjectPermissionRequired,
      kEmailTemplateAlreadyExists,
      kOauthConnectionNotConnectedToUser,
      kOauthConnectionAlreadyConnectedToAnotherUser,
      kOauthConnectionDoesNotHaveRequiredScope,
      kOauthExtraScopeNotAvailableWithSharedOauthKeys,
      kOauthAccessTokenNotAvailableWithSharedOauthKeys,
      kInvalidOauthClientIdOrSecret,
      kInvalidScope,
      kUserAlreadyConnectedToAnotherOauthConnection,
      kOuterOauthTimeout,
      kOauthProviderNotFoundOrNotEnabled,
      kInvalidSharedOauthProviderId,
      kInvalidStandardOauthProviderId,
      kInvalidAuthorizationCode,
      kOauthProviderAccessDenied,
      kMultiFactorAuthenticationRequired,
      kInvalidTotpCode,
      kInvalidPollingCode,
      kCliAuthError,
      kCliAuthExpiredError,
      kCliAuthUsedError,
      kApiKeyNotFound,
      kApiKeyExpired,
      kApiKeyRevoked,
      kWrongApiKeyType,
      kPublicApiKeyCannotBeRevoked,
      kTooManyRequests,
      kSearchTimeout,
  };
  return table;
}

namespace errors {

using namespace code;

// §3.1 Generic / request

KnownError unsupported_error(std::string_view original_error_code) {
  return make(kUnsupportedError,
              "An error occurred that is not currently supported (possibly because it was added in "
              "a version of Stack that is newer than this client). The original unsupported error "
              "code was: " +
                  str(original_error_code),
              Json{{"originalErrorCode", original_error_code}});
}

KnownError body_parsing_error(std::string message) {
  return make(kBodyParsingError, std::move(message));
}

KnownError schema_error(std::string message) {
  Json details{{"message", message}};
  return make(kSchemaError, std::move(message), std::move(details));
}

KnownError all_overloads_failed(const std::vector<Json>& overload_errors) {
  // The overload part is indented by two spaces as a block: every line,
  // including the blank separator lines, starts with "  ".
  std::string overloads;
  for (size_t i = 0; i < overload_errors.size(); ++i) {
    if (i > 0) overloads += "\n\n";
    overloads += "Overload " + std::to_string(i + 1) + ": " + dump(overload_errors[i], 2);
  }
  std::string message =
      "This endpoint has multiple overloads, but they all failed to process the request.\n\n  ";
  for (char c : overloads) {
    message += c;
    if (c == '\n') message += "  ";
  }
  Json list = Json::array();
  for (const Json& e : overload_errors) list.push_back(e);
  return make(kAllOverloadsFailed, std::move(message), Json{{"overload_errors", std::move(list)}});
}

// §3.2 Project authentication

KnownError project_key_without_access_type() {
  return make(kProjectKeyWithoutAccessType,
              "Either an API key or an admin access token was provided, but the "
              "x-stack-access-type header is missing. Set it to 'client', 'server', or 'admin' as "
              "appropriate.");
}

KnownError invalid_access_type(std::string_view access_type) {
  return make(kInvalidAccessType,
              "The x-stack-access-type header must be 'client', 'server', or 'admin', but was '" +
                  str(access_type) + "'.");
}

KnownError access_type_without_project_id(std::string_view access_type) {
  return make(kAccessTypeWithoutProjectId,
              "The x-stack-access-type header was '" + str(access_type) +
                  "', but the x-stack-project-id header was not provided." + str(kAuthDocsHint),
              Json{{"request_type", access_type}});
}

KnownError access_type_required() {
  return make(kAccessTypeRequired,
              "You must specify an access level for this Stack project. Make sure project API keys "
              "are provided (eg. x-stack-publishable-client-key) and you set the "
              "x-stack-access-type header to 'client', 'server', or 'admin'." +
                  str(kAuthDocsHint));
}

KnownError insufficient_access_type(std::string_view actual,
                                    const std::vector<std::string>& allowed) {
  std::string allowed_text;
  for (size_t i = 0; i < allowed.size(); ++i) {
    if (i > 0) allowed_text += " or ";
    allowed_text += "'" + allowed[i] + "'";
  }
  return make(
      kInsufficientAccessType,
      "The x-stack-access-type header must be " + allowed_text + ", but was '" + str(actual) + "'.",
      Json{{"actual_access_type", actual}, {"allowed_access_types", allowed}});
}

KnownError invalid_publishable_client_key(std::string_view project_id) {
  return invalid_key(kInvalidPublishableClientKey, "publishable key", project_id);
}

KnownError invalid_secret_server_key(std::string_view project_id) {
  return invalid_key(kInvalidSecretServerKey, "secret server key", project_id);
}

KnownError invalid_super_secret_admin_key(std::string_view project_id) {
  return invalid_key(kInvalidSuperSecretAdminKey, "super secret admin key", project_id);
}

KnownError unparsable_admin_access_token() {
  return make(kUnparsableAdminAccessToken, "Admin access token is not parsable.");
}

KnownError admin_access_token_expired(std::optional<int64_t> expired_at_millis) {
  return expired(kAdminAccessTokenExpired, "Admin access token", expired_at_millis);
}

KnownError invalid_project_for_admin_access_token() {
  return make(kInvalidProjectForAdminAccessToken,
              "Admin access tokens must be created on the internal project.");
}

KnownError admin_access_token_is_not_admin() {
  return make(kAdminAccessTokenIsNotAdmin,
              "Admin access token does not have the required permissions to access this project.");
}

KnownError client_authentication_required() {
  return make(kClientAuthenticationRequired, "The publishable client key must be provided.");
}

KnownError server_authentication_required() {
  return make(kServerAuthenticationRequired, "The secret server key must be provided.");
}

KnownError client_or_server_authentication_required() {
  return make(kClientOrServerAuthenticationRequired,
              "Either the publishable client key or the secret server key must be provided.");
}

KnownError client_or_admin_authentication_required() {
  return make(kClientOrAdminAuthenticationRequired,
              "Either the publishable client key or the super secret admin key must be provided.");
}

KnownError client_or_server_or_admin_authentication_required() {
  return make(kClientOrServerOrAdminAuthenticationRequired,
              "Either the publishable client key, the secret server key, or the super secret admin "
              "key must be provided.");
}

KnownError admin_authentication_required() {
  return make(kAdminAuthenticationRequired, "The super secret admin key must be provided.");
}

KnownError expected_internal_project() {
  return make(kExpectedInternalProject, "The project ID is expected to be internal.");
}

// §3.3 Session / token

KnownError unparsable_access_token() {
  return make(kUnparsableAccessToken, "Access token is not parsable.");
}

KnownError access_token_expired(std::optional<int64_t> expired_at_millis) {
  return expired(kAccessTokenExpired, "Access token", expired_at_millis);
}

KnownError invalid_project_for_access_token(std::string_view expected_project_id,
                                            std::string_view actual_project_id) {
  return make(
      kInvalidProjectForAccessToken,
      "Access token not valid for this project. Expected project ID " +
          json_string(expected_project_id) + ", but the token is for project ID " +
          json_string(actual_project_id) + ".",
      Json{{"expected_project_id", expected_project_id}, {"actual_project_id", actual_project_id}});
}

KnownError refresh_token_not_found_or_expired() {
  return make(kRefreshTokenNotFoundOrExpired,
              "Refresh token not found for this project, or the session has expired/been "
              "revoked.");
}

KnownError cannot_delete_current_session() {
  return make(kCannotDeleteCurrentSession, "Cannot delete the current session.");
}

KnownError provider_rejected() {
  return make(kProviderRejected,
              "The provider refused to refresh their token. This usually means that the provider "
              "used to authenticate the user no longer regards this session as valid, and the user "
              "must re-authenticate.");
}

KnownError branch_does_not_exist(std::string_view branch_id) {
  return make(kBranchDoesNotExist, "The branch with ID " + str(branch_id) + " does not exist.",
              Json{{"branch_id", branch_id}});
}

// §3.4 Users, projects, keys

KnownError user_email_already_exists(std::string_view email) {
  return make(kUserEmailAlreadyExists,
              "A user with email " + json_string(email) + " already exists.",
              Json{{"email", email}});
}

KnownError email_not_verified() { return make(kEmailNotVerified, "The email is not verified."); }

KnownError cannot_get_own_user_without_user() {
  return make(kCannotGetOwnUserWithoutUser,
              "You have specified 'me' as a userId, but did not provide authentication for a "
              "user.");
}

KnownError user_id_does_not_exist(std::string_view user_id) {
  return make(kUserIdDoesNotExist,
              "The given user with the ID " + str(user_id) + " does not exist.",
              Json{{"user_id", user_id}});
}

KnownError user_not_found() { return make(kUserNotFound, "User not found."); }

KnownError project_not_found(std::string_view project_id) {
  return make(
      kProjectNotFound,
      "Project " + str(project_id) + " not found or is not accessible with the current user.",
      Json{{"project_id", project_id}});
}

KnownError user_authentication_required() {
  return make(kUserAuthenticationRequired, "User authentication required for this endpoint.");
}

KnownError anonymous_accounts_not_enabled() {
  return make(kAnonymousAccountsNotEnabled, "Anonymous accounts are not enabled for this project.");
}

// §3.5 Sign-up / sign-in / password

KnownError sign_up_not_enabled() {
  return make(kSignUpNotEnabled,
              "Creation of new accounts is not enabled for this project. Please ask the project "
              "owner to enable it.");
}

KnownError password_authentication_not_enabled() {
  return make(kPasswordAuthenticationNotEnabled,
              "Password authentication is not enabled for this project.");
}

KnownError passkey_authentication_not_enabled() {
  return make(kPasskeyAuthenticationNotEnabled,
              "Passkey authentication is not enabled for this project.");
}

KnownError email_password_mismatch() {
  return make(kEmailPasswordMismatch, "Wrong e-mail or password.");
}

KnownError redirect_url_not_whitelisted() {
  return make(kRedirectUrlNotWhitelisted,
              "Redirect URL not whitelisted. Did you forget to add this domain to the trusted "
              "domains list on the Stack Auth dashboard?");
}

KnownError password_too_short(int min_length) {
  return make(kPasswordTooShort,
              "Password too short. Minimum length is " + std::to_string(min_length) + ".",
              Json{{"min_length", min_length}});
}

KnownError password_too_long(int max_length) {
  // ⚠ camelCase key, as the SDK reads it.
  return make(kPasswordTooLong,
              "Password too long. Maximum length is " + std::to_string(max_length) + ".",
              Json{{"maxLength", max_length}});
}

KnownError user_does_not_have_password() {
  return make(kUserDoesNotHavePassword, "This user does not have password authentication enabled.");
}

KnownError password_confirmation_mismatch() {
  return make(kPasswordConfirmationMismatch, "Passwords do not match.");
}

// §3.6 Verification codes

KnownError verification_code_not_found() {
  return make(kVerificationCodeNotFound, "The verification code does not exist for this project.");
}

KnownError verification_code_expired() {
  return make(kVerificationCodeExpired, "The verification code has expired.");
}

KnownError verification_code_already_used() {
  return make(kVerificationCodeAlreadyUsed, "The verification link has already been used.");
}

KnownError verification_code_max_attempts_reached() {
  return make(kVerificationCodeMaxAttemptsReached,
              "The verification code nonce has reached the maximum number of attempts. This code "
              "is not valid anymore.");
}

// §3.7 E-mail / contact channels

KnownError email_already_verified() {
  return make(kEmailAlreadyVerified, "The e-mail is already verified.");
}

KnownError email_not_associated_with_user() {
  return make(kEmailNotAssociatedWithUser,
              "The e-mail is not associated with a user that could log in with that e-mail.");
}

KnownError email_is_not_primary_email(std::string_view email,
                                      std::optional<std::string_view> primary_email) {
  return make(kEmailIsNotPrimaryEmail,
              "The given e-mail (" + str(email) + ") must equal the user's primary e-mail (" +
                  (primary_email ? str(*primary_email) : std::string("null")) + ").",
              Json{{"email", email}, {"primary_email", nullable(primary_email)}});
}

KnownError contact_channel_already_used_for_auth_by_someone_else(
    std::string_view type, std::optional<std::string_view> value) {
  // An empty value reads as "no value" in the message (the reference tests
  // truthiness there) but is still reported as "" in details.
  std::string message =
      value && !value->empty()
          ? "The " + str(type) + " (" + str(*value) +
                ") is already used for authentication by another account."
          : "This " + str(type) + " is already used for authentication by another account.";
  return make(kContactChannelAlreadyUsedForAuthBySomeoneElse, std::move(message),
              Json{{"type", type}, {"contact_channel_value", nullable(value)}});
}

KnownError email_rendering_error(std::string_view error) {
  return make(kEmailRenderingError, "Failed to render email with theme: " + str(error),
              Json{{"error", error}});
}

// §3.8 Passkeys

KnownError passkey_registration_failed(std::string_view message) {
  return make(kPasskeyRegistrationFailed, str(message));
}

KnownError passkey_webauthn_error(std::string_view message, std::string_view code) {
  return make(kPasskeyWebauthnError, str(message), Json{{"message", message}, {"code", code}});
}

KnownError passkey_authentication_failed(std::string_view message) {
  return make(kPasskeyAuthenticationFailed, str(message));
}

// §3.9 Teams / permissions

KnownError permission_not_found(std::string_view permission_id) {
  return make(kPermissionNotFound,
              "Permission \"" + str(permission_id) +
                  "\" not found. Make sure you created it on the dashboard.",
              Json{{"permission_id", permission_id}});
}

KnownError wrong_permission_scope(std::string_view permission_id, std::string_view expected_scope,
                                  std::optional<std::string_view> actual_scope) {
  return make(kWrongPermissionScope,
              "Permission " + json_string(permission_id) +
                  " not found. (It was found for a different scope " + json_string(actual_scope) +
                  ", but scope " + json_string(expected_scope) + " was expected.)",
              Json{{"permission_id", permission_id},
                   {"expected_scope", expected_scope},
                   {"actual_scope", nullable(actual_scope)}});
}

KnownError permission_id_already_exists(std::string_view permission_id) {
  return make(
      kPermissionIdAlreadyExists,
      "Permission with ID \"" + str(permission_id) + "\" already exists. Choose a different ID.",
      Json{{"permission_id", permission_id}});
}

KnownError contained_permission_not_found(std::string_view permission_id) {
  return make(kContainedPermissionNotFound,
              "Contained permission with ID \"" + str(permission_id) +
                  "\" not found. Make sure you created it on the dashboard.",
              Json{{"permission_id", permission_id}});
}

KnownError team_not_found(std::string_view team_id) {
  return make(kTeamNotFound, "Team " + str(team_id) + " not found.", Json{{"team_id", team_id}});
}

KnownError team_already_exists(std::string_view team_id) {
  return make(kTeamAlreadyExists, "Team " + str(team_id) + " already exists.",
              Json{{"team_id", team_id}});
}

KnownError team_membership_not_found(std::string_view team_id, std::string_view user_id) {
  return make(kTeamMembershipNotFound,
              "User " + str(user_id) + " is not found in team " + str(team_id) + ".",
              Json{{"team_id", team_id}, {"user_id", user_id}});
}

KnownError team_membership_already_exists() {
  return make(kTeamMembershipAlreadyExists, "Team membership already exists.");
}

KnownError team_permission_required(std::string_view team_id, std::string_view user_id,
                                    std::string_view permission_id) {
  return team_permission(kTeamPermissionRequired, team_id, user_id, permission_id);
}

KnownError team_permission_not_found(std::string_view team_id, std::string_view user_id,
                                     std::string_view permission_id) {
  return team_permission(kTeamPermissionNotFound, team_id, user_id, permission_id);
}

KnownError project_permission_required(std::string_view user_id, std::string_view permission_id) {
  return make(kProjectPermissionRequired,
              "User " + str(user_id) + " does not have permission " + str(permission_id) + ".",
              Json{{"user_id", user_id}, {"permission_id", permission_id}});
}

KnownError email_template_already_exists() {
  return make(kEmailTemplateAlreadyExists, "Email template already exists.");
}

// §3.10 OAuth

KnownError oauth_connection_not_connected_to_user() {
  return make(kOauthConnectionNotConnectedToUser,
              "The OAuth connection is not connected to any user.");
}

KnownError oauth_connection_already_connected_to_another_user() {
  return make(kOauthConnectionAlreadyConnectedToAnotherUser,
              "The OAuth connection is already connected to another user.");
}

KnownError oauth_connection_does_not_have_required_scope() {
  return make(kOauthConnectionDoesNotHaveRequiredScope,
              "The OAuth connection does not have the required scope.");
}

KnownError oauth_extra_scope_not_available_with_shared_oauth_keys() {
  return make(kOauthExtraScopeNotAvailableWithSharedOauthKeys,
              "Extra scopes are not available with shared OAuth keys. Please add your own OAuth "
              "keys on the Stack dashboard to use extra scopes.");
}

KnownError oauth_access_token_not_available_with_shared_oauth_keys() {
  return make(kOauthAccessTokenNotAvailableWithSharedOauthKeys,
              "Access tokens are not available with shared OAuth keys. Please add your own OAuth "
              "keys on the Stack dashboard to use access tokens.");
}

KnownError invalid_oauth_client_id_or_secret(std::optional<std::string_view> client_id) {
  return make(kInvalidOauthClientIdOrSecret,
              "The OAuth client ID or secret is invalid. The client ID must be equal to the "
              "project ID (potentially with a hash and a branch ID), and the client secret must "
              "be a publishable client key.",
              Json{{"client_id", nullable(client_id)}});
}

KnownError invalid_scope(std::string_view scope) {
  return make(kInvalidScope,
              "The scope \"" + str(scope) + "\" is not a valid OAuth scope for Stack.");
}

KnownError user_already_connected_to_another_oauth_connection() {
  return make(kUserAlreadyConnectedToAnotherOauthConnection,
              "The user is already connected to another OAuth account. Did you maybe selected the "
              "wrong account?");
}

KnownError outer_oauth_timeout() {
  return make(kOuterOauthTimeout, "The OAuth flow has timed out. Please sign in again.");
}

KnownError oauth_provider_not_found_or_not_enabled() {
  return make(kOauthProviderNotFoundOrNotEnabled,
              "The OAuth provider is not found or not enabled.");
}

KnownError invalid_shared_oauth_provider_id(std::string_view provider_id) {
  return make(kInvalidSharedOauthProviderId,
              "The shared OAuth provider with ID " + str(provider_id) + " is not valid.",
              Json{{"provider_id", provider_id}});
}

KnownError invalid_standard_oauth_provider_id(std::string_view provider_id) {
  return make(kInvalidStandardOauthProviderId,
              "The standard OAuth provider with ID " + str(provider_id) + " is not valid.",
              Json{{"provider_id", provider_id}});
}

KnownError invalid_authorization_code() {
  return make(kInvalidAuthorizationCode, "The given authorization code is invalid.");
}

KnownError oauth_provider_access_denied() {
  return make(kOauthProviderAccessDenied, "The OAuth provider denied access to the user.");
}

// §3.11 MFA

KnownError multi_factor_authentication_required(std::string_view attempt_code) {
  return make(kMultiFactorAuthenticationRequired,
              "Multi-factor authentication is required for this user.",
              Json{{"attempt_code", attempt_code}});
}

KnownError invalid_totp_code() {
  return make(kInvalidTotpCode, "The TOTP code is invalid. Please try again.");
}

// §3.12 CLI authentication

KnownError invalid_polling_code(const Json& details) {
  return make(kInvalidPollingCode, "The polling code is invalid or does not exist.", details);
}

KnownError cli_auth_error(std::string_view message) { return make(kCliAuthError, str(message)); }

KnownError cli_auth_expired_error(std::string_view message) {
  return make(kCliAuthExpiredError, str(message));
}

KnownError cli_auth_used_error(std::string_view message) {
  return make(kCliAuthUsedError, str(message));
}

// §3.13 User/team API keys

KnownError api_key_not_found() { return make(kApiKeyNotFound, "API key not found."); }

KnownError api_key_expired() { return make(kApiKeyExpired, "API key has expired."); }

KnownError api_key_revoked() { return make(kApiKeyRevoked, "API key has been revoked."); }

KnownError wrong_api_key_type(std::string_view expected_type, std::string_view actual_type) {
  return make(kWrongApiKeyType,
              "This endpoint is for " + str(expected_type) + " API keys, but a " +
                  str(actual_type) + " API key was provided.",
              Json{{"expected_type", expected_type}, {"actual_type", actual_type}});
}

KnownError public_api_key_cannot_be_revoked() {
  return make(kPublicApiKeyCannotBeRevoked,
              "Public API keys cannot be revoked by the secretscanner endpoint.");
}

// Latchkey's own

KnownError too_many_requests(int64_t wait_millis) {
  const int64_t seconds = std::max<int64_t>(1, (wait_millis + 999) / 1000);
  return make(kTooManyRequests,
              "Too many attempts. Please wait " + std::to_string(seconds) +
                  (seconds == 1 ? " second" : " seconds") + " before trying again.",
              Json{{"retry_after_seconds", seconds}});
}

KnownError search_timeout(int64_t limit_millis) {
  return make(kSearchTimeout,
              "The search took longer than " + std::to_string(limit_millis) +
                  " ms and was stopped. Search for a longer text (3 characters or more use the "
                  "search index), or try again later.",
              Json{{"limit_millis", limit_millis}});
}

}  // namespace errors

}  // namespace latchkey::core
