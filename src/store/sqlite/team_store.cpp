// SQLite implementation of TeamStore: teams, memberships and their profile
// overrides, and the team-invitation codes of the verification_codes table.
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store::sqlite {

Team read_team_row(Stmt& s, int first) {
  Team t;
  t.id = s.text(first);
  t.project_id = s.text(first + 1);
  t.display_name = s.text(first + 2);
  t.profile_image_url = s.opt_text(first + 3);
  t.client_metadata = parse_json_or_null(s.opt_text(first + 4));
  t.client_read_only_metadata = parse_json_or_null(s.opt_text(first + 5));
  t.server_metadata = parse_json_or_null(s.opt_text(first + 6));
  t.created_at_millis = s.int64(first + 7);
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

Team read_team(Stmt& s) { return read_team_row(s, 0); }

TeamMember read_member(Stmt& s) {
  TeamMember m;
  m.project_id = s.text(0);
  m.team_id = s.text(1);
  m.user_id = s.text(2);
  m.display_name = s.opt_text(3);
  m.profile_image_url = s.opt_text(4);
  m.created_at_millis = s.int64(5);
  return m;
}

bool exists(Connection& c, const char* sql, const std::string& a, const std::string& b) {
  auto s = c.prepare(sql);
  s.bind(1, a).bind(2, b);
  return s.step();
}

bool user_exists(Connection& c, const std::string& project_id, const std::string& user_id) {
  return exists(c, "SELECT 1 FROM users WHERE project_id = ? AND id = ?", project_id, user_id);
}

bool team_exists(Connection& c, const std::string& project_id, const std::string& team_id) {
  return exists(c, "SELECT 1 FROM teams WHERE project_id = ? AND id = ?", project_id, team_id);
}

bool is_member(Connection& c, const std::string& project_id, const std::string& team_id,
               const std::string& user_id) {
  auto s =
      c.prepare("SELECT 1 FROM team_members WHERE project_id = ? AND team_id = ? AND user_id = ?");
  s.bind(1, project_id).bind(2, team_id).bind(3, user_id);
  return s.step();
}

void insert_team(Connection& c, const Team& t) {
  c.prepare(
       "INSERT INTO teams (project_id, id, display_name, profile_image_url, client_metadata, "
       "client_read_only_metadata, server_metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, t.project_id)
      .bind(2, t.id)
      .bind(3, t.display_name)
      .bind(4, t.profile_image_url)
      .bind(5, dump_or_null(t.client_metadata))
      .bind(6, dump_or_null(t.client_read_only_metadata))
      .bind(7, dump_or_null(t.server_metadata))
      .bind(8, t.created_at_millis)
      .exec();
}

// The membership row and its direct permissions (the caller checked that
// user and team exist and that there is no membership yet).
void insert_member(Connection& c, const std::string& project_id, const std::string& team_id,
                   const NewTeamMember& m) {
  c.prepare(
       "INSERT INTO team_members (project_id, team_id, user_id, created_at) VALUES (?, ?, ?, ?)")
      .bind(1, project_id)
      .bind(2, team_id)
      .bind(3, m.user_id)
      .bind(4, m.created_at_millis)
      .exec();
  for (const auto& id : m.permission_ids)
    c.prepare(
         "INSERT INTO team_member_permissions (project_id, team_id, user_id, permission_id) "
         "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(1, project_id)
        .bind(2, team_id)
        .bind(3, m.user_id)
        .bind(4, id)
        .exec();
}

class SqliteTeamStore final : public TeamStore {
 public:
  explicit SqliteTeamStore(Pool& pool) : pool_(pool) {}

  CreateTeamStatus create_team(const Team& team,
                               const std::optional<NewTeamMember>& creator) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (creator && !user_exists(*c, team.project_id, creator->user_id))
      return CreateTeamStatus::kUserNotFound;
    insert_team(*c, team);
    if (creator) insert_member(*c, team.project_id, team.id, *creator);
    tx.commit();
    return CreateTeamStatus::kCreated;
  }

  std::optional<Team> get_team(const std::string& project_id, const std::string& team_id) override {
    auto c = pool_.acquire();
    auto s =
        c->prepare("SELECT " LK_TEAM_COLUMNS "FROM teams t WHERE t.project_id = ? AND t.id = ?");
    s.bind(1, project_id).bind(2, team_id);
    if (!s.step()) return std::nullopt;
    return read_team(s);
  }

  std::vector<Team> list_teams(const std::string& project_id,
                               const std::optional<std::string>& user_id) override {
    auto c = pool_.acquire();
    // rowid breaks ties in created_at by insertion order.
    auto s = c->prepare("SELECT " LK_TEAM_COLUMNS
                        "FROM teams t WHERE t.project_id = ?1 AND (?2 IS NULL OR EXISTS ("
                        "SELECT 1 FROM team_members m WHERE m.project_id = t.project_id AND "
                        "m.team_id = t.id AND m.user_id = ?2)) ORDER BY t.created_at, t.rowid");
    s.bind(1, project_id).bind(2, user_id);
    std::vector<Team> out;
    while (s.step()) out.push_back(read_team(s));
    return out;
  }

  bool update_team(const std::string& project_id, const std::string& team_id,
                   const TeamUpdate& up) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    Team t;
    {
      auto s =
          c->prepare("SELECT " LK_TEAM_COLUMNS "FROM teams t WHERE t.project_id = ? AND t.id = ?");
      s.bind(1, project_id).bind(2, team_id);
      if (!s.step()) return false;
      t = read_team(s);
    }
    if (up.display_name) t.display_name = *up.display_name;
    if (up.profile_image_url) t.profile_image_url = *up.profile_image_url;
    if (up.client_metadata) t.client_metadata = *up.client_metadata;
    if (up.client_read_only_metadata) t.client_read_only_metadata = *up.client_read_only_metadata;
    if (up.server_metadata) t.server_metadata = *up.server_metadata;
    c->prepare(
         "UPDATE teams SET display_name = ?, profile_image_url = ?, client_metadata = ?, "
         "client_read_only_metadata = ?, server_metadata = ? WHERE project_id = ? AND id = ?")
        .bind(1, t.display_name)
        .bind(2, t.profile_image_url)
        .bind(3, dump_or_null(t.client_metadata))
        .bind(4, dump_or_null(t.client_read_only_metadata))
        .bind(5, dump_or_null(t.server_metadata))
        .bind(6, project_id)
        .bind(7, team_id)
        .exec();
    tx.commit();
    return true;
  }

  bool delete_team(const std::string& project_id, const std::string& team_id) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (!team_exists(*c, project_id, team_id)) return false;
    c->prepare(
         "UPDATE users SET selected_team_id = NULL WHERE project_id = ? AND "
         "selected_team_id = ?")
        .bind(1, project_id)
        .bind(2, team_id)
        .exec();
    c->prepare(
         "DELETE FROM verification_codes WHERE project_id = ? AND type = ? AND "
         "json_extract(data, '$.team_id') = ?")
        .bind(1, project_id)
        .bind(2, kInvitationType)
        .bind(3, team_id)
        .exec();
    // Memberships and their permissions follow through the foreign keys.
    c->prepare("DELETE FROM teams WHERE project_id = ? AND id = ?")
        .bind(1, project_id)
        .bind(2, team_id)
        .exec();
    tx.commit();
    return true;
  }

  AddMemberStatus add_member(const std::string& project_id, const std::string& team_id,
                             const NewTeamMember& member) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (!user_exists(*c, project_id, member.user_id)) return AddMemberStatus::kUserNotFound;
    if (!team_exists(*c, project_id, team_id)) return AddMemberStatus::kTeamNotFound;
    if (is_member(*c, project_id, team_id, member.user_id)) return AddMemberStatus::kAlreadyMember;
    insert_member(*c, project_id, team_id, member);
    tx.commit();
    return AddMemberStatus::kAdded;
  }

  std::optional<TeamMember> get_member(const std::string& project_id, const std::string& team_id,
                                       const std::string& user_id) override {
    auto c = pool_.acquire();
    auto s = c->prepare("SELECT " LK_MEMBER_COLUMNS
                        "FROM team_members m WHERE m.project_id = ? AND m.team_id = ? AND "
                        "m.user_id = ?");
    s.bind(1, project_id).bind(2, team_id).bind(3, user_id);
    if (!s.step()) return std::nullopt;
    return read_member(s);
  }

  std::vector<TeamMember> list_members(const std::string& project_id,
                                       const std::optional<std::string>& team_id,
                                       const std::optional<std::string>& user_id) override {
    auto c = pool_.acquire();
    auto s = c->prepare("SELECT " LK_MEMBER_COLUMNS
                        "FROM team_members m WHERE m.project_id = ?1 AND (?2 IS NULL OR "
                        "m.team_id = ?2) AND (?3 IS NULL OR m.user_id = ?3) "
                        "ORDER BY m.created_at, m.rowid");
    s.bind(1, project_id).bind(2, team_id).bind(3, user_id);
    std::vector<TeamMember> out;
    while (s.step()) out.push_back(read_member(s));
    return out;
  }

  bool remove_member(const std::string& project_id, const std::string& team_id,
                     const std::string& user_id) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    int n = c->prepare(
                 "DELETE FROM team_members WHERE project_id = ? AND team_id = ? AND "
                 "user_id = ?")
                .bind(1, project_id)
                .bind(2, team_id)
                .bind(3, user_id)
                .exec();
    if (n == 0) return false;
    c->prepare(
         "UPDATE users SET selected_team_id = NULL WHERE project_id = ? AND id = ? AND "
         "selected_team_id = ?")
        .bind(1, project_id)
        .bind(2, user_id)
        .bind(3, team_id)
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
      auto s = c->prepare("SELECT " LK_MEMBER_COLUMNS
                          "FROM team_members m WHERE m.project_id = ? AND m.team_id = ? AND "
                          "m.user_id = ?");
      s.bind(1, project_id).bind(2, team_id).bind(3, user_id);
      if (!s.step()) return false;
      m = read_member(s);
    }
    if (up.display_name) m->display_name = *up.display_name;
    if (up.profile_image_url) m->profile_image_url = *up.profile_image_url;
    c->prepare(
         "UPDATE team_members SET display_name = ?, profile_image_url = ? "
         "WHERE project_id = ? AND team_id = ? AND user_id = ?")
        .bind(1, m->display_name)
        .bind(2, m->profile_image_url)
        .bind(3, project_id)
        .bind(4, team_id)
        .bind(5, user_id)
        .exec();
    tx.commit();
    return true;
  }

  std::optional<Team> get_team_of_member(const std::string& project_id, const std::string& team_id,
                                         const std::string& user_id) override {
    auto c = pool_.acquire();
    auto s = c->prepare("SELECT " LK_TEAM_COLUMNS
                        "FROM teams t JOIN team_members m ON m.project_id = t.project_id AND "
                        "m.team_id = t.id WHERE t.project_id = ? AND t.id = ? AND m.user_id = ?");
    s.bind(1, project_id).bind(2, team_id).bind(3, user_id);
    if (!s.step()) return std::nullopt;
    return read_team(s);
  }

  std::vector<TeamInvitation> list_invitations(const std::string& project_id,
                                               const std::string& branch_id,
                                               const std::string& team_id,
                                               int64_t now_millis) override {
    auto c = pool_.acquire();
    auto s = c->prepare(
        "SELECT id, json_extract(data, '$.team_id'), json_extract(method, '$.email'), "
        "expires_at FROM verification_codes WHERE project_id = ? AND branch_id = ? AND "
        "type = ? AND json_extract(data, '$.team_id') = ? AND used_at IS NULL AND "
        "expires_at >= ? ORDER BY created_at, rowid");
    s.bind(1, project_id)
        .bind(2, branch_id)
        .bind(3, kInvitationType)
        .bind(4, team_id)
        .bind(5, now_millis);
    std::vector<TeamInvitation> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.int64(3)});
    return out;
  }

  bool delete_invitation(const std::string& project_id, const std::string& branch_id,
                         const std::string& team_id, const std::string& invitation_id,
                         int64_t now_millis) override {
    auto c = pool_.acquire();
    return c->prepare(
                "DELETE FROM verification_codes WHERE project_id = ? AND branch_id = ? "
                "AND id = ? AND type = ? AND json_extract(data, '$.team_id') = ? AND "
                "used_at IS NULL AND expires_at >= ?")
               .bind(1, project_id)
               .bind(2, branch_id)
               .bind(3, invitation_id)
               .bind(4, kInvitationType)
               .bind(5, team_id)
               .bind(6, now_millis)
               .exec() > 0;
  }

  AcceptInvitationStatus accept_invitation(const std::string& project_id,
                                           const std::string& code_id, const std::string& team_id,
                                           const NewTeamMember& member,
                                           int64_t now_millis) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (!team_exists(*c, project_id, team_id)) return AcceptInvitationStatus::kTeamNotFound;
    if (!user_exists(*c, project_id, member.user_id)) return AcceptInvitationStatus::kUserNotFound;
    int used = c->prepare(
                    "UPDATE verification_codes SET used_at = ? WHERE project_id = ? AND "
                    "id = ? AND used_at IS NULL")
                   .bind(1, now_millis)
                   .bind(2, project_id)
                   .bind(3, code_id)
                   .exec();
    if (used != 1) return AcceptInvitationStatus::kCodeUsed;
    auto status = AcceptInvitationStatus::kAlreadyMember;
    if (!is_member(*c, project_id, team_id, member.user_id)) {
      insert_member(*c, project_id, team_id, member);
      status = AcceptInvitationStatus::kJoined;
    }
    tx.commit();
    return status;
  }

 private:
  Pool& pool_;
};

}  // namespace

void write_new_user_extras(Connection& c, const User& u, const NewUserExtras& extras) {
  for (const auto& id : extras.project_permission_ids)
    c.prepare(
         "INSERT INTO project_user_permissions (project_id, user_id, permission_id) "
         "VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(1, u.project_id)
        .bind(2, u.id)
        .bind(3, id)
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
  c.prepare("UPDATE users SET selected_team_id = ? WHERE project_id = ? AND id = ?")
      .bind(1, t.id)
      .bind(2, u.project_id)
      .bind(3, u.id)
      .exec();
}

std::unique_ptr<TeamStore> make_team_store(Pool& pool) {
  return std::make_unique<SqliteTeamStore>(pool);
}

}  // namespace latchkey::store::sqlite
