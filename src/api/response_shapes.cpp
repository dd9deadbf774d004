#include "api/response_shapes.hpp"

#include <map>
#include <mutex>

#include "core/rate_limits.hpp"

namespace latchkey::api::shapes {

using namespace http;

namespace {

FieldSpec id(std::string name) { return string_field(std::move(name)).required(); }
FieldSpec millis(std::string name) { return integer_field(std::move(name)).required(); }
FieldSpec flag(std::string name) { return boolean_field(std::move(name)).required(); }
FieldSpec text_or_null(std::string name) {
  return string_field(std::move(name)).nullable().required();
}
FieldSpec metadata(std::string name) { return any_field(std::move(name)).nullable().required(); }
FieldSpec server(FieldSpec f) {
  f.is_required = false;  // required of server and admin answers only
  return std::move(f).server_only();
}

}  // namespace

const ObjectSpec& success() {
  static const ObjectSpec spec{{flag("success")}};
  return spec;
}

const ObjectSpec& team() {
  static const ObjectSpec spec{{
      id("id"),
      string_field("display_name").required(),
      text_or_null("profile_image_url"),
      server(millis("created_at_millis")),
      metadata("client_metadata"),
      metadata("client_read_only_metadata"),
      server(metadata("server_metadata")),
  }};
  return spec;
}

const ObjectSpec& user() {
  static const ObjectSpec oauth_provider{{
      id("id"),
      id("account_id"),
      text_or_null("email"),
  }};
  static const ObjectSpec spec{{
      id("id"),
      text_or_null("display_name"),
      text_or_null("primary_email"),
      flag("primary_email_verified"),
      server(flag("primary_email_auth_enabled")),
      text_or_null("profile_image_url"),
      millis("signed_up_at_millis"),
      server(millis("last_active_at_millis")),
      flag("is_anonymous"),
      metadata("client_metadata"),
      metadata("client_read_only_metadata"),
      server(metadata("server_metadata")),
      flag("has_password"),
      flag("otp_auth_enabled"),
      flag("passkey_auth_enabled"),
      flag("auth_with_email"),
      flag("requires_totp_mfa"),
      array_field("oauth_providers").required().of(oauth_provider),
      text_or_null("selected_team_id"),
      object_field("selected_team").nullable().required().of(team()),
  }};
  return spec;
}

const ObjectSpec& team_membership() {
  static const ObjectSpec spec{{id("team_id"), id("user_id")}};
  return spec;
}

const ObjectSpec& member_profile() {
  static const ObjectSpec spec{{
      id("team_id"),
      id("user_id"),
      text_or_null("display_name"),
      text_or_null("profile_image_url"),
      server(object_field("user").required().of(user())),
  }};
  return spec;
}

const ObjectSpec& contact_channel() {
  static const ObjectSpec spec{{
      id("id"),
      id("user_id"),
      one_of_field("type", {"email"}).required(),
      id("value"),
      flag("is_primary"),
      flag("is_verified"),
      flag("used_for_auth"),
  }};
  return spec;
}

const ObjectSpec& session() {
  static const ObjectSpec spec{{
      id("id"),
      id("user_id"),
      millis("created_at"),
      integer_field("last_used_at").describe("Absent until the session is used."),
      flag("is_impersonation"),
      flag("is_current_session"),
  }};
  return spec;
}

const ObjectSpec& sign_in() {
  static const ObjectSpec spec{{
      id("access_token"),
      id("refresh_token"),
      id("user_id"),
      boolean_field("is_new_user")
          .describe("Sign-ins that may create the user say whether they did."),
  }};
  return spec;
}

const ObjectSpec& access_token() {
  static const ObjectSpec spec{{id("access_token")}};
  return spec;
}

const ObjectSpec& tokens() {
  static const ObjectSpec spec{{id("access_token"), id("refresh_token")}};
  return spec;
}

const ObjectSpec& code_is_valid() {
  static const ObjectSpec spec{{flag("is_code_valid")}};
  return spec;
}

const ObjectSpec& empty() { return kNoFields; }

const ObjectSpec& permission() {
  static const ObjectSpec spec{{
      id("id"),
      string_field("description").describe("Absent when empty."),
      array_field("contained_permission_ids").required(),
  }};
  return spec;
}

const ObjectSpec& permission_grant() {
  static const ObjectSpec spec{{
      id("id"),
      string_field("team_id").describe("A team permission's team (absent for project ones)."),
      id("user_id"),
  }};
  return spec;
}

const ObjectSpec& team_invitation() {
  static const ObjectSpec spec{{
      id("id"),
      id("team_id"),
      id("recipient_email"),
      millis("expires_at_millis"),
  }};
  return spec;
}

const ObjectSpec& api_key() {
  static const ObjectSpec spec{{
      id("id"),
      id("description"),
      flag("is_public"),
      millis("created_at_millis"),
      integer_field("expires_at_millis").describe("Absent: never expires."),
      integer_field("manually_revoked_at_millis").describe("Present once revoked."),
      any_field("value").required().describe(
          "The key itself (a string) when created, {last_four} afterwards."),
      string_field("user_id").describe("A user key's owner."),
      string_field("team_id").describe("A team key's owner."),
      one_of_field("type", {"user", "team"}).required(),
  }};
  return spec;
}

const ObjectSpec& project() {
  static const ObjectSpec spec{{
      id("id"),
      id("display_name"),
      id("description"),
      millis("created_at_millis"),
      integer_field("user_count").required(),
      flag("is_production_mode"),
      object_field("config").required().describe("The project's configuration."),
  }};
  return spec;
}

const ObjectSpec& client_project() {
  static const ObjectSpec spec{{
      id("id"),
      id("display_name"),
      object_field("config").required().describe("The configuration a client may see."),
  }};
  return spec;
}

namespace {

// One key of a key set: its value on creation, its last four characters
// afterwards; absent when the set has no such key.
const char* const kKeyNames[] = {"publishable_client_key", "secret_server_key",
                                 "super_secret_admin_key"};

ObjectSpec key_set_spec(bool created) {
  static const ObjectSpec last_four{{id("last_four")}};
  ObjectSpec spec{{id("id"), id("description")}};
  for (const char* name : kKeyNames)
    spec.fields.push_back(created ? string_field(name) : object_field(name).of(last_four));
  spec.fields.push_back(millis("created_at_millis"));
  spec.fields.push_back(millis("expires_at_millis"));
  if (!created)
    spec.fields.push_back(
        integer_field("manually_revoked_at_millis").describe("Present once revoked."));
  return spec;
}

}  // namespace

const ObjectSpec& key_set() {
  static const ObjectSpec spec = key_set_spec(false);
  return spec;
}

const ObjectSpec& created_key_set() {
  static const ObjectSpec spec = key_set_spec(true);
  return spec;
}

const ObjectSpec& sent_email() {
  static const ObjectSpec spec{{
      id("id"),
      string_field("subject").required(),
      millis("sent_at_millis"),
      array_field("to").required(),
      any_field("sender_config").required(),
      any_field("error").required().describe("null when the e-mail was sent."),
  }};
  return spec;
}

const ObjectSpec& notification_preference() {
  static const ObjectSpec spec{{
      id("notification_category_id"),
      id("notification_category_name"),
      flag("enabled"),
      flag("can_disable"),
  }};
  return spec;
}

const ObjectSpec& email_template() {
  static const ObjectSpec spec{{
      id("type"),
      string_field("subject").required(),
      any_field("content").required(),
      flag("is_default"),
  }};
  return spec;
}

const ObjectSpec& rate_limits() {
  static const ObjectSpec limit{{
      id("effective"),
      id("server_default"),
      text_or_null("project_override"),
  }};
  static const ObjectSpec spec = [] {
    ObjectSpec by_name;  // each limit a project may set
    for (core::Limit l : core::kAllLimits)
      if (core::limit_per_project(l))
        by_name.fields.push_back(object_field(core::limit_name(l)).required().of(limit));
    return by_name;
  }();
  return spec;
}

const ObjectSpec& passkey_challenge() {
  static const ObjectSpec spec{{
      object_field("options_json").required().describe("WebAuthn's options for the browser."),
      id("code"),
  }};
  return spec;
}

const ObjectSpec& passkey_registered() {
  static const ObjectSpec spec{{id("user_handle")}};
  return spec;
}

const ObjectSpec& otp_sent() {
  static const ObjectSpec spec{{id("nonce")}};
  return spec;
}

const ObjectSpec& reset_code_sent() {
  static const ObjectSpec spec{{
      id("success").describe("\"maybe, only if user with e-mail exists\": no account oracle."),
  }};
  return spec;
}

const ObjectSpec& invitation_sent() {
  static const ObjectSpec spec{{flag("success"), id("id")}};
  return spec;
}

const ObjectSpec& invitation_details() {
  static const ObjectSpec spec{{id("team_id"), id("team_display_name")}};
  return spec;
}

const ObjectSpec& cli_login() {
  static const ObjectSpec spec{{
      id("polling_code"),
      id("login_code"),
      id("expires_at").describe("ISO 8601."),
  }};
  return spec;
}

const ObjectSpec& version_check() {
  static const ObjectSpec spec{{
      flag("upToDate"),
      string_field("error").describe("When not up to date."),
      boolean_field("severe").describe("When not up to date."),
  }};
  return spec;
}

const ObjectSpec& jwks() {
  static const ObjectSpec spec{{array_field("keys").required().describe("JSON Web Keys.")}};
  return spec;
}

const ObjectSpec& oauth_tokens() {
  static const ObjectSpec spec{{
      id("access_token"),
      one_of_field("token_type", {"Bearer"}).required(),
      integer_field("expires_in").required(),
      string_field("refresh_token").describe("Authorization-code grant."),
      id("scope"),
      boolean_field("newUser").describe("Authorization-code grant."),
      boolean_field("is_new_user").describe("Authorization-code grant."),
      string_field("afterCallbackRedirectUrl").nullable().describe("Authorization-code grant."),
      string_field("after_callback_redirect_url").nullable().describe("Authorization-code grant."),
  }};
  return spec;
}

const ObjectSpec& custom_emails_sent() {
  static const ObjectSpec result{{
      id("user_id"),
      string_field("user_email"),
      flag("success"),
      string_field("error"),
  }};
  static const ObjectSpec spec{{array_field("results").required().of(result)}};
  return spec;
}

const ObjectSpec& test_email_sent() {
  static const ObjectSpec spec{{flag("success"), string_field("error_message")}};
  return spec;
}

const ObjectSpec& rendered_email() {
  static const ObjectSpec spec{{
      id("html"),
      string_field("subject").describe("A template's preview."),
      string_field("notification_category").describe("A template's preview."),
  }};
  return spec;
}

const ObjectSpec& svix_token() {
  static const ObjectSpec spec{{id("token")}};
  return spec;
}

const ObjectSpec& cli_poll() {
  static const ObjectSpec spec{{
      id("status").describe("waiting, or success (then 201 with the refresh token)."),
      string_field("refresh_token").describe("Once the login is completed (201)."),
  }};
  return spec;
}

const ObjectSpec& failed_emails_digest() {
  static const ObjectSpec spec{{
      flag("success"),
      object_field("failed_emails_by_tenancy").required(),
  }};
  return spec;
}

const ObjectSpec& svix_app() {
  static const ObjectSpec spec{{
      id("id"),
      id("uid").describe("The project's id."),
      id("name"),
      integer_field("rateLimit").nullable().required(),
      object_field("metadata").required(),
      id("createdAt"),
      id("updatedAt"),
  }};
  return spec;
}

const ObjectSpec& svix_endpoint() {
  static const ObjectSpec spec{{
      id("id"),
      text_or_null("uid"),
      id("url"),
      string_field("description").required(),
      integer_field("version").required(),
      flag("disabled"),
      array_field("filterTypes").nullable().required(),
      array_field("channels").nullable().required(),
      integer_field("rateLimit").nullable().required(),
      object_field("metadata").required(),
      id("createdAt"),
      id("updatedAt"),
  }};
  return spec;
}

const ObjectSpec& svix_endpoint_secret() {
  static const ObjectSpec spec{{id("key")}};
  return spec;
}

const ObjectSpec& svix_message() {
  static const ObjectSpec spec{{
      id("id"),
      id("eventType"),
      text_or_null("eventId"),
      object_field("payload").required().describe("{} without with_content."),
      array_field("channels").nullable().required(),
      id("timestamp"),
  }};
  return spec;
}

const ObjectSpec& svix_attempt() {
  static const ObjectSpec spec{{
      id("id"),
      id("msgId"),
      id("endpointId"),
      id("url"),
      string_field("response").required(),
      integer_field("responseStatusCode").required(),
      integer_field("responseDurationMs").required(),
      integer_field("status").required().describe("0 success, 1 pending, 2 failed, 3 sending."),
      integer_field("triggerType").required(),
      id("timestamp"),
  }};
  return spec;
}

namespace {

// The envelopes made so far, by item: node-based maps, so references stay
// valid (made at registration, kept for good).
const ObjectSpec& envelope_of(std::map<const ObjectSpec*, ObjectSpec>& made, const ObjectSpec& item,
                              std::vector<FieldSpec> (*fields)(const ObjectSpec&)) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  auto [it, inserted] = made.try_emplace(&item);
  if (inserted) it->second.fields = fields(item);
  return it->second;
}

}  // namespace

const ObjectSpec& svix_page_of(const ObjectSpec& item) {
  static std::map<const ObjectSpec*, ObjectSpec> made;
  return envelope_of(made, item, [](const ObjectSpec& of) {
    return std::vector<FieldSpec>{
        array_field("data").required().of(of),
        text_or_null("iterator"),
        text_or_null("prevIterator"),
        flag("done"),
    };
  });
}

const ObjectSpec& list_of(const ObjectSpec& item) {
  static std::map<const ObjectSpec*, ObjectSpec> made;
  return envelope_of(made, item, [](const ObjectSpec& of) {
    static const ObjectSpec pagination{{text_or_null("next_cursor")}};
    return std::vector<FieldSpec>{
        array_field("items").required().of(of),
        flag("is_paginated"),
        object_field("pagination").of(pagination).describe("With is_paginated true."),
    };
  });
}

}  // namespace latchkey::api::shapes
