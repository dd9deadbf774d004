// The JSON objects the API answers, once each, for the routes' declared
// success answers (RouteSpec::response; documentation only, validated
// against real answers by tests/openapi). Stack's reference shapes of
// a5734defb (core/client_version.hpp): an SDK that sends its client version
// gets the later fields too. Fields marked server_only are present for
// server and admin access only. Written where the objects are: core's
// views (users.cpp user_view, teams.cpp team_view, ...) and the handlers.
#pragma once
#include "http/route_spec.hpp"

namespace latchkey::api::shapes {

using http::ObjectSpec;

const ObjectSpec& success();                  // {success: true}
const ObjectSpec& user();                     // core::user_view
const ObjectSpec& team();                     // core::team_view
const ObjectSpec& team_membership();          // {team_id, user_id}
const ObjectSpec& member_profile();           // core::member_profile_view
const ObjectSpec& contact_channel();          // core::contact_channel_view
const ObjectSpec& session();                  // auth_sessions.cpp session_view
const ObjectSpec& sign_in();                  // the tokens of a sign-in or sign-up
const ObjectSpec& access_token();             // {access_token}
const ObjectSpec& tokens();                   // {access_token, refresh_token}
const ObjectSpec& code_is_valid();            // {is_code_valid: true} (code_body.hpp)
const ObjectSpec& empty();                    // {}
const ObjectSpec& permission();               // core::definition_view
const ObjectSpec& permission_grant();         // a user's permission (in a team, or the project)
const ObjectSpec& team_invitation();          // core::list_team_invitations' items
const ObjectSpec& api_key();                  // core::api_key_view
const ObjectSpec& project();                  // core::project_admin_view
const ObjectSpec& client_project();           // core::project_client_view
const ObjectSpec& key_set();                  // core::key_set_view
const ObjectSpec& created_key_set();          // core::key_set_created_view
const ObjectSpec& sent_email();               // emails.cpp sent_email_view
const ObjectSpec& notification_preference();  // core::preference_view
const ObjectSpec& email_template();           // core/email_templates.cpp view

// The answers of one route each.
const ObjectSpec& rate_limits();           // core::project_rate_limits_view
const ObjectSpec& passkey_challenge();     // {options_json, code}
const ObjectSpec& passkey_registered();    // {user_handle}
const ObjectSpec& otp_sent();              // {nonce}
const ObjectSpec& reset_code_sent();       // {success: "maybe, ..."}
const ObjectSpec& invitation_sent();       // {success, id}
const ObjectSpec& invitation_details();    // {team_id, team_display_name}
const ObjectSpec& cli_login();             // core::start_cli_login
const ObjectSpec& version_check();         // root.cpp check_version
const ObjectSpec& jwks();                  // core::TokenService::jwks
const ObjectSpec& oauth_tokens();          // the OAuth token endpoint's grants
const ObjectSpec& custom_emails_sent();    // emails.cpp send_email
const ObjectSpec& test_email_sent();       // emails.cpp send_test_email
const ObjectSpec& rendered_email();        // emails.cpp render_email
const ObjectSpec& svix_token();            // {token}
const ObjectSpec& cli_poll();              // auth_cli.cpp poll
const ObjectSpec& failed_emails_digest();  // emails.cpp failed_emails_digest

// Svix's objects (core/webhook_admin.cpp), camelCase as Svix writes them.
const ObjectSpec& svix_app();
const ObjectSpec& svix_endpoint();
const ObjectSpec& svix_endpoint_secret();
const ObjectSpec& svix_message();
const ObjectSpec& svix_attempt();
// Svix's list envelope of `item`: {data, iterator, prevIterator, done}.
const ObjectSpec& svix_page_of(const ObjectSpec& item);

// The list envelope of `item`: {items, is_paginated, pagination?}. The
// same object for the same item (made at registration, kept for good).
const ObjectSpec& list_of(const ObjectSpec& item);

}  // namespace latchkey::api::shapes
