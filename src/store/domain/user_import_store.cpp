// UserStore::import_user: one line of `latchkey users import` in one
// transaction (the user row created or brought up to the line, its other
// contact channels, OAuth accounts, teams, memberships with their default
// permissions and its selected team), written with the same pieces as the
// other stores' writes of each part.
#include <stdexcept>

#include "core/crypto.hpp"
#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

// The existing user brought up to `u`: every field the line carries (the
// primary e-mail removed when the line has none).
UserUpdate update_to(const User& u, int64_t now) {
  UserUpdate up;
  up.display_name = u.display_name;
  up.profile_image_url = u.profile_image_url;
  up.client_metadata = u.client_metadata;
  up.client_read_only_metadata = u.client_read_only_metadata;
  up.server_metadata = u.server_metadata;
  up.primary_email = u.primary_email;
  if (u.primary_email) {
    up.primary_email_verified = u.primary_email_verified;
    up.primary_email_auth_enabled = u.primary_email_auth_enabled;
  }
  up.password_hash = u.password_hash;
  up.otp_auth_enabled = u.otp_auth_enabled;
  up.totp_secret = u.totp_secret;
  up.is_anonymous = u.is_anonymous;
  up.restricted_by_admin = u.restricted_by_admin;
  up.restricted_by_admin_reason = u.restricted_by_admin_reason;
  up.restricted_by_admin_private_details = u.restricted_by_admin_private_details;
  up.country_code = u.country_code;
  up.risk_score_bot = u.risk_score_bot;
  up.risk_score_free_trial_abuse = u.risk_score_free_trial_abuse;
  up.now_millis = now;
  return up;
}

// The user row: updated when it exists (its row then stays locked on
// PostgreSQL until the commit), else created with the project's default
// permissions.
ImportUserStatus write_user_row(sql::Connection& c, const UserImport& in) {
  const User& u = in.user;
  switch (update_user_in(c, u.project_id, u.id, update_to(u, in.now_millis))) {
    case UpdateUserStatus::kUpdated:
      return ImportUserStatus::kUpdated;
    case UpdateUserStatus::kEmailInUse:
      return ImportUserStatus::kEmailInUse;
    case UpdateUserStatus::kContactChannelExists:
      return ImportUserStatus::kContactChannelExists;
    case UpdateUserStatus::kNotFound:
      break;
    case UpdateUserStatus::kNotTeamMember:  // no team is selected here
      throw std::logic_error("the user update of an import selected a team");
  }
  // The OAuth accounts are linked one by one afterwards, so that one of
  // another user's is left out rather than failing the user.
  User row = u;
  row.oauth_providers.clear();
  row.selected_team_id.reset();
  NewUserExtras extras;
  extras.project_permission_ids = in.user_permission_ids;
  switch (insert_user(c, row, extras)) {
    case CreateUserStatus::kCreated:
      return ImportUserStatus::kCreated;
    case CreateUserStatus::kEmailInUse:
      return ImportUserStatus::kEmailInUse;
    case CreateUserStatus::kOAuthAccountInUse:  // no account is linked here
      break;
  }
  throw std::logic_error("the user insert of an import linked an OAuth account");
}

}  // namespace

UserImportResult write_user_import(sql::Connection& c, const UserImport& in) {
  const User& u = in.user;
  UserImportResult r;
  sql::Transaction tx(c);
  r.status = write_user_row(c, in);
  if (r.status != ImportUserStatus::kCreated && r.status != ImportUserStatus::kUpdated) return r;

  for (const auto& ch : in.channels) {
    ContactChannel row = ch;
    row.id = core::random_uuid();
    row.project_id = u.project_id;
    row.user_id = u.id;
    row.is_primary = false;
    row.created_at_millis = in.now_millis;
    // kAlreadyExists: the user has it (a repeated import).
    if (insert_contact_channel(c, row) == ContactChannelWrite::kUsedForAuthElsewhere)
      r.left_out.push_back({ImportLeftOut::Why::kChannelSignsInAnotherUser, row.value});
  }

  // A new user's accounts are as old as the user (as create_user links
  // them); an existing user's new ones date from the import.
  const int64_t linked_at =
      r.status == ImportUserStatus::kCreated ? u.created_at_millis : in.now_millis;
  for (const auto& o : u.oauth_providers) {
    OAuthAccount a{u.project_id, o.provider_id, o.account_id, u.id, o.email, linked_at};
    if (insert_oauth_account(c, a) == LinkOAuthAccountStatus::kLinkedToAnotherUser)
      r.left_out.push_back(
          {ImportLeftOut::Why::kOAuthAccountOfAnotherUser, o.provider_id + "/" + o.account_id});
  }

  for (const auto& t : in.teams) {
    if (!lock_team(c, u.project_id, t.id)) {
      Team team = t;
      team.project_id = u.project_id;
      insert_team(c, team);
    }
    // An existing membership (and its permissions) is kept as it is.
    insert_member(c, u.project_id, t.id,
                  NewTeamMember{u.id, in.member_permission_ids, in.now_millis});
  }

  if (in.selected_team_id) {
    UserUpdate select;
    select.selected_team_id = in.selected_team_id;
    switch (update_user_in(c, u.project_id, u.id, select)) {
      case UpdateUserStatus::kUpdated:
        break;
      case UpdateUserStatus::kNotTeamMember:
        r.left_out.push_back({ImportLeftOut::Why::kSelectedTeamNotJoined, *in.selected_team_id});
        break;
      default:
        throw std::runtime_error("the imported user's selected team could not be written");
    }
  }
  tx.commit();
  return r;
}

}  // namespace latchkey::store::domain
