// The SQLite implementations of the sub-stores, sharing one connection pool.
#pragma once
#include <memory>

#include "core/json.hpp"
#include "store/contact_channel_store.hpp"
#include "store/json_columns.hpp"
#include "store/oauth_store.hpp"
#include "store/passkey_store.hpp"
#include "store/permission_store.hpp"
#include "store/project_store.hpp"
#include "store/sent_email_store.hpp"
#include "store/session_store.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/team_store.hpp"
#include "store/totp_store.hpp"
#include "store/user_store.hpp"
#include "store/verification_code_store.hpp"

namespace latchkey::store::sqlite {

std::unique_ptr<ProjectStore> make_project_store(Pool& pool);
std::unique_ptr<UserStore> make_user_store(Pool& pool);
std::unique_ptr<SessionStore> make_session_store(Pool& pool);
std::unique_ptr<ContactChannelStore> make_contact_channel_store(Pool& pool);
std::unique_ptr<VerificationCodeStore> make_verification_code_store(Pool& pool);
std::unique_ptr<SentEmailStore> make_sent_email_store(Pool& pool);
std::unique_ptr<OAuthStore> make_oauth_store(Pool& pool);
std::unique_ptr<PasskeyStore> make_passkey_store(Pool& pool);
std::unique_ptr<TotpStore> make_totp_store(Pool& pool);
std::unique_ptr<TeamStore> make_team_store(Pool& pool);
std::unique_ptr<PermissionStore> make_permission_store(Pool& pool);

// The selected team of a user (team_store.cpp): columns appended to the user
// SELECT, read with read_team_row, and the joins that resolve them only
// while the user is a member of the team.
#define LK_SELECTED_TEAM_COLUMNS                                                      \
  "st.id, st.project_id, st.display_name, st.profile_image_url, st.client_metadata, " \
  "st.client_read_only_metadata, st.server_metadata, st.created_at "
#define LK_SELECTED_TEAM_JOIN                                                       \
  "LEFT JOIN team_members sm ON sm.project_id = u.project_id AND sm.team_id = "     \
  "u.selected_team_id AND sm.user_id = u.id LEFT JOIN teams st ON st.project_id = " \
  "sm.project_id AND st.id = sm.team_id "
// A team from eight columns in the order of LK_SELECTED_TEAM_COLUMNS,
// starting at `first`.
Team read_team_row(Stmt& s, int first);
// Writes a new user's extras (project permissions, personal team) inside the
// caller's transaction, after the user row.
void write_new_user_extras(Connection& c, const User& u, const NewUserExtras& extras);
// Inserts a session row while its user exists (false when the user is gone),
// on `c` (inside the caller's transaction, if any).
bool insert_session(Connection& c, const Session& s);

}  // namespace latchkey::store::sqlite
