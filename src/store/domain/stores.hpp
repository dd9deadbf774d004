// The domain stores, each written once over the SQL layer (store/sql/) and
// run on either engine; and the pieces one store's transaction borrows from
// another (a sign-up writes the user, its team, its permissions and its
// first session together).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/api_key_store.hpp"
#include "store/cli_login_store.hpp"
#include "store/contact_channel_store.hpp"
#include "store/email_store.hpp"
#include "store/json_columns.hpp"
#include "store/oauth_store.hpp"
#include "store/passkey_store.hpp"
#include "store/permission_store.hpp"
#include "store/project_store.hpp"
#include "store/rate_limit_store.hpp"
#include "store/sent_email_store.hpp"
#include "store/session_store.hpp"
#include "store/sql/columns.hpp"
#include "store/sql/sql.hpp"
#include "store/team_store.hpp"
#include "store/totp_store.hpp"
#include "store/user_store.hpp"
#include "store/verification_code_store.hpp"
#include "store/webhook_store.hpp"

namespace latchkey::store::domain {

std::unique_ptr<ProjectStore> make_project_store(sql::Database& db);
std::unique_ptr<UserStore> make_user_store(sql::Database& db);
// Every statement GET /users may run, for the plan tests: the pages (each
// order, with and without a cursor; without a text, walking, walking a
// range, through the index, from a team's members without and with a
// text: 24), then where a walk's range ends (each order, from the start or
// a position: 4).
std::vector<sql::Sql> user_list_statements();
std::unique_ptr<SessionStore> make_session_store(sql::Database& db);
std::unique_ptr<ContactChannelStore> make_contact_channel_store(sql::Database& db);
std::unique_ptr<VerificationCodeStore> make_verification_code_store(sql::Database& db);
std::unique_ptr<SentEmailStore> make_sent_email_store(sql::Database& db);
std::unique_ptr<EmailStore> make_email_store(sql::Database& db);
std::unique_ptr<OAuthStore> make_oauth_store(sql::Database& db);
std::unique_ptr<PasskeyStore> make_passkey_store(sql::Database& db);
std::unique_ptr<TotpStore> make_totp_store(sql::Database& db);
std::unique_ptr<TeamStore> make_team_store(sql::Database& db);
std::unique_ptr<PermissionStore> make_permission_store(sql::Database& db);
std::unique_ptr<WebhookStore> make_webhook_store(sql::Database& db);
std::unique_ptr<ApiKeyStore> make_api_key_store(sql::Database& db);
std::unique_ptr<CliLoginStore> make_cli_login_store(sql::Database& db);
std::unique_ptr<RateLimitStore> make_rate_limit_store(sql::Database& db);

// --- sessions (session_store.cpp)
// A session row's columns.
const sql::Columns<Session>& session_columns();
// The session read by refresh-token digest ($1): the pool's read and the
// PostgreSQL non-blocking one (store/postgres/async_reads.cpp).
const sql::Sql& session_by_digest_sql();
// The first row of `rows` as a session (nullopt when there is none).
std::optional<Session> first_session(sql::Rows& rows);
// Inserts a session row while its user exists (false when the user is
// gone), on `c` (inside the caller's transaction, if any).
bool insert_session(sql::Connection& c, const Session& s);

// --- teams (team_store.cpp)
// A team row's columns; the user SELECT reads the selected team with them.
const sql::Columns<Team>& team_columns();
// Writes a new user's extras (project permissions, personal team) inside the
// caller's transaction, after the user row.
void write_new_user_extras(sql::Connection& c, const User& u, const NewUserExtras& extras);

// --- webhooks (webhook_store.cpp)
// Writes webhook events (the outbox) inside the caller's transaction on `c`:
// every store method whose change emits events calls it before its commit.
void write_webhook_events(sql::Connection& c, const WebhookEvents& events);

}  // namespace latchkey::store::domain
