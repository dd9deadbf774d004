// Team invitations (teams.md §8): team-invitation verification codes
// e-mailed with a link, accepted by a signed-in user, listed and revoked per
// team. The invitation id is the code row's id.
#pragma once
#include <string>

#include "core/clock.hpp"
#include "core/email_codes.hpp"
#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// §8.1 after the caller's access checks: REDIRECT_URL_NOT_WHITELISTED,
// TEAM_NOT_FOUND, then the code is created and the team_invitation e-mail
// sent (mail::DeliveryError when it cannot be). Returns the invitation id.
std::string send_team_invitation(const EmailServices& s, const store::Project& project,
                                 const std::string& branch_id, const std::string& team_id,
                                 const std::string& email, const std::string& callback_url);

// §8.2: the code errors of tokens.md, then the user joins the team with the
// project's member default permissions (a member already: no change); the
// code is used in the same transaction.
void accept_team_invitation(store::Store& store, const Clock& clock, const store::Project& project,
                            const std::string& branch_id, const std::string& code,
                            const std::string& user_id);
// §8.3: {team_id, team_display_name}; nothing is used.
Json team_invitation_details(store::Store& store, const Clock& clock, const std::string& project_id,
                             const std::string& branch_id, const std::string& code);
// §8.4: the code errors, or nothing.
void check_team_invitation(store::Store& store, const Clock& clock, const std::string& project_id,
                           const std::string& branch_id, const std::string& code);

// §8.5: the pending invitations of the team, as items.
Json list_team_invitations(store::Store& store, const Clock& clock, const std::string& project_id,
                           const std::string& branch_id, const std::string& team_id);
// §8.6: VERIFICATION_CODE_NOT_FOUND unless `invitation_id` is a pending
// invitation of the team.
void revoke_team_invitation(store::Store& store, const Clock& clock, const std::string& project_id,
                            const std::string& branch_id, const std::string& team_id,
                            const std::string& invitation_id);

}  // namespace latchkey::core
