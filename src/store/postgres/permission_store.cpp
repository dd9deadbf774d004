// PostgreSQL implementation of PermissionStore: custom permission
// definitions and the direct team and project grants. Definition writes
// lock the project's definitions (FOR UPDATE) so that rewrites of contained
// lists never lose a concurrent change; the primary key decides id races.
#include <algorithm>

#include "store/postgres/stores.hpp"

namespace latchkey::store::postgres {
namespace {

const char* scope_name(PermissionScope s) {
  return s == PermissionScope::kTeam ? "team" : "project";
}

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

std::vector<PermissionDefinition> read_definitions(const Result& r) {
  std::vector<PermissionDefinition> out;
  for (int i = 0; i < r.rows(); ++i) {
    PermissionDefinition d;
    d.id = r.text(i, 0);
    d.scope = r.text(i, 1) == "project" ? PermissionScope::kProject : PermissionScope::kTeam;
    d.description = r.opt_text(i, 2);
    d.contained_ids = parse_ids(r.text(i, 3));
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<PermissionDefinition> lock_definitions(Connection& c, const std::string& project_id) {
  return read_definitions(c.query("SELECT id, scope, description, contained_ids FROM "
                                  "permission_definitions WHERE project_id = $1 ORDER BY id "
                                  "FOR UPDATE")
                              .bind(project_id)
                              .run());
}

void write_contained(Connection& c, const std::string& project_id, const std::string& id,
                     const std::vector<std::string>& ids) {
  c.query("UPDATE permission_definitions SET contained_ids = $1 WHERE project_id = $2 AND id = $3")
      .bind(dump_ids(ids))
      .bind(project_id)
      .bind(id)
      .exec();
}

class PgPermissionStore final : public PermissionStore {
 public:
  explicit PgPermissionStore(Pool& pool) : pool_(pool) {}

  std::vector<PermissionDefinition> list_definitions(const std::string& project_id) override {
    auto c = pool_.acquire();
    return read_definitions(c->query("SELECT id, scope, description, contained_ids FROM "
                                     "permission_definitions WHERE project_id = $1 ORDER BY id")
                                .bind(project_id)
                                .run());
  }

  DefinitionWriteStatus create_definition(const std::string& project_id,
                                          const PermissionDefinition& d) override {
    auto c = pool_.acquire();
    try {
      c->query(
           "INSERT INTO permission_definitions (project_id, id, scope, description, "
           "contained_ids) VALUES ($1, $2, $3, $4, $5)")
          .bind(project_id)
          .bind(d.id)
          .bind(scope_name(d.scope))
          .bind(d.description)
          .bind(dump_ids(d.contained_ids))
          .exec();
    } catch (const ConstraintError& e) {
      if (e.constraint() == "permission_definitions_pkey") return DefinitionWriteStatus::kIdExists;
      throw;
    }
    return DefinitionWriteStatus::kWritten;
  }

  DefinitionWriteStatus update_definition(const std::string& project_id, const std::string& old_id,
                                          const PermissionDefinition& d) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    auto all = lock_definitions(*c, project_id);
    auto old = std::find_if(all.begin(), all.end(), [&](const auto& x) { return x.id == old_id; });
    if (old == all.end() || old->scope != d.scope) return DefinitionWriteStatus::kNotFound;
    if (d.id != old_id &&
        std::any_of(all.begin(), all.end(), [&](const auto& x) { return x.id == d.id; }))
      return DefinitionWriteStatus::kIdExists;
    try {
      c->query(
           "UPDATE permission_definitions SET id = $1, description = $2, contained_ids = $3 "
           "WHERE project_id = $4 AND id = $5")
          .bind(d.id)
          .bind(d.description)
          .bind(dump_ids(d.contained_ids))
          .bind(project_id)
          .bind(old_id)
          .exec();
    } catch (const ConstraintError& e) {
      // A definition with the new id was created meanwhile.
      if (e.constraint() == "permission_definitions_pkey") return DefinitionWriteStatus::kIdExists;
      throw;
    }
    if (d.id != old_id) {
      for (auto& other : all) {
        if (other.id == old_id) continue;
        auto& ids = other.contained_ids;
        if (std::find(ids.begin(), ids.end(), old_id) == ids.end()) continue;
        std::vector<std::string> renamed;
        for (const auto& id : ids) {
          const std::string& v = id == old_id ? d.id : id;
          if (std::find(renamed.begin(), renamed.end(), v) == renamed.end()) renamed.push_back(v);
        }
        write_contained(*c, project_id, other.id, renamed);
      }
      // A holder of both ids keeps one grant: copy under the new id unless
      // already held, then drop the old rows.
      c->query(
           "INSERT INTO team_member_permissions (project_id, team_id, user_id, "
           "permission_id) SELECT project_id, team_id, user_id, $1 FROM "
           "team_member_permissions WHERE project_id = $2 AND permission_id = $3 "
           "ON CONFLICT DO NOTHING")
          .bind(d.id)
          .bind(project_id)
          .bind(old_id)
          .exec();
      c->query("DELETE FROM team_member_permissions WHERE project_id = $1 AND permission_id = $2")
          .bind(project_id)
          .bind(old_id)
          .exec();
      c->query(
           "INSERT INTO project_user_permissions (project_id, user_id, permission_id) "
           "SELECT project_id, user_id, $1 FROM project_user_permissions WHERE "
           "project_id = $2 AND permission_id = $3 ON CONFLICT DO NOTHING")
          .bind(d.id)
          .bind(project_id)
          .bind(old_id)
          .exec();
      c->query("DELETE FROM project_user_permissions WHERE project_id = $1 AND permission_id = $2")
          .bind(project_id)
          .bind(old_id)
          .exec();
    }
    tx.commit();
    return DefinitionWriteStatus::kWritten;
  }

  bool delete_definition(const std::string& project_id, const std::string& id,
                         PermissionScope scope) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    auto all = lock_definitions(*c, project_id);
    int n = c->query(
                 "DELETE FROM permission_definitions WHERE project_id = $1 AND id = $2 AND "
                 "scope = $3")
                .bind(project_id)
                .bind(id)
                .bind(scope_name(scope))
                .exec();
    if (n == 0) return false;
    for (auto& other : all) {
      if (other.id == id) continue;
      auto& ids = other.contained_ids;
      auto it = std::remove(ids.begin(), ids.end(), id);
      if (it == ids.end()) continue;
      ids.erase(it, ids.end());
      write_contained(*c, project_id, other.id, ids);
    }
    c->query("DELETE FROM team_member_permissions WHERE project_id = $1 AND permission_id = $2")
        .bind(project_id)
        .bind(id)
        .exec();
    c->query("DELETE FROM project_user_permissions WHERE project_id = $1 AND permission_id = $2")
        .bind(project_id)
        .bind(id)
        .exec();
    tx.commit();
    return true;
  }

  std::vector<TeamPermissionGrant> list_team_grants(
      const std::string& project_id, const std::optional<std::string>& team_id,
      const std::optional<std::string>& user_id) override {
    auto c = pool_.acquire();
    auto r = c->query(
                  "SELECT team_id, user_id, permission_id FROM team_member_permissions WHERE "
                  "project_id = $1 AND ($2::text IS NULL OR team_id = $2::text) AND "
                  "($3::text IS NULL OR user_id = $3::text) "
                  "ORDER BY team_id, user_id, permission_id")
                 .bind(project_id)
                 .bind(team_id)
                 .bind(user_id)
                 .run();
    std::vector<TeamPermissionGrant> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2)});
    return out;
  }

  bool grant_team_permission(const std::string& project_id, const std::string& team_id,
                             const std::string& user_id,
                             const std::string& permission_id) override {
    auto c = pool_.acquire();
    // The foreign key to the membership would fail the insert; checking
    // first (and holding the membership until the commit) keeps a missing
    // membership an answer rather than an exception.
    Transaction tx(*c);
    if (c->query("SELECT 1 FROM team_members WHERE project_id = $1 AND team_id = $2 AND "
                 "user_id = $3 FOR KEY SHARE")
            .bind(project_id)
            .bind(team_id)
            .bind(user_id)
            .run()
            .rows() == 0)
      return false;
    c->query(
         "INSERT INTO team_member_permissions (project_id, team_id, user_id, permission_id) "
         "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(project_id)
        .bind(team_id)
        .bind(user_id)
        .bind(permission_id)
        .exec();
    tx.commit();
    return true;
  }

  bool revoke_team_permission(const std::string& project_id, const std::string& team_id,
                              const std::string& user_id,
                              const std::string& permission_id) override {
    auto c = pool_.acquire();
    return c->query(
                "DELETE FROM team_member_permissions WHERE project_id = $1 AND team_id = $2 "
                "AND user_id = $3 AND permission_id = $4")
               .bind(project_id)
               .bind(team_id)
               .bind(user_id)
               .bind(permission_id)
               .exec() > 0;
  }

  std::vector<ProjectPermissionGrant> list_project_grants(
      const std::string& project_id, const std::optional<std::string>& user_id) override {
    auto c = pool_.acquire();
    auto r = c->query(
                  "SELECT user_id, permission_id FROM project_user_permissions WHERE "
                  "project_id = $1 AND ($2::text IS NULL OR user_id = $2::text) "
                  "ORDER BY user_id, permission_id")
                 .bind(project_id)
                 .bind(user_id)
                 .run();
    std::vector<ProjectPermissionGrant> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1)});
    return out;
  }

  bool grant_project_permission(const std::string& project_id, const std::string& user_id,
                                const std::string& permission_id) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    if (c->query("SELECT 1 FROM users WHERE project_id = $1 AND id = $2 FOR KEY SHARE")
            .bind(project_id)
            .bind(user_id)
            .run()
            .rows() == 0)
      return false;
    c->query(
         "INSERT INTO project_user_permissions (project_id, user_id, permission_id) "
         "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(project_id)
        .bind(user_id)
        .bind(permission_id)
        .exec();
    tx.commit();
    return true;
  }

  bool revoke_project_permission(const std::string& project_id, const std::string& user_id,
                                 const std::string& permission_id) override {
    auto c = pool_.acquire();
    return c->query(
                "DELETE FROM project_user_permissions WHERE project_id = $1 AND user_id = $2 "
                "AND permission_id = $3")
               .bind(project_id)
               .bind(user_id)
               .bind(permission_id)
               .exec() > 0;
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<PermissionStore> make_permission_store(Pool& pool) {
  return std::make_unique<PgPermissionStore>(pool);
}

}  // namespace latchkey::store::postgres
