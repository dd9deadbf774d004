#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace latchkey::core {
namespace {

// Every leaf code of spec/errors.md §3 with its HTTP status, copied from the
// spec's tables (3.1-3.13, in order). This list is the check against the spec.
const std::vector<std::pair<std::string, int>> kSpecCodes = {
    // §3.1 Generic / request
    {"UNSUPPORTED_ERROR", 500},
    {"BODY_PARSING_ERROR", 400},
    {"SCHEMA_ERROR", 400},
    {"ALL_OVERLOADS_FAILED", 400},
    // §3.2 Project authentication
    {"PROJECT_KEY_WITHOUT_ACCESS_TYPE", 400},
    {"INVALID_ACCESS_TYPE", 400},
    {"ACCESS_TYPE_WITHOUT_PROJECT_ID", 400},
    {"ACCESS_TYPE_REQUIRED", 400},
    {"INSUFFICIENT_ACCESS_TYPE", 401},
    {"INVALID_PUBLISHABLE_CLIENT_KEY", 401},
    {"INVALID_SECRET_SERVER_KEY", 401},
    {"INVALID_SUPER_SECRET_ADMIN_KEY", 401},
    {"UNPARSABLE_ADMIN_ACCESS_TOKEN", 401},
    {"ADMIN_ACCESS_TOKEN_EXPIRED", 401},
    {"INVALID_PROJECT_FOR_ADMIN_ACCESS_TOKEN", 401},
    {"ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN", 401},
    {"CLIENT_AUTHENTICATION_REQUIRED", 401},
    {"SERVER_AUTHENTICATION_REQUIRED", 401},
    {"CLIENT_OR_SERVER_AUTHENTICATION_REQUIRED", 401},
    {"CLIENT_OR_ADMIN_AUTHENTICATION_REQUIRED", 401},
    {"CLIENT_OR_SERVER_OR_ADMIN_AUTHENTICATION_REQUIRED", 401},
    {"ADMIN_AUTHENTICATION_REQUIRED", 401},
    {"EXPECTED_INTERNAL_PROJECT", 401},
    // §3.3 Session / token
    {"UNPARSABLE_ACCESS_TOKEN", 401},
    {"ACCESS_TOKEN_EXPIRED", 401},
    {"INVALID_PROJECT_FOR_ACCESS_TOKEN", 401},
    {"REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED", 401},
    {"CANNOT_DELETE_CURRENT_SESSION", 400},
    {"PROVIDER_REJECTED", 401},
    {"BRANCH_DOES_NOT_EXIST", 400},
    // §3.4 Users, projects, keys
    {"USER_EMAIL_ALREADY_EXISTS", 409},
    {"EMAIL_NOT_VERIFIED", 400},
    {"CANNOT_GET_OWN_USER_WITHOUT_USER", 400},
    {"USER_ID_DOES_NOT_EXIST", 400},
    {"USER_NOT_FOUND", 404},
    {"PROJECT_NOT_FOUND", 404},
    {"USER_AUTHENTICATION_REQUIRED", 401},
    {"ANONYMOUS_ACCOUNTS_NOT_ENABLED", 400},
    // §3.5 Sign-up / sign-in / password
    {"SIGN_UP_NOT_ENABLED", 400},
    {"PASSWORD_AUTHENTICATION_NOT_ENABLED", 400},
    {"PASSKEY_AUTHENTICATION_NOT_ENABLED", 400},
    {"EMAIL_PASSWORD_MISMATCH", 400},
    {"REDIRECT_URL_NOT_WHITELISTED", 400},
    {"PASSWORD_TOO_SHORT", 400},
    {"PASSWORD_TOO_LONG", 400},
    {"USER_DOES_NOT_HAVE_PASSWORD", 400},
    {"PASSWORD_CONFIRMATION_MISMATCH", 400},
    // §3.6 Verification codes
    {"VERIFICATION_CODE_NOT_FOUND", 404},
    {"VERIFICATION_CODE_EXPIRED", 400},
    {"VERIFICATION_CODE_ALREADY_USED", 409},
    {"VERIFICATION_CODE_MAX_ATTEMPTS_REACHED", 400},
    // §3.7 E-mail / contact channels
    {"EMAIL_ALREADY_VERIFIED", 409},
    {"EMAIL_NOT_ASSOCIATED_WITH_USER", 400},
    {"EMAIL_IS_NOT_PRIMARY_EMAIL", 400},
    {"CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE", 409},
    {"EMAIL_RENDERING_ERROR", 400},
    // §3.8 Passkeys
    {"PASSKEY_REGISTRATION_FAILED", 400},
    {"PASSKEY_WEBAUTHN_ERROR", 400},
    {"PASSKEY_AUTHENTICATION_FAILED", 400},
    // §3.9 Teams / permissions
    {"PERMISSION_NOT_FOUND", 404},
    {"WRONG_PERMISSION_SCOPE", 404},
    {"PERMISSION_ID_ALREADY_EXISTS", 400},
    {"CONTAINED_PERMISSION_NOT_FOUND", 400},
    {"TEAM_NOT_FOUND", 404},
    {"TEAM_ALREADY_EXISTS", 409},
    {"TEAM_MEMBERSHIP_NOT_FOUND", 404},
    {"TEAM_MEMBERSHIP_ALREADY_EXISTS", 409},
    {"TEAM_PERMISSION_REQUIRED", 401},
    {"TEAM_PERMISSION_NOT_FOUND", 401},
    {"PROJECT_PERMISSION_REQUIRED", 401},
    {"EMAIL_TEMPLATE_ALREADY_EXISTS", 409},
    // §3.10 OAuth
    {"OAUTH_CONNECTION_NOT_CONNECTED_TO_USER", 400},
    {"OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER", 409},
    {"OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE", 400},
    {"OAUTH_EXTRA_SCOPE_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS", 400},
    {"OAUTH_ACCESS_TOKEN_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS", 400},
    {"INVALID_OAUTH_CLIENT_ID_OR_SECRET", 400},
    {"INVALID_SCOPE", 400},
    {"USER_ALREADY_CONNECTED_TO_ANOTHER_OAUTH_CONNECTION", 409},
    {"OUTER_OAUTH_TIMEOUT", 408},
    {"OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED", 400},
    {"INVALID_SHARED_OAUTH_PROVIDER_ID", 400},
    {"INVALID_STANDARD_OAUTH_PROVIDER_ID", 400},
    {"INVALID_AUTHORIZATION_CODE", 400},
    {"OAUTH_PROVIDER_ACCESS_DENIED", 400},
    // §3.11 MFA
    {"MULTI_FACTOR_AUTHENTICATION_REQUIRED", 400},
    {"INVALID_TOTP_CODE", 400},
    // §3.12 CLI authentication
    {"INVALID_POLLING_CODE", 400},
    {"CLI_AUTH_ERROR", 400},
    {"CLI_AUTH_EXPIRED_ERROR", 400},
    {"CLI_AUTH_USED_ERROR", 400},
    // §3.13 User/team API keys
    {"API_KEY_NOT_FOUND", 404},
    {"API_KEY_EXPIRED", 401},
    {"API_KEY_REVOKED", 401},
    {"WRONG_API_KEY_TYPE", 400},
    {"PUBLIC_API_KEY_CANNOT_BE_REVOKED", 400},
};

// Latchkey's own codes, beyond Stack's catalogue (errors.hpp).
const std::vector<std::pair<std::string, int>> kLatchkeyCodes = {
    {"TOO_MANY_REQUESTS", 429},
    {"SEARCH_TIMEOUT", 503},
};

// errors.md §2: never sent, so never in the table.
const std::vector<std::string> kAbstractCodes = {
    "PROJECT_AUTHENTICATION_ERROR",
    "INVALID_PROJECT_AUTHENTICATION",
    "INVALID_ADMIN_ACCESS_TOKEN",
    "PROJECT_AUTHENTICATION_REQUIRED",
    "SESSION_AUTHENTICATION_ERROR",
    "INVALID_SESSION_AUTHENTICATION",
    "INVALID_ACCESS_TOKEN",
    "REFRESH_TOKEN_ERROR",
    "PASSWORD_REQUIREMENTS_NOT_MET",
    "VERIFICATION_ERROR",
    "API_KEY_NOT_VALID",
};

// One instance from every factory.
std::vector<KnownError> every_factory() {
  using namespace errors;
  return {
      unsupported_error("NEW_CODE"),
      body_parsing_error("Invalid JSON in request body"),
      schema_error("bad"),
      all_overloads_failed({Json{{"code", "A"}, {"error", "a"}}}),
      project_key_without_access_type(),
      invalid_access_type("x"),
      access_type_without_project_id("client"),
      access_type_required(),
      insufficient_access_type("client", {"server"}),
      invalid_publishable_client_key("p"),
      invalid_secret_server_key("p"),
      invalid_super_secret_admin_key("p"),
      unparsable_admin_access_token(),
      admin_access_token_expired(std::nullopt),
      invalid_project_for_admin_access_token(),
      admin_access_token_is_not_admin(),
      client_authentication_required(),
      server_authentication_required(),
      client_or_server_authentication_required(),
      client_or_admin_authentication_required(),
      client_or_server_or_admin_authentication_required(),
      admin_authentication_required(),
      expected_internal_project(),
      unparsable_access_token(),
      access_token_expired(std::nullopt),
      invalid_project_for_access_token("a", "b"),
      refresh_token_not_found_or_expired(),
      cannot_delete_current_session(),
      provider_rejected(),
      branch_does_not_exist("b"),
      user_email_already_exists("a@b.c"),
      email_not_verified(),
      cannot_get_own_user_without_user(),
      user_id_does_not_exist("u"),
      user_not_found(),
      project_not_found("p"),
      user_authentication_required(),
      anonymous_accounts_not_enabled(),
      sign_up_not_enabled(),
      password_authentication_not_enabled(),
      passkey_authentication_not_enabled(),
      email_password_mismatch(),
      redirect_url_not_whitelisted(),
      password_too_short(),
      password_too_long(),
      user_does_not_have_password(),
      password_confirmation_mismatch(),
      verification_code_not_found(),
      verification_code_expired(),
      verification_code_already_used(),
      verification_code_max_attempts_reached(),
      email_already_verified(),
      email_not_associated_with_user(),
      email_is_not_primary_email("a@b.c", std::nullopt),
      contact_channel_already_used_for_auth_by_someone_else("email", std::nullopt),
      email_rendering_error("boom"),
      passkey_registration_failed("m"),
      passkey_webauthn_error("m", "c"),
      passkey_authentication_failed("m"),
      permission_not_found("p"),
      wrong_permission_scope("p", "team", "project"),
      permission_id_already_exists("p"),
      contained_permission_not_found("p"),
      team_not_found("t"),
      team_already_exists("t"),
      team_membership_not_found("t", "u"),
      team_membership_already_exists(),
      team_permission_required("t", "u", "p"),
      team_permission_not_found("t", "u", "p"),
      project_permission_required("u", "p"),
      email_template_already_exists(),
      oauth_connection_not_connected_to_user(),
      oauth_connection_already_connected_to_another_user(),
      oauth_connection_does_not_have_required_scope(),
      oauth_extra_scope_not_available_with_shared_oauth_keys(),
      oauth_access_token_not_available_with_shared_oauth_keys(),
      invalid_oauth_client_id_or_secret(std::nullopt),
      invalid_scope("s"),
      user_already_connected_to_another_oauth_connection(),
      outer_oauth_timeout(),
      oauth_provider_not_found_or_not_enabled(),
      invalid_shared_oauth_provider_id("x"),
      invalid_standard_oauth_provider_id("x"),
      invalid_authorization_code(),
      oauth_provider_access_denied(),
      multi_factor_authentication_required("code"),
      invalid_totp_code(),
      invalid_polling_code(),
      cli_auth_error("m"),
      cli_auth_expired_error(),
      cli_auth_used_error(),
      api_key_not_found(),
      api_key_expired(),
      api_key_revoked(),
      wrong_api_key_type("user", "team"),
      public_api_key_cannot_be_revoked(),
      too_many_requests(1500),
      search_timeout(1000),
  };
}

TEST(KnownErrorTable, CodesAreUnique) {
  std::set<std::string> seen;
  for (const auto& row : known_error_table()) {
    EXPECT_TRUE(seen.insert(std::string(row.code)).second) << "duplicate code " << row.code;
  }
}

TEST(KnownErrorTable, MatchesSpecCatalogue) {
  std::map<std::string, int> table;
  for (const auto& row : known_error_table()) table[std::string(row.code)] = row.status;
  for (const auto& codes : {kSpecCodes, kLatchkeyCodes}) {
    for (const auto& [code, status] : codes) {
      auto it = table.find(code);
      ASSERT_NE(it, table.end()) << code << " missing from the table";
      EXPECT_EQ(it->second, status) << code;
    }
  }
  EXPECT_EQ(table.size(), kSpecCodes.size() + kLatchkeyCodes.size())
      << "table has codes the spec does not list";
  for (const auto& code : kAbstractCodes) EXPECT_EQ(table.count(code), 0u) << code;
}

TEST(KnownErrorTable, EveryFactoryMatchesItsRowAndEveryRowHasAFactory) {
  std::map<std::string, int> table;
  for (const auto& row : known_error_table()) table[std::string(row.code)] = row.status;
  std::set<std::string> produced;
  for (const KnownError& e : every_factory()) {
    auto it = table.find(e.code());
    ASSERT_NE(it, table.end()) << e.code();
    EXPECT_EQ(e.status(), it->second) << e.code();
    EXPECT_FALSE(e.message().empty()) << e.code();
    EXPECT_TRUE(e.details().is_null() || e.details().is_object()) << e.code();
    EXPECT_TRUE(produced.insert(e.code()).second) << "two factories for " << e.code();
  }
  EXPECT_EQ(produced.size(), table.size());
}

void expect_error(const KnownError& e, std::string_view code, int status, std::string_view message,
                  const Json& details) {
  EXPECT_EQ(e.code(), code);
  EXPECT_EQ(e.status(), status);
  EXPECT_EQ(e.message(), message);
  EXPECT_EQ(e.details().dump(), details.dump()) << code;  // dump(): key order matters
}

TEST(KnownErrorFactories, SchemaError) {
  const std::string m =
      "Request validation failed on POST /api/v1/auth/password/update:\n"
      "  - body.old_password must be defined";
  expect_error(errors::schema_error(m), "SCHEMA_ERROR", 400, m, Json{{"message", m}});
}

TEST(KnownErrorFactories, BodyParsingErrorHasNoDetails) {
  expect_error(errors::body_parsing_error("Invalid JSON in request body"), "BODY_PARSING_ERROR",
               400, "Invalid JSON in request body", Json());
}

TEST(KnownErrorFactories, InvalidAccessTypeHasNoDetails) {
  expect_error(errors::invalid_access_type("nope"), "INVALID_ACCESS_TYPE", 400,
               "The x-stack-access-type header must be 'client', 'server', or 'admin', but was "
               "'nope'.",
               Json());
}

TEST(KnownErrorFactories, AccessTypeWithoutProjectId) {
  expect_error(errors::access_type_without_project_id("client"), "ACCESS_TYPE_WITHOUT_PROJECT_ID",
               400,
               "The x-stack-access-type header was 'client', but the x-stack-project-id header "
               "was not provided.\n\nFor more information, see the docs on REST API "
               "authentication: https://docs.stack-auth.com/rest-api/overview#authentication",
               Json{{"request_type", "client"}});
}

TEST(KnownErrorFactories, AccessTypeRequired) {
  expect_error(errors::access_type_required(), "ACCESS_TYPE_REQUIRED", 400,
               "You must specify an access level for this Stack project. Make sure project API "
               "keys are provided (eg. x-stack-publishable-client-key) and you set the "
               "x-stack-access-type header to 'client', 'server', or 'admin'.\n\nFor more "
               "information, see the docs on REST API authentication: "
               "https://docs.stack-auth.com/rest-api/overview#authentication",
               Json());
}

TEST(KnownErrorFactories, InsufficientAccessType) {
  expect_error(errors::insufficient_access_type("client", {"server", "admin"}),
               "INSUFFICIENT_ACCESS_TYPE", 401,
               "The x-stack-access-type header must be 'server' or 'admin', but was 'client'.",
               Json{{"actual_access_type", "client"},
                    {"allowed_access_types", Json::array({"server", "admin"})}});
  EXPECT_EQ(errors::insufficient_access_type("server", {"admin"}).message(),
            "The x-stack-access-type header must be 'admin', but was 'server'.");
}

TEST(KnownErrorFactories, InvalidProjectKeysQuoteTheProjectId) {
  expect_error(errors::invalid_publishable_client_key("internal"), "INVALID_PUBLISHABLE_CLIENT_KEY",
               401,
               "The publishable key is not valid for the project \"internal\". Does the project "
               "and/or the key exist?",
               Json{{"project_id", "internal"}});
  expect_error(errors::invalid_secret_server_key("internal"), "INVALID_SECRET_SERVER_KEY", 401,
               "The secret server key is not valid for the project \"internal\". Does the project "
               "and/or the key exist?",
               Json{{"project_id", "internal"}});
  expect_error(errors::invalid_super_secret_admin_key("a\"b"), "INVALID_SUPER_SECRET_ADMIN_KEY",
               401,
               "The super secret admin key is not valid for the project \"a\\\"b\". Does the "
               "project and/or the key exist?",
               Json{{"project_id", "a\"b"}});
}

TEST(KnownErrorFactories, AccessTokenExpiredWithExpiry) {
  expect_error(errors::access_token_expired(1738374988000), "ACCESS_TOKEN_EXPIRED", 401,
               "Access token has expired. Please refresh it and try again. (The access token "
               "expired at 2025-02-01T01:56:28.000Z.)",
               Json{{"expired_at_millis", 1738374988000}});
}

TEST(KnownErrorFactories, AccessTokenExpiredWithoutExpiry) {
  expect_error(errors::access_token_expired(std::nullopt), "ACCESS_TOKEN_EXPIRED", 401,
               "Access token has expired. Please refresh it and try again.",
               Json{{"expired_at_millis", nullptr}});
  EXPECT_EQ(errors::access_token_expired(std::nullopt).to_json().dump(),
            R"({"code":"ACCESS_TOKEN_EXPIRED","details":{"expired_at_millis":null},)"
            R"("error":"Access token has expired. Please refresh it and try again."})");
}

TEST(KnownErrorFactories, AdminAccessTokenExpired) {
  expect_error(errors::admin_access_token_expired(1738374988123), "ADMIN_ACCESS_TOKEN_EXPIRED", 401,
               "Admin access token has expired. Please refresh it and try again. (The access "
               "token expired at 2025-02-01T01:56:28.123Z.)",
               Json{{"expired_at_millis", 1738374988123}});
  expect_error(errors::admin_access_token_expired(std::nullopt), "ADMIN_ACCESS_TOKEN_EXPIRED", 401,
               "Admin access token has expired. Please refresh it and try again.",
               Json{{"expired_at_millis", nullptr}});
}

TEST(KnownErrorFactories, InvalidProjectForAccessToken) {
  expect_error(errors::invalid_project_for_access_token("internal", "other"),
               "INVALID_PROJECT_FOR_ACCESS_TOKEN", 401,
               "Access token not valid for this project. Expected project ID \"internal\", but "
               "the token is for project ID \"other\".",
               Json{{"expected_project_id", "internal"}, {"actual_project_id", "other"}});
}

TEST(KnownErrorFactories, BranchDoesNotExistIsNotQuoted) {
  expect_error(errors::branch_does_not_exist("dev"), "BRANCH_DOES_NOT_EXIST", 400,
               "The branch with ID dev does not exist.", Json{{"branch_id", "dev"}});
}

TEST(KnownErrorFactories, UserEmailAlreadyExists) {
  expect_error(errors::user_email_already_exists("a@example.com"), "USER_EMAIL_ALREADY_EXISTS", 409,
               "A user with email \"a@example.com\" already exists.",
               Json{{"email", "a@example.com"}});
}

TEST(KnownErrorFactories, PasswordLengths) {
  expect_error(errors::password_too_short(8), "PASSWORD_TOO_SHORT", 400,
               "Password too short. Minimum length is 8.", Json{{"min_length", 8}});
  EXPECT_EQ(errors::password_too_short().details(), (Json{{"min_length", 8}}));
  // ⚠ camelCase key.
  expect_error(errors::password_too_long(70), "PASSWORD_TOO_LONG", 400,
               "Password too long. Maximum length is 70.", Json{{"maxLength", 70}});
  EXPECT_EQ(errors::password_too_long().details(), (Json{{"maxLength", 70}}));
}

TEST(KnownErrorFactories, UnsupportedErrorCamelCaseDetails) {
  expect_error(errors::unsupported_error("FOO"), "UNSUPPORTED_ERROR", 500,
               "An error occurred that is not currently supported (possibly because it was added "
               "in a version of Stack that is newer than this client). The original unsupported "
               "error code was: FOO",
               Json{{"originalErrorCode", "FOO"}});
}

TEST(KnownErrorFactories, EmailIsNotPrimaryEmail) {
  expect_error(errors::email_is_not_primary_email("a@x.io", std::nullopt),
               "EMAIL_IS_NOT_PRIMARY_EMAIL", 400,
               "The given e-mail (a@x.io) must equal the user's primary e-mail (null).",
               Json{{"email", "a@x.io"}, {"primary_email", nullptr}});
  EXPECT_EQ(errors::email_is_not_primary_email("a@x.io", "b@x.io").message(),
            "The given e-mail (a@x.io) must equal the user's primary e-mail (b@x.io).");
}

TEST(KnownErrorFactories, ContactChannelAlreadyUsed) {
  expect_error(errors::contact_channel_already_used_for_auth_by_someone_else("email", "a@x.io"),
               "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE", 409,
               "The email (a@x.io) is already used for authentication by another account.",
               Json{{"type", "email"}, {"contact_channel_value", "a@x.io"}});
  expect_error(errors::contact_channel_already_used_for_auth_by_someone_else("email", std::nullopt),
               "CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE", 409,
               "This email is already used for authentication by another account.",
               Json{{"type", "email"}, {"contact_channel_value", nullptr}});
}

TEST(KnownErrorFactories, Permissions) {
  expect_error(errors::permission_not_found("read"), "PERMISSION_NOT_FOUND", 404,
               "Permission \"read\" not found. Make sure you created it on the dashboard.",
               Json{{"permission_id", "read"}});
  expect_error(
      errors::wrong_permission_scope("read", "team", "project"), "WRONG_PERMISSION_SCOPE", 404,
      "Permission \"read\" not found. (It was found for a different scope \"project\", "
      "but scope \"team\" was expected.)",
      Json{{"permission_id", "read"}, {"expected_scope", "team"}, {"actual_scope", "project"}});
  EXPECT_EQ(errors::wrong_permission_scope("read", "project", std::nullopt).message(),
            "Permission \"read\" not found. (It was found for a different scope null, but scope "
            "\"project\" was expected.)");
  expect_error(errors::team_permission_required("t1", "u1", "p1"), "TEAM_PERMISSION_REQUIRED", 401,
               "User u1 does not have permission p1 in team t1.",
               Json{{"team_id", "t1"}, {"user_id", "u1"}, {"permission_id", "p1"}});
  expect_error(errors::team_membership_not_found("t1", "u1"), "TEAM_MEMBERSHIP_NOT_FOUND", 404,
               "User u1 is not found in team t1.", Json{{"team_id", "t1"}, {"user_id", "u1"}});
}

TEST(KnownErrorFactories, OAuth) {
  expect_error(errors::invalid_oauth_client_id_or_secret("internal#nope"),
               "INVALID_OAUTH_CLIENT_ID_OR_SECRET", 400,
               "The OAuth client ID or secret is invalid. The client ID must be equal to the "
               "project ID (potentially with a hash and a branch ID), and the client secret must "
               "be a publishable client key.",
               Json{{"client_id", "internal#nope"}});
  EXPECT_EQ(errors::invalid_oauth_client_id_or_secret(std::nullopt).details(),
            (Json{{"client_id", nullptr}}));
  expect_error(errors::invalid_scope("x"), "INVALID_SCOPE", 400,
               "The scope \"x\" is not a valid OAuth scope for Stack.", Json());
}

TEST(KnownErrorFactories, MiscDetails) {
  expect_error(
      errors::multi_factor_authentication_required("abc"), "MULTI_FACTOR_AUTHENTICATION_REQUIRED",
      400, "Multi-factor authentication is required for this user.", Json{{"attempt_code", "abc"}});
  expect_error(errors::wrong_api_key_type("user", "team"), "WRONG_API_KEY_TYPE", 400,
               "This endpoint is for user API keys, but a team API key was provided.",
               Json{{"expected_type", "user"}, {"actual_type", "team"}});
  expect_error(errors::passkey_webauthn_error("bad", "E1"), "PASSKEY_WEBAUTHN_ERROR", 400, "bad",
               Json{{"message", "bad"}, {"code", "E1"}});
  expect_error(errors::cli_auth_expired_error(), "CLI_AUTH_EXPIRED_ERROR", 400,
               "CLI authentication request expired. Please try again.", Json());
  expect_error(errors::cli_auth_used_error(), "CLI_AUTH_USED_ERROR", 400,
               "This authentication token has already been used.", Json());
  expect_error(errors::invalid_polling_code(), "INVALID_POLLING_CODE", 400,
               "The polling code is invalid or does not exist.", Json());
  EXPECT_EQ(errors::invalid_polling_code(Json{{"x", 1}}).details(), (Json{{"x", 1}}));
  expect_error(errors::project_not_found("p1"), "PROJECT_NOT_FOUND", 404,
               "Project p1 not found or is not accessible with the current user.",
               Json{{"project_id", "p1"}});
}

TEST(KnownErrorFactories, AllOverloadsFailed) {
  const Json a = errors::insufficient_access_type("client", {"server"}).to_json();
  const Json b = Json{{"status_code", 404}, {"message", "x"}, {"headers", Json::object()}};
  const KnownError e = errors::all_overloads_failed({a, b});
  EXPECT_EQ(e.code(), "ALL_OVERLOADS_FAILED");
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.message(),
            "This endpoint has multiple overloads, but they all failed to process the request.\n"
            "\n"
            "  Overload 1: {\n"
            "    \"code\": \"INSUFFICIENT_ACCESS_TYPE\",\n"
            "    \"details\": {\n"
            "      \"actual_access_type\": \"client\",\n"
            "      \"allowed_access_types\": [\n"
            "        \"server\"\n"
            "      ]\n"
            "    },\n"
            "    \"error\": \"The x-stack-access-type header must be 'server', but was "
            "'client'.\"\n"
            "  }\n"
            "  \n"
            "  Overload 2: {\n"
            "    \"status_code\": 404,\n"
            "    \"message\": \"x\",\n"
            "    \"headers\": {}\n"
            "  }");
  EXPECT_EQ(e.details().dump(), (Json{{"overload_errors", Json::array({a, b})}}).dump());
}

TEST(KnownErrorFactories, InvalidUtf8DoesNotThrow) {
  const std::string bad = "a\xff";
  const KnownError e = errors::user_email_already_exists(bad);
  EXPECT_EQ(e.message(), "A user with email \"a\xEF\xBF\xBD\" already exists.");
}

TEST(KnownErrorJson, KeyOrderCodeDetailsError) {
  const KnownError e = errors::branch_does_not_exist("dev");
  EXPECT_EQ(e.to_json().dump(), R"({"code":"BRANCH_DOES_NOT_EXIST","details":{"branch_id":"dev"},)"
                                R"("error":"The branch with ID dev does not exist."})");
  EXPECT_EQ(e.to_json().dump(2),
            "{\n"
            "  \"code\": \"BRANCH_DOES_NOT_EXIST\",\n"
            "  \"details\": {\n"
            "    \"branch_id\": \"dev\"\n"
            "  },\n"
            "  \"error\": \"The branch with ID dev does not exist.\"\n"
            "}");
}

TEST(KnownErrorJson, DetailsOmittedWhenNull) {
  EXPECT_EQ(errors::user_not_found().to_json().dump(),
            R"({"code":"USER_NOT_FOUND","error":"User not found."})");
}

TEST(KnownErrorJson, WhatIsTheMessage) {
  EXPECT_STREQ(errors::user_not_found().what(), "User not found.");
}

TEST(IsoMillis, FormatsLikeJavaScriptToIsoString) {
  EXPECT_EQ(iso_millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso_millis(1738374988000), "2025-02-01T01:56:28.000Z");
  EXPECT_EQ(iso_millis(951868799999), "2000-02-29T23:59:59.999Z");
  EXPECT_EQ(iso_millis(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(iso_millis(-2203891199877), "1900-03-01T00:00:00.123Z");
  EXPECT_EQ(iso_millis(253402300799999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(iso_millis(-62167219200000), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(iso_millis(253402300800000), "+010000-01-01T00:00:00.000Z");
  EXPECT_EQ(iso_millis(-62167219200001), "-000001-12-31T23:59:59.999Z");
}

TEST(KnownErrorFactories, TooManyRequestsRoundsTheWaitUp) {
  expect_error(errors::too_many_requests(1500), "TOO_MANY_REQUESTS", 429,
               "Too many attempts. Please wait 2 seconds before trying again.",
               Json{{"retry_after_seconds", 2}});
  EXPECT_EQ(errors::too_many_requests(1).message(),
            "Too many attempts. Please wait 1 second before trying again.");
}

TEST(KnownErrorFactories, SearchTimeoutNamesItsLimit) {
  expect_error(errors::search_timeout(1000), "SEARCH_TIMEOUT", 503,
               "The search took longer than 1000 ms and was stopped. Search for a longer text (3 "
               "characters or more use the search index), or try again later.",
               Json{{"limit_millis", 1000}});
}

}  // namespace
}  // namespace latchkey::core
