// TeamStore: teams, memberships and their profile overrides, and the
// team-invitation codes of the verification_codes table; also a new user's
// extras (project permissions, personal team) written in the sign-up's
// transaction.
//
// Checks that precede an insert referencing a user or team take a FOR KEY
// SHARE lock on PostgreSQL, so a concurrent delete waits for the commit
// instead of failing the insert's foreign key (SQLite's BEGIN IMMEDIATE
// already serialises the writers).
#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

constexpr const char* kInvitationType = "TEAM_INVITATION";

// A text field of a JSON object stored as text (verification_codes' data
// and method): SQLite's json_extract, PostgreSQL's ->> on the column read
// as json. Only used to build the per-engine texts of Sql::each.
std::string json_field(const sql::Dialect& d, std::string_view column, std::string_view key) {
  if (d.engine == sql::Engine::kSqlite)
    return "json_extract(" + std::string(column) + ", '$." + std::string(key) + "')";
  return std::string(column) + "::json ->> '" + std::string(key) + "'";
}

const sql::Columns<TeamMember> kMemberColumns{
    {"project_id", &TeamMember::project_id},
    {"team_id", &TeamMember::team_id},
    {"user_id", &TeamMember::user_id},
    {"display_name", &TeamMember::display_name},
    {"profile_image_url", &TeamMember::profile_image_url},
    {"created_at", &TeamMember::created_at_millis},
};

// A pending invitation, read from the derived table of kListInvitations
// (its JSON fields are computed per engine there).
const sql::Columns<TeamInvitation> kInvitationColumns{
    {"id", &TeamInvitation::id},
    {"team_id", &TeamInvitation::team_id},
    {"recipient_email", &TeamInvitation::recipient_email},
    {"expires_at", &TeamInvitation::expires_at_millis},
};

const std::string kSelectTeam = "SELECT " + team_columns().list("t") + " FROM teams t ";
const std::string kSelectMember = "SELECT " + kMemberColumns.list("m") + " FROM team_members m ";

// --- teams
const sql::Sql kInsertTeam{"INSERT INTO teams (" + team_columns().list() +
                           ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"};
const sql::Sql kGetTeam{kSelectTeam + "WHERE t.project_id = $1 AND t.id = $2"};
// Locked (PostgreSQL) while update_team merges the change into it.
const sql::Sql kGetTeamForUpdate = sql::Sql::each([](const sql::Dialect& d) {
  return kSelectTeam + "WHERE t.project_id = $1 AND t.id = $2" + d.for_update();
});
const sql::Sql kListTeams = sql::Sql::each([](const sql::Dialect& d) {
  return kSelectTeam +
         "WHERE t.project_id = $1 AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM team_members m "
         "WHERE m.project_id = t.project_id AND m.team_id = t.id AND m.user_id = $2::text)) "
         "ORDER BY t.created_at, t." +
         std::string(d.insertion_order);
});
const sql::Sql kUpdateTeam{
    "UPDATE teams SET display_name = $1, profile_image_url = $2, client_metadata = $3, "
    "client_read_only_metadata = $4, server_metadata = $5 WHERE project_id = $6 AND id = $7"};
// FOR UPDATE: a concurrent join (which holds the team FOR KEY SHARE) waits,
// then fails to find the team.
const sql::Sql kLockTeamForDelete = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT 1 FROM teams WHERE project_id = $1 AND id = $2" + d.for_update();
});
const sql::Sql kClearSelectedTeam{
    "UPDATE users SET selected_team_id = NULL WHERE project_id = $1 AND selected_team_id = $2"};
const sql::Sql kDeleteTeamInvitations = sql::Sql::each([](const sql::Dialect& d) {
  return "DELETE FROM verification_codes WHERE project_id = $1 AND type = $2 AND " +
         json_field(d, "data", "team_id") + " = $3";
});
// Memberships and their permissions follow through the foreign keys.
const sql::Sql kDeleteTeam{"DELETE FROM teams WHERE project_id = $1 AND id = $2"};

// --- the rows a join checks (locked against a concurrent delete)
const sql::Sql kLockUser = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT 1 FROM users WHERE project_id = $1 AND id = $2" + std::string(d.for_key_share);
});
const sql::Sql kLockTeam = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT 1 FROM teams WHERE project_id = $1 AND id = $2" + std::string(d.for_key_share);
});

// --- memberships
// DO NOTHING: a user already a member (perhaps by a concurrent join that
// committed after the caller's checks) is reported by the zero row count.
const sql::Sql kInsertMember{
    "INSERT INTO team_members (project_id, team_id, user_id, created_at) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"};
const sql::Sql kInsertMemberPermission{
    "INSERT INTO team_member_permissions (project_id, team_id, user_id, permission_id) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"};
const sql::Sql kGetMember{kSelectMember +
                          "WHERE m.project_id = $1 AND m.team_id = $2 AND m.user_id = $3"};
// Locked (PostgreSQL) while update_member merges the change into it.
const sql::Sql kGetMemberForUpdate = sql::Sql::each([](const sql::Dialect& d) {
  return kSelectMember + "WHERE m.project_id = $1 AND m.team_id = $2 AND m.user_id = $3" +
         d.for_update();
});
const sql::Sql kListMembers = sql::Sql::each([](const sql::Dialect& d) {
  return kSelectMember +
         "WHERE m.project_id = $1 AND ($2::text IS NULL OR m.team_id = $2::text) AND "
         "($3::text IS NULL OR m.user_id = $3::text) ORDER BY m.created_at, m." +
         std::string(d.insertion_order);
});
// The membership's permissions follow through the foreign key.
const sql::Sql kDeleteMember{
    "DELETE FROM team_members WHERE project_id = $1 AND team_id = $2 AND user_id = $3"};
const sql::Sql kClearSelectedTeamOfUser{
    "UPDATE users SET selected_team_id = NULL WHERE project_id = $1 AND id = $2 AND "
    "selected_team_id = $3"};
const sql::Sql kUpdateMember{
    "UPDATE team_members SET display_name = $1, profile_image_url = $2 "
    "WHERE project_id = $3 AND team_id = $4 AND user_id = $5"};
const sql::Sql kTeamOfMember{kSelectTeam +
                             "JOIN team_members m ON m.project_id = t.project_id AND "
                             "m.team_id = t.id WHERE t.project_id = $1 AND t.id = $2 AND "
                             "m.user_id = $3"};

// --- invitations (verification codes of type TEAM_INVITATION)
const sql::Sql kListInvitations = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT " + kInvitationColumns.list("v") + " FROM (SELECT id, " +
         json_field(d, "data", "team_id") + " AS team_id, " + json_field(d, "method", "email") +
         " AS recipient_email, expires_at, created_at, " + std::string(d.insertion_order) +
         " AS insertion FROM verification_codes WHERE project_id = $1 AND branch_id = $2 AND "
         "type = $3 AND " +
         json_field(d, "data", "team_id") +
         " = $4 AND used_at IS NULL AND expires_at >= $5) v ORDER BY v.created_at, v.insertion";
});
const sql::Sql kDeleteInvitation = sql::Sql::each([](const sql::Dialect& d) {
  return "DELETE FROM verification_codes WHERE project_id = $1 AND branch_id = $2 AND id = $3 "
         "AND type = $4 AND " +
         json_field(d, "data", "team_id") + " = $5 AND used_at IS NULL AND expires_at >= $6";
});
const sql::Sql kUseCode{
    "UPDATE verification_codes SET used_at = $1 WHERE project_id = $2 AND id = $3 AND "
    "used_at IS NULL"};

// --- a new user's extras
const sql::Sql kInsertProjectPermission{
    "INSERT INTO project_user_permissions (project_id, user_id, permission_id) "
    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"};
const sql::Sql kSelectTeamOfUser{
    "UPDATE users SET selected_team_id = $1 WHERE project_id = $2 AND id = $3"};

class SqlTeamStore final : public TeamStore {
 public:
  explicit SqlTeamStore(sql::Database& db) : db_(db) {}

  CreateTeamStatus create_team(const Team& team, const std::optional<NewTeamMember>& creator,
                               const WebhookEvents& events) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (creator && !c->exists(kLockUser, team.project_id, creator->user_id))
      return CreateTeamStatus::kUserNotFound;
    insert_team(*c, team);
    if (creator) insert_member(*c, team.project_id, team.id, *creator);
    write_webhook_events(*c, events);
    tx.commit();
    return CreateTeamStatus::kCreated;
  }

  std::optional<Team> get_team(const std::string& project_id, const std::string& team_id) override {
    auto c = db_.acquire();
    auto r = c->query(kGetTeam, project_id, team_id);
    if (!r.next()) return std::nullopt;
    return team_columns().read(r);
  }

  std::vector<Team> list_teams(const std::string& project_id,
                               const std::optional<std::string>& user_id) override {
    auto c = db_.acquire();
    std::vector<Team> out;
    for (auto r = c->query(kListTeams, project_id, user_id); r.next();)
      out.push_back(team_columns().read(r));
    return out;
  }

  bool update_team(const std::string& project_id, const std::string& team_id, const TeamUpdate& up,
                   const std::function<WebhookEvents(const Team&)>& events) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    Team t;
    {
      auto r = c->query(kGetTeamForUpdate, project_id, team_id);
      if (!r.next()) return false;
      t = team_columns().read(r);
    }
    if (up.display_name) t.display_name = *up.display_name;
    if (up.profile_image_url) t.profile_image_url = *up.profile_image_url;
    if (up.client_metadata) t.client_metadata = *up.client_metadata;
    if (up.client_read_only_metadata) t.client_read_only_metadata = *up.client_read_only_metadata;
    if (up.server_metadata) t.server_metadata = *up.server_metadata;
    c->exec(kUpdateTeam, t.display_name, t.profile_image_url, dump_or_null(t.client_metadata),
            dump_or_null(t.client_read_only_metadata), dump_or_null(t.server_metadata), project_id,
            team_id);
    if (events) write_webhook_events(*c, events(t));
    tx.commit();
    return true;
  }

  bool delete_team(const std::string& project_id, const std::string& team_id,
                   const WebhookEvents& events) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (!c->exists(kLockTeamForDelete, project_id, team_id)) return false;
    c->exec(kClearSelectedTeam, project_id, team_id);
    c->exec(kDeleteTeamInvitations, project_id, kInvitationType, team_id);
    c->exec(kDeleteTeam, project_id, team_id);
    write_webhook_events(*c, events);
    tx.commit();
    return true;
  }

  AddMemberStatus add_member(const std::string& project_id, const std::string& team_id,
                             const NewTeamMember& member, const WebhookEvents& events) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (!c->exists(kLockUser, project_id, member.user_id)) return AddMemberStatus::kUserNotFound;
    if (!c->exists(kLockTeam, project_id, team_id)) return AddMemberStatus::kTeamNotFound;
    if (!insert_member(*c, project_id, team_id, member)) return AddMemberStatus::kAlreadyMember;
    write_webhook_events(*c, events);
    tx.commit();
    return AddMemberStatus::kAdded;
  }

  std::optional<TeamMember> get_member(const std::string& project_id, const std::string& team_id,
                                       const std::string& user_id) override {
    auto c = db_.acquire();
    auto r = c->query(kGetMember, project_id, team_id, user_id);
    if (!r.next()) return std::nullopt;
    return kMemberColumns.read(r);
  }

  std::vector<TeamMember> list_members(const std::string& project_id,
                                       const std::optional<std::string>& team_id,
                                       const std::optional<std::string>& user_id) override {
    auto c = db_.acquire();
    std::vector<TeamMember> out;
    for (auto r = c->query(kListMembers, project_id, team_id, user_id); r.next();)
      out.push_back(kMemberColumns.read(r));
    return out;
  }

  bool remove_member(const std::string& project_id, const std::string& team_id,
                     const std::string& user_id, const WebhookEvents& events) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (c->exec(kDeleteMember, project_id, team_id, user_id) == 0) return false;
    c->exec(kClearSelectedTeamOfUser, project_id, user_id, team_id);
    write_webhook_events(*c, events);
    tx.commit();
    return true;
  }

  bool update_member(const std::string& project_id, const std::string& team_id,
                     const std::string& user_id, const TeamMemberUpdate& up) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    TeamMember m;
    {
      auto r = c->query(kGetMemberForUpdate, project_id, team_id, user_id);
      if (!r.next()) return false;
      m = kMemberColumns.read(r);
    }
    if (up.display_name) m.display_name = *up.display_name;
    if (up.profile_image_url) m.profile_image_url = *up.profile_image_url;
    c->exec(kUpdateMember, m.display_name, m.profile_image_url, project_id, team_id, user_id);
    tx.commit();
    return true;
  }

  std::optional<Team> get_team_of_member(const std::string& project_id, const std::string& team_id,
                                         const std::string& user_id) override {
    auto c = db_.acquire();
    auto r = c->query(kTeamOfMember, project_id, team_id, user_id);
    if (!r.next()) return std::nullopt;
    return team_columns().read(r);
  }

  std::vector<TeamInvitation> list_invitations(const std::string& project_id,
                                               const std::string& branch_id,
                                               const std::string& team_id,
                                               int64_t now_millis) override {
    auto c = db_.acquire();
    std::vector<TeamInvitation> out;
    for (auto r = c->query(kListInvitations, project_id, branch_id, kInvitationType, team_id,
                           now_millis);
         r.next();)
      out.push_back(kInvitationColumns.read(r));
    return out;
  }

  bool delete_invitation(const std::string& project_id, const std::string& branch_id,
                         const std::string& team_id, const std::string& invitation_id,
                         int64_t now_millis) override {
    auto c = db_.acquire();
    return c->exec(kDeleteInvitation, project_id, branch_id, invitation_id, kInvitationType,
                   team_id, now_millis) > 0;
  }

  AcceptInvitationStatus accept_invitation(const std::string& project_id,
                                           const std::string& code_id, const std::string& team_id,
                                           const NewTeamMember& member, int64_t now_millis,
                                           const WebhookEvents& events) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (!c->exists(kLockTeam, project_id, team_id)) return AcceptInvitationStatus::kTeamNotFound;
    if (!c->exists(kLockUser, project_id, member.user_id))
      return AcceptInvitationStatus::kUserNotFound;
    if (c->exec(kUseCode, now_millis, project_id, code_id) != 1)
      return AcceptInvitationStatus::kCodeUsed;
    auto status = insert_member(*c, project_id, team_id, member)
                      ? AcceptInvitationStatus::kJoined
                      : AcceptInvitationStatus::kAlreadyMember;
    if (status == AcceptInvitationStatus::kJoined) write_webhook_events(*c, events);
    tx.commit();
    return status;
  }

 private:
  sql::Database& db_;
};

}  // namespace

// A function-local static: the user store builds its statements from these
// columns while its own namespace-scope constants initialise, which may be
// before this file's.
const sql::Columns<Team>& team_columns() {
  static const sql::Columns<Team> kColumns{
      {"id", &Team::id},
      {"project_id", &Team::project_id},
      {"display_name", &Team::display_name},
      {"profile_image_url", &Team::profile_image_url},
      {"client_metadata", &Team::client_metadata},
      {"client_read_only_metadata", &Team::client_read_only_metadata},
      {"server_metadata", &Team::server_metadata},
      {"created_at", &Team::created_at_millis},
  };
  return kColumns;
}

void insert_team(sql::Connection& c, const Team& t) {
  c.exec(kInsertTeam, t.id, t.project_id, t.display_name, t.profile_image_url,
         dump_or_null(t.client_metadata), dump_or_null(t.client_read_only_metadata),
         dump_or_null(t.server_metadata), t.created_at_millis);
}

bool insert_member(sql::Connection& c, const std::string& project_id, const std::string& team_id,
                   const NewTeamMember& m) {
  if (c.exec(kInsertMember, project_id, team_id, m.user_id, m.created_at_millis) == 0) return false;
  for (const auto& id : m.permission_ids)
    c.exec(kInsertMemberPermission, project_id, team_id, m.user_id, id);
  return true;
}

bool lock_team(sql::Connection& c, const std::string& project_id, const std::string& team_id) {
  return c.exists(kLockTeam, project_id, team_id);
}

void write_new_user_extras(sql::Connection& c, const User& u, const NewUserExtras& extras) {
  for (const auto& id : extras.project_permission_ids)
    c.exec(kInsertProjectPermission, u.project_id, u.id, id);
  if (!extras.personal_team) return;
  const auto& p = *extras.personal_team;
  Team t;
  t.id = p.id;
  t.project_id = u.project_id;
  t.display_name = p.display_name;
  t.created_at_millis = u.created_at_millis;
  insert_team(c, t);
  insert_member(c, u.project_id, t.id,
                NewTeamMember{u.id, p.creator_permission_ids, u.created_at_millis});
  c.exec(kSelectTeamOfUser, t.id, u.project_id, u.id);
}

std::unique_ptr<TeamStore> make_team_store(sql::Database& db) {
  return std::make_unique<SqlTeamStore>(db);
}

}  // namespace latchkey::store::domain
