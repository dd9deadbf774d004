// PermissionStore: custom permission definitions (contained ids as a JSON
// array in text) and the direct team and project grants. Definition writes
// read the project's definitions FOR UPDATE on PostgreSQL, so rewrites of
// contained lists never lose a concurrent change (SQLite's BEGIN IMMEDIATE
// serialises them already); the primary key decides races on an id.
#include <algorithm>

#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

const char* scope_name(PermissionScope s) {
  return s == PermissionScope::kTeam ? "team" : "project";
}

// Not an array (or non-string entries): read as none, as before.
std::vector<std::string> parse_ids(const std::string& text) {
  std::vector<std::string> out;
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string dump_ids(const std::vector<std::string>& ids) {
  Json j = Json::array();
  for (const auto& id : ids) j.push_back(id);
  return j.dump();
}

const sql::Columns<PermissionDefinition> kDefinitionColumns{
    {"id", &PermissionDefinition::id},
    sql::Column<PermissionDefinition>::custom(
        "scope",
        [](PermissionDefinition& d, const sql::Rows& r, int col) {
          d.scope = r.text(col) == "project" ? PermissionScope::kProject : PermissionScope::kTeam;
        }),
    {"description", &PermissionDefinition::description},
    sql::Column<PermissionDefinition>::custom(
        "contained_ids", [](PermissionDefinition& d, const sql::Rows& r,
                            int col) { d.contained_ids = parse_ids(r.text(col)); }),
};
const sql::Columns<TeamPermissionGrant> kTeamGrantColumns{
    {"team_id", &TeamPermissionGrant::team_id},
    {"user_id", &TeamPermissionGrant::user_id},
    {"permission_id", &TeamPermissionGrant::permission_id},
};
const sql::Columns<ProjectPermissionGrant> kProjectGrantColumns{
    {"user_id", &ProjectPermissionGrant::user_id},
    {"permission_id", &ProjectPermissionGrant::permission_id},
};

const std::string kSelectDefinitions = "SELECT " + kDefinitionColumns.list() +
                                       " FROM permission_definitions WHERE project_id = $1 "
                                       "ORDER BY id";

// --- definitions
const sql::Sql kListDefinitions{kSelectDefinitions};
const sql::Sql kLockDefinitions =
    sql::Sql::each([](const sql::Dialect& d) { return kSelectDefinitions + d.for_update(); });
// DO NOTHING: an id taken (even by a concurrent insert, which PostgreSQL
// waits for) is the zero row count; other violations (no such project)
// still throw.
const sql::Sql kInsertDefinition{"INSERT INTO permission_definitions (project_id, " +
                                 kDefinitionColumns.list() +
                                 ") VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"};
const sql::Sql kUpdateDefinition{
    "UPDATE permission_definitions SET id = $1, description = $2, contained_ids = $3 "
    "WHERE project_id = $4 AND id = $5"};
const sql::Sql kWriteContained{
    "UPDATE permission_definitions SET contained_ids = $1 WHERE project_id = $2 AND id = $3"};
const sql::Sql kDeleteDefinition{
    "DELETE FROM permission_definitions WHERE project_id = $1 AND id = $2 AND scope = $3"};

// A rename moves the grants of old id $3 to $1; a holder of both keeps one
// grant: copy under the new id unless already held, then drop the old rows.
// (The WHERE also keeps SQLite's parser from reading ON CONFLICT as a join.)
const sql::Sql kCopyTeamGrants{
    "INSERT INTO team_member_permissions (project_id, team_id, user_id, permission_id) "
    "SELECT project_id, team_id, user_id, $1 FROM team_member_permissions "
    "WHERE project_id = $2 AND permission_id = $3 ON CONFLICT DO NOTHING"};
const sql::Sql kCopyProjectGrants{
    "INSERT INTO project_user_permissions (project_id, user_id, permission_id) "
    "SELECT project_id, user_id, $1 FROM project_user_permissions "
    "WHERE project_id = $2 AND permission_id = $3 ON CONFLICT DO NOTHING"};
const sql::Sql kDeleteTeamGrantsOf{
    "DELETE FROM team_member_permissions WHERE project_id = $1 AND permission_id = $2"};
const sql::Sql kDeleteProjectGrantsOf{
    "DELETE FROM project_user_permissions WHERE project_id = $1 AND permission_id = $2"};

// --- team grants
const sql::Sql kListTeamGrants{"SELECT " + kTeamGrantColumns.list() +
                               " FROM team_member_permissions WHERE project_id = $1 AND "
                               "($2::text IS NULL OR team_id = $2::text) AND "
                               "($3::text IS NULL OR user_id = $3::text) "
                               "ORDER BY team_id, user_id, permission_id"};
// Held until the commit so that the membership cannot go before the grant
// is written (its foreign key would fail the insert).
const sql::Sql kLockMember = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT 1 FROM team_members WHERE project_id = $1 AND team_id = $2 AND user_id = $3" +
         std::string(d.for_key_share);
});
const sql::Sql kGrantTeam{
    "INSERT INTO team_member_permissions (project_id, team_id, user_id, permission_id) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"};
const sql::Sql kRevokeTeam{
    "DELETE FROM team_member_permissions WHERE project_id = $1 AND team_id = $2 AND "
    "user_id = $3 AND permission_id = $4"};

// --- project grants
const sql::Sql kListProjectGrants{"SELECT " + kProjectGrantColumns.list() +
                                  " FROM project_user_permissions WHERE project_id = $1 AND "
                                  "($2::text IS NULL OR user_id = $2::text) "
                                  "ORDER BY user_id, permission_id"};
const sql::Sql kLockUser = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT 1 FROM users WHERE project_id = $1 AND id = $2" + std::string(d.for_key_share);
});
const sql::Sql kGrantProject{
    "INSERT INTO project_user_permissions (project_id, user_id, permission_id) "
    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"};
const sql::Sql kRevokeProject{
    "DELETE FROM project_user_permissions WHERE project_id = $1 AND user_id = $2 AND "
    "permission_id = $3"};

std::vector<PermissionDefinition> read_definitions(sql::Connection& c, const sql::Sql& statement,
                                                   const std::string& project_id) {
  std::vector<PermissionDefinition> out;
  for (auto r = c.query(statement, project_id); r.next();)
    out.push_back(kDefinitionColumns.read(r));
  return out;
}

class SqlPermissionStore final : public PermissionStore {
 public:
  explicit SqlPermissionStore(sql::Database& db) : db_(db) {}

  std::vector<PermissionDefinition> list_definitions(const std::string& project_id) override {
    auto c = db_.acquire();
    return read_definitions(*c, kListDefinitions, project_id);
  }

  DefinitionWriteStatus create_definition(const std::string& project_id,
                                          const PermissionDefinition& d) override {
    auto c = db_.acquire();
    if (c->exec(kInsertDefinition, project_id, d.id, scope_name(d.scope), d.description,
                dump_ids(d.contained_ids)) == 0)
      return DefinitionWriteStatus::kIdExists;
    return DefinitionWriteStatus::kWritten;
  }

  DefinitionWriteStatus update_definition(const std::string& project_id, const std::string& old_id,
                                          const PermissionDefinition& d) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    auto all = read_definitions(*c, kLockDefinitions, project_id);
    auto old = std::find_if(all.begin(), all.end(), [&](const auto& x) { return x.id == old_id; });
    if (old == all.end() || old->scope != d.scope) return DefinitionWriteStatus::kNotFound;
    const bool rename = d.id != old_id;
    if (rename && std::any_of(all.begin(), all.end(), [&](const auto& x) { return x.id == d.id; }))
      return DefinitionWriteStatus::kIdExists;
    try {
      c->exec(kUpdateDefinition, d.id, d.description, dump_ids(d.contained_ids), project_id,
              old_id);
    } catch (const sql::ConstraintError& e) {
      // PostgreSQL only: the lock above covers the rows that existed, not a
      // definition with the new id inserted since. (On SQLite the check
      // above ran with the writers serialised, so this is not reached.)
      if (e.constraint() == "permission_definitions_pkey") return DefinitionWriteStatus::kIdExists;
      throw;
    }
    if (rename) {
      for (auto& other : all) {
        if (other.id == old_id) continue;
        auto& ids = other.contained_ids;
        if (std::find(ids.begin(), ids.end(), old_id) == ids.end()) continue;
        std::vector<std::string> renamed;
        for (const auto& id : ids) {
          const std::string& v = id == old_id ? d.id : id;
          if (std::find(renamed.begin(), renamed.end(), v) == renamed.end()) renamed.push_back(v);
        }
        c->exec(kWriteContained, dump_ids(renamed), project_id, other.id);
      }
      c->exec(kCopyTeamGrants, d.id, project_id, old_id);
      c->exec(kDeleteTeamGrantsOf, project_id, old_id);
      c->exec(kCopyProjectGrants, d.id, project_id, old_id);
      c->exec(kDeleteProjectGrantsOf, project_id, old_id);
    }
    tx.commit();
    return DefinitionWriteStatus::kWritten;
  }

  bool delete_definition(const std::string& project_id, const std::string& id,
                         PermissionScope scope) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    auto all = read_definitions(*c, kLockDefinitions, project_id);
    if (c->exec(kDeleteDefinition, project_id, id, scope_name(scope)) == 0) return false;
    for (auto& other : all) {
      if (other.id == id) continue;
      auto& ids = other.contained_ids;
      auto it = std::remove(ids.begin(), ids.end(), id);
      if (it == ids.end()) continue;
      ids.erase(it, ids.end());
      c->exec(kWriteContained, dump_ids(ids), project_id, other.id);
    }
    c->exec(kDeleteTeamGrantsOf, project_id, id);
    c->exec(kDeleteProjectGrantsOf, project_id, id);
    tx.commit();
    return true;
  }

  std::vector<TeamPermissionGrant> list_team_grants(
      const std::string& project_id, const std::optional<std::string>& team_id,
      const std::optional<std::string>& user_id) override {
    auto c = db_.acquire();
    std::vector<TeamPermissionGrant> out;
    for (auto r = c->query(kListTeamGrants, project_id, team_id, user_id); r.next();)
      out.push_back(kTeamGrantColumns.read(r));
    return out;
  }

  bool grant_team_permission(const std::string& project_id, const std::string& team_id,
                             const std::string& user_id, const std::string& permission_id,
                             const WebhookEvents& events) override {
    auto c = db_.acquire();
    // Checking first keeps a missing membership an answer rather than a
    // foreign-key exception.
    sql::Transaction tx(*c);
    if (!c->exists(kLockMember, project_id, team_id, user_id)) return false;
    c->exec(kGrantTeam, project_id, team_id, user_id, permission_id);
    write_webhook_events(*c, events);
    tx.commit();
    return true;
  }

  bool revoke_team_permission(const std::string& project_id, const std::string& team_id,
                              const std::string& user_id, const std::string& permission_id,
                              const WebhookEvents& events) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (c->exec(kRevokeTeam, project_id, team_id, user_id, permission_id) == 0) return false;
    write_webhook_events(*c, events);
    tx.commit();
    return true;
  }

  std::vector<ProjectPermissionGrant> list_project_grants(
      const std::string& project_id, const std::optional<std::string>& user_id) override {
    auto c = db_.acquire();
    std::vector<ProjectPermissionGrant> out;
    for (auto r = c->query(kListProjectGrants, project_id, user_id); r.next();)
      out.push_back(kProjectGrantColumns.read(r));
    return out;
  }

  bool grant_project_permission(const std::string& project_id, const std::string& user_id,
                                const std::string& permission_id,
                                const WebhookEvents& events) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (!c->exists(kLockUser, project_id, user_id)) return false;
    c->exec(kGrantProject, project_id, user_id, permission_id);
    write_webhook_events(*c, events);
    tx.commit();
    return true;
  }

  bool revoke_project_permission(const std::string& project_id, const std::string& user_id,
                                 const std::string& permission_id,
                                 const WebhookEvents& events) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (c->exec(kRevokeProject, project_id, user_id, permission_id) == 0) return false;
    write_webhook_events(*c, events);
    tx.commit();
    return true;
  }

 private:
  sql::Database& db_;
};

}  // namespace

std::unique_ptr<PermissionStore> make_permission_store(sql::Database& db) {
  return std::make_unique<SqlPermissionStore>(db);
}

}  // namespace latchkey::store::domain
