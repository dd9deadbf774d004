#include "core/team_invitations.hpp"

#include "core/errors.hpp"
#include "core/permissions.hpp"
#include "core/teams.hpp"
#include "core/trusted_urls.hpp"
#include "core/verification_codes.hpp"
#include "core/webhooks.hpp"

namespace latchkey::core {

namespace {

// The team an invitation code is for; codes of this type without one are
// not invitations.
std::string code_team_id(const store::VerificationCode& row) {
  if (row.data.is_object()) {
    auto it = row.data.find("team_id");
    if (it != row.data.end() && it->is_string()) return it->get<std::string>();
  }
  throw errors::verification_code_not_found();
}

store::VerificationCode checked_code(store::Store& store, const Clock& clock,
                                     const std::string& project_id, const std::string& branch_id,
                                     const std::string& code) {
  return check_code(store, clock, project_id, branch_id, CodeType::kTeamInvitation, code);
}

}  // namespace

std::string send_team_invitation(const EmailServices& s, const store::Project& project,
                                 const std::string& branch_id, const std::string& team_id,
                                 const std::string& email, const std::string& callback_url) {
  if (!is_trusted_url(project.config, callback_url)) throw errors::redirect_url_not_whitelisted();
  auto team = get_team(s.store, project.id, team_id);

  CodeEmail e;
  e.code.type = CodeType::kTeamInvitation;
  e.code.method = Json{{"email", email}};
  e.code.data = Json{{"team_id", team.id}};
  e.template_type = mail::TemplateType::kTeamInvitation;
  e.vars = {{"projectDisplayName", project.display_name}, {"teamDisplayName", team.display_name}};
  e.link_var = "teamInvitationLink";
  e.recipient = email;
  e.callback_url = callback_url;
  return send_code_email(s, project, branch_id, std::move(e)).row.id;
}

void accept_team_invitation(store::Store& store, const Clock& clock, const store::Project& project,
                            const std::string& branch_id, const std::string& code,
                            const std::string& user_id) {
  auto row = checked_code(store, clock, project.id, branch_id, code);
  const std::string team_id = code_team_id(row);
  get_team(store, project.id, team_id);
  store::NewTeamMember member{
      user_id,
      default_permission_ids(store, project, "team_member_default_permissions",
                             PermissionScope::kTeam),
      clock.now_millis()};
  switch (store.teams().accept_invitation(
      project.id, row.id, team_id, member, clock.now_millis(),
      webhooks::member_joined_events(project.id, team_id, user_id, member.permission_ids))) {
    case store::AcceptInvitationStatus::kJoined:
    case store::AcceptInvitationStatus::kAlreadyMember:
      return;
    case store::AcceptInvitationStatus::kCodeUsed:
      throw errors::verification_code_already_used();
    case store::AcceptInvitationStatus::kTeamNotFound:
      throw errors::team_not_found(team_id);
    case store::AcceptInvitationStatus::kUserNotFound:
      throw errors::user_not_found();
  }
}

Json team_invitation_details(store::Store& store, const Clock& clock, const std::string& project_id,
                             const std::string& branch_id, const std::string& code) {
  auto row = checked_code(store, clock, project_id, branch_id, code);
  auto team = get_team(store, project_id, code_team_id(row));
  return Json{{"team_id", team.id}, {"team_display_name", team.display_name}};
}

void check_team_invitation(store::Store& store, const Clock& clock, const std::string& project_id,
                           const std::string& branch_id, const std::string& code) {
  code_team_id(checked_code(store, clock, project_id, branch_id, code));
}

Json list_team_invitations(store::Store& store, const Clock& clock, const std::string& project_id,
                           const std::string& branch_id, const std::string& team_id) {
  Json items = Json::array();
  for (const auto& inv :
       store.teams().list_invitations(project_id, branch_id, team_id, clock.now_millis()))
    items.push_back(Json{{"id", inv.id},
                         {"team_id", inv.team_id},
                         {"recipient_email", inv.recipient_email},
                         {"expires_at_millis", inv.expires_at_millis}});
  return items;
}

void revoke_team_invitation(store::Store& store, const Clock& clock, const std::string& project_id,
                            const std::string& branch_id, const std::string& team_id,
                            const std::string& invitation_id) {
  if (!store.teams().delete_invitation(project_id, branch_id, team_id, invitation_id,
                                       clock.now_millis()))
    throw errors::verification_code_not_found();
}

}  // namespace latchkey::core
