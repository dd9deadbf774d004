// PostgreSQL implementation of TeamStore: teams, memberships and their
// profile overrides, and the team-invitation codes of the verification_codes
// table. Checks that precede an insert referencing a user or team take a
// FOR KEY SHARE lock on it, so a concurrent delete waits for the commit
// instead of failing the insert's foreign key.
#include "store/postgres/stores.hpp"

namespace latchkey::store::postgres {

Team read_team_row(const Result& r, int row, int first) {
  Team t;
  t.id = r.text(row, first);
  t.project_id = r.text(row, first + 1);
  t.display_name = r.text(row, first + 2);
  t.profile_image_url = r.opt_text(row, first + 3);
  t.client_metadata = parse_json_or_null(r.opt_text(row, first + 4));
  t.client_read_only_metadata = parse_json_or_null(r.opt_text(row, first + 5));
  t.server_metadata = parse_json_or_null(r.opt_text(row, first + 6));
  t.created_at_millis = r.int64(row, first + 7);
  return t;
}

namespace {

constexpr const char* kInvitationType = "TEAM_INVITATION";

// The order read_team_row expects (as LK_SELECTED_TEAM_COLUMNS).
#define LK_TEAM_COLUMNS                                                          \
  "t.id, t.project_id, t.display_name, t.profile_image_url, t.client_metadata, " \
  "t.client_read_only_metadata, t.server_metadata, t.created_at "

#define LK_MEMBER_COLUMNS \
  "m.project_id, m.team_id, m.user_id, m.display_name, m.profile_image_url, m.created_at "

TeamMember read_member(const Result& r, int i) {
  TeamMember m;
  m.project_id = r.text(i, 0);
  m.team_id = r.text(i, 1);
  m.user_id = r.text(i, 2);
  m.display_name = r.opt_text(i, 3);
  m.profile_image_url = r.opt_text(i, 4);
  m.created_at_millis = r.int64(i, 5);
  return m;
}

bool lock_user(Connection& c, const std::string& project_id, const std::string& user_id) {
  return c.query("SELECT 1 FROM users WHERE project_id = $1 AND id = $2 FOR KEY SHARE")
             .bind(project_id)
             .bind(user_id)
             .run()
             .rows() > 0;
}

bool lock_team(Connection& c, const std::string& project_id, const std::string& team_id) {
  return c.query("SELECT 1 FROM teams WHERE project_id = $1 AND id = $2 FOR KEY SHARE")
             .bind(project_id)
             .bind(team_id)
             .run()
             .rows() > 0;
}

void insert_team(Connection& c, const Team& t) {
  c.query(
       "INSERT INTO teams (project_id, id, display_name, profile_image_url, client_metadata, "
       "client_read_only_metadata, server_metadata, created_at) "
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
      .bind(t.project_id)
      .bind(t.id)
      .bind(t.display_name)
      .bind(t.profile_image_url)
      .bind(dump_or_null(t.client_metadata))
      .bind(dump_or_null(t.client_read_only_metadata))
      .bind(dump_or_null(t.server_metadata))
      .bind(t.created_at_millis)
      .exec();
}

// The membership row and its direct permissions; false (nothing written)
// when the user already is a member, which a concurrent join may have made
// true after the caller's check.
bool insert_member(Connection& c, const std::string& project_id, const std::string& team_id,
                   const NewTeamMember& m) {
  int n = c.query(
               "INSERT INTO team_members (project_id, team_id, user_id, created_at) "
               "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
              .bind(project_id)
              .bind(team_id)
              .bind(m.user_id)
              .bind(m.created_at_millis)
              .exec();
  if (n == 0) return false;
  for (const auto& id : m.permission_ids)
    c.query(
         "INSERT INTO team_member_permissions (project_id, team_id, user_id, permission_id) "
         "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(project_id)
        .bind(team_id)
        .bind(m.user_id)
        .bind(id)
        .exec();
  return true;
}

class PgTeamStore final : public TeamStore {
 public:
  explicit PgTeamStore(Pool& pool) : pool_(pool) {}

  CreateTeamStatus create_team(const Team& team,
                               const std::optional<NewTeamMember>& creator) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (creator && !lock_user(*c, team.project_id, creator->user_id))
      return CreateTeamStatus::kUserNotFound;
    insert_team(*c, team);
    if (creator) insert_member(*c, team.project_id, team.id, *creator);
    tx.commit();
    return CreateTeamStatus::kCreated;
  }

  std::optional<Team> get_team(const std::string& project_id, const std::string& team_id) override {
    auto c = pool_.acquire();
    auto r =
        c->query("SELECT " LK_TEAM_COLUMNS "FROM teams t WHERE t.project_id = $1 AND t.id = $2")
            .bind(project_id)
            .bind(team_id)
            .run();
    if (r.rows() == 0) return std::nullopt;
    return read_team_row(r, 0, 0);
  }

  std::vector<Team> list_teams(const std::string& project_id,
                               const std::optional<std::string>& user_id) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_TEAM_COLUMNS
                      "FROM teams t WHERE t.project_id = $1 AND ($2::text IS NULL OR EXISTS ("
                      "SELECT 1 FROM team_members m WHERE m.project_id = t.project_id AND "
                      "m.team_id = t.id AND m.user_id = $2::text)) ORDER BY t.created_at, t.seq")
                 .bind(project_id)
                 .bind(user_id)
                 .run();
    std::vector<Team> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_team_row(r, i, 0));
    return out;
  }

  bool update_team(const std::string& project_id, const std::string& team_id,
                   const TeamUpdate& up) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    Team t;
    {
      auto r = c->query("SELECT " LK_TEAM_COLUMNS
                        "FROM teams t WHERE t.project_id = $1 AND t.id = $2 FOR UPDATE")
                   .bind(project_id)
                   .bind(team_id)
                   .run();
      if (r.rows() == 0) return false;
      t = read_team_row(r, 0, 0);
    }
    if (up.display_name) t.display_name = *up.display_name;
    if (up.profile_image_url) t.profile_image_url = *up.profile_image_url;
    if (up.client_metadata) t.client_metadata = *up.client_metadata;
    if (up.client_read_only_metadata) t.client_read_only_metadata = *up.client_read_only_metadata;
    if (up.server_metadata) t.server_metadata = *up.server_metadata;
    c->query(
         "UPDATE teams SET display_name = $1, profile_image_url = $2, client_metadata = $3, "
         "client_read_only_metadata = $4, server_metadata = $5 WHERE project_id = $6 AND "
         "id = $7")
        .bind(t.display_name)
        .bind(t.profile_image_url)
        .bind(dump_or_null(t.client_metadata))
        .bind(dump_or_null(t.client_read_only_metadata))
        .bind(dump_or_null(t.server_metadata))
        .bind(project_id)
        .bind(team_id)
        .exec();
    tx.commit();
    return true;
  }

  bool delete_team(const std::string& project_id, const std::string& team_id) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    // FOR UPDATE: a concurrent join waits, then fails to find the team.
    if (c->query("SELECT 1 FROM teams WHERE project_id = $1 AND id = $2 FOR UPDATE")
            .bind(project_id)
            .bind(team_id)
            .run()
            .rows() == 0)
      return false;
    c->query(
         "UPDATE users SET selected_team_id = NULL WHERE project_id = $1 AND "
         "selected_team_id = $2")
        .bind(project_id)
        .bind(team_id)
        .exec();
    c->query(
         "DELETE FROM verification_codes WHERE project_id = $1 AND type = $2 AND "
         "data::json ->> 'team_id' = $3")
        .bind(project_id)
        .bind(kInvitationType)
        .bind(team_id)
        .exec();
    // Memberships and their permissions follow through the foreign keys.
    c->query("DELETE FROM teams WHERE project_id = $1 AND id = $2")
        .bind(project_id)
        .bind(team_id)
        .exec();
    tx.commit();
    return true;
  }

  AddMemberStatus add_member(const std::string& project_id, const std::string& team_id,
                             const NewTeamMember& member) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (!lock_user(*c, project_id, member.user_id)) return AddMemberStatus::kUserNotFound;
    if (!lock_team(*c, project_id, team_id)) return AddMemberStatus::kTeamNotFound;
    if (!insert_member(*c, project_id, team_id, member)) return AddMemberStatus::kAlreadyMember;
    tx.commit();
    return AddMemberStatus::kAdded;
  }

  std::optional<TeamMember> get_member(const std::string& project_id, const std::string& team_id,
                                       const std::string& user_id) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_MEMBER_COLUMNS
                      "FROM team_members m WHERE m.project_id = $1 AND m.team_id = $2 AND "
                      "m.user_id = $3")
                 .bind(project_id)
                 .bind(team_id)
                 .bind(user_id)
                 .run();
    if (r.rows() == 0) return std::nullopt;
    return read_member(r, 0);
  }

  std::vector<TeamMember> list_members(const std::string& project_id,
                                       const std::optional<std::string>& team_id,
                                       const std::optional<std::string>& user_id) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_MEMBER_COLUMNS
                      "FROM team_members m WHERE m.project_id = $1 AND ($2::text IS NULL OR "
                      "m.team_id = $2::text) AND ($3::text IS NULL OR m.user_id = $3::text) "
                      "ORDER BY m.created_at, m.seq")
                 .bind(project_id)
                 .bind(team_id)
                 .bind(user_id)
                 .run();
    std::vector<TeamMember> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_member(r, i));
    return out;
  }

  bool remove_member(const std::string& project_id, const std::string& team_id,
                     const std::string& user_id) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    int n = c->query(
                 "DELETE FROM team_members WHERE project_id = $1 AND team_id = $2 AND "
                 "user_id = $3")
                .bind(project_id)
                .bind(team_id)
                .bind(user_id)
                .exec();
    if (n == 0) return false;
    c->query(
         "UPDATE users SET selected_team_id = NULL WHERE project_id = $1 AND id = $2 AND "
         "selected_team_id = $3")
        .bind(project_id)
        .bind(user_id)
        .bind(team_id)
        .exec();
    tx.commit();
    return true;
  }

  bool update_member(const std::string& project_id, const std::string& team_id,
                     const std::string& user_id, const TeamMemberUpdate& up) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    std::optional<TeamMember> m;
    {
      auto r = c->query("SELECT " LK_MEMBER_COLUMNS
                        "FROM team_members m WHERE m.project_id = $1 AND m.team_id = $2 AND "
                        "m.user_id = $3 FOR UPDATE")
                   .bind(project_id)
                   .bind(team_id)
                   .bind(user_id)
                   .run();
      if (r.rows() == 0) return false;
      m = read_member(r, 0);
    }
    if (up.display_name) m->display_name = *up.display_name;
    if (up.profile_image_url) m->profile_image_url = *up.profile_image_url;
    c->query(
         "UPDATE team_members SET display_name = $1, profile_image_url = $2 "
         "WHERE project_id = $3 AND team_id = $4 AND user_id = $5")
        .bind(m->display_name)
        .bind(m->profile_image_url)
        .bind(project_id)
        .bind(team_id)
        .bind(user_id)
        .exec();
    tx.commit();
    return true;
  }

  std::optional<Team> get_team_of_member(const std::string& project_id, const std::string& team_id,
                                         const std::string& user_id) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_TEAM_COLUMNS
                      "FROM teams t JOIN team_members m ON m.project_id = t.project_id AND "
                      "m.team_id = t.id WHERE t.project_id = $1 AND t.id = $2 AND m.user_id = $3")
                 .bind(project_id)
                 .bind(team_id)
                 .bind(user_id)
                 .run();
    if (r.rows() == 0) return std::nullopt;
    return read_team_row(r, 0, 0);
  }

  std::vector<TeamInvitation> list_invitations(const std::string& project_id,
                                               const std::string& branch_id,
                                               const std::string& team_id,
                                               int64_t now_millis) override {
    auto c = pool_.acquire();
    auto r = c->query(
                  "SELECT id, data::json ->> 'team_id', method::json ->> 'email', expires_at "
                  "FROM verification_codes WHERE project_id = $1 AND branch_id = $2 AND "
                  "type = $3 AND data::json ->> 'team_id' = $4 AND used_at IS NULL AND "
                  "expires_at >= $5 ORDER BY created_at, seq")
                 .bind(project_id)
                 .bind(branch_id)
                 .bind(kInvitationType)
                 .bind(team_id)
                 .bind(now_millis)
                 .run();
    std::vector<TeamInvitation> out;
    for (int i = 0; i < r.rows(); ++i)
      out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.int64(i, 3)});
    return out;
  }

  bool delete_invitation(const std::string& project_id, const std::string& branch_id,
                         const std::string& team_id, const std::string& invitation_id,
                         int64_t now_millis) override {
    auto c = pool_.acquire();
    return c->query(
                "DELETE FROM verification_codes WHERE project_id = $1 AND branch_id = $2 "
                "AND id = $3 AND type = $4 AND data::json ->> 'team_id' = $5 AND "
                "used_at IS NULL AND expires_at >= $6")
               .bind(project_id)
               .bind(branch_id)
               .bind(invitation_id)
               .bind(kInvitationType)
               .bind(team_id)
               .bind(now_millis)
               .exec() > 0;
  }

  AcceptInvitationStatus accept_invitation(const std::string& project_id,
                                           const std::string& code_id, const std::string& team_id,
                                           const NewTeamMember& member,
                                           int64_t now_millis) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (!lock_team(*c, project_id, team_id)) return AcceptInvitationStatus::kTeamNotFound;
    if (!lock_user(*c, project_id, member.user_id)) return AcceptInvitationStatus::kUserNotFound;
    int used = c->query(
                    "UPDATE verification_codes SET used_at = $1 WHERE project_id = $2 AND "
                    "id = $3 AND used_at IS NULL")
                   .bind(now_millis)
                   .bind(project_id)
                   .bind(code_id)
                   .exec();
    if (used != 1) return AcceptInvitationStatus::kCodeUsed;
    auto status = insert_member(*c, project_id, team_id, member)
                      ? AcceptInvitationStatus::kJoined
                      : AcceptInvitationStatus::kAlreadyMember;
    tx.commit();
    return status;
  }

 private:
  Pool& pool_;
};

}  // namespace

void write_new_user_extras(Connection& c, const User& u, const NewUserExtras& extras) {
  for (const auto& id : extras.project_permission_ids)
    c.query(
         "INSERT INTO project_user_permissions (project_id, user_id, permission_id) "
         "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(u.project_id)
        .bind(u.id)
        .bind(id)
        .exec();
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
  c.query("UPDATE users SET selected_team_id = $1 WHERE project_id = $2 AND id = $3")
      .bind(t.id)
      .bind(u.project_id)
      .bind(u.id)
      .exec();
}

std::unique_ptr<TeamStore> make_team_store(Pool& pool) {
  return std::make_unique<PgTeamStore>(pool);
}

}  // namespace latchkey::store::postgres
