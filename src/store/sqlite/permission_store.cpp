// SQLite implementation of PermissionStore: custom permission definitions
// and the direct team and project grants.
#include <algorithm>

#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store::sqlite {
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

PermissionDefinition read_definition(Stmt& s) {
  PermissionDefinition d;
  d.id = s.text(0);
  d.scope = s.text(1) == "project" ? PermissionScope::kProject : PermissionScope::kTeam;
  d.description = s.opt_text(2);
  d.contained_ids = parse_ids(s.text(3));
  return d;
}

std::vector<PermissionDefinition> read_definitions(Connection& c, const std::string& project_id) {
  auto s = c.prepare(
      "SELECT id, scope, description, contained_ids FROM permission_definitions "
      "WHERE project_id = ? ORDER BY id");
  s.bind(1, project_id);
  std::vector<PermissionDefinition> out;
  while (s.step()) out.push_back(read_definition(s));
  return out;
}

void write_contained(Connection& c, const std::string& project_id, const std::string& id,
                     const std::vector<std::string>& ids) {
  c.prepare("UPDATE permission_definitions SET contained_ids = ? WHERE project_id = ? AND id = ?")
      .bind(1, dump_ids(ids))
      .bind(2, project_id)
      .bind(3, id)
      .exec();
}

class SqlitePermissionStore final : public PermissionStore {
 public:
  explicit SqlitePermissionStore(Pool& pool) : pool_(pool) {}

  std::vector<PermissionDefinition> list_definitions(const std::string& project_id) override {
    auto c = pool_.acquire();
    return read_definitions(*c, project_id);
  }

  DefinitionWriteStatus create_definition(const std::string& project_id,
                                          const PermissionDefinition& d) override {
    auto c = pool_.acquire();
    try {
      c->prepare(
           "INSERT INTO permission_definitions (project_id, id, scope, description, "
           "contained_ids) VALUES (?, ?, ?, ?, ?)")
          .bind(1, project_id)
          .bind(2, d.id)
          .bind(3, scope_name(d.scope))
          .bind(4, d.description)
          .bind(5, dump_ids(d.contained_ids))
          .exec();
    } catch (const ConstraintError&) {
      return DefinitionWriteStatus::kIdExists;
    }
    return DefinitionWriteStatus::kWritten;
  }

  DefinitionWriteStatus update_definition(const std::string& project_id, const std::string& old_id,
                                          const PermissionDefinition& d) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    auto all = read_definitions(*c, project_id);
    auto old = std::find_if(all.begin(), all.end(), [&](const auto& x) { return x.id == old_id; });
    if (old == all.end() || old->scope != d.scope) return DefinitionWriteStatus::kNotFound;
    if (d.id != old_id &&
        std::any_of(all.begin(), all.end(), [&](const auto& x) { return x.id == d.id; }))
      return DefinitionWriteStatus::kIdExists;
    c->prepare(
         "UPDATE permission_definitions SET id = ?, description = ?, contained_ids = ? "
         "WHERE project_id = ? AND id = ?")
        .bind(1, d.id)
        .bind(2, d.description)
        .bind(3, dump_ids(d.contained_ids))
        .bind(4, project_id)
        .bind(5, old_id)
        .exec();
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
      // A holder of both ids keeps one grant: OR IGNORE leaves the old row
      // behind, which the DELETE then removes.
      c->prepare(
           "UPDATE OR IGNORE team_member_permissions SET permission_id = ? "
           "WHERE project_id = ? AND permission_id = ?")
          .bind(1, d.id)
          .bind(2, project_id)
          .bind(3, old_id)
          .exec();
      c->prepare("DELETE FROM team_member_permissions WHERE project_id = ? AND permission_id = ?")
          .bind(1, project_id)
          .bind(2, old_id)
          .exec();
      c->prepare(
           "UPDATE OR IGNORE project_user_permissions SET permission_id = ? "
           "WHERE project_id = ? AND permission_id = ?")
          .bind(1, d.id)
          .bind(2, project_id)
          .bind(3, old_id)
          .exec();
      c->prepare("DELETE FROM project_user_permissions WHERE project_id = ? AND permission_id = ?")
          .bind(1, project_id)
          .bind(2, old_id)
          .exec();
    }
    tx.commit();
    return DefinitionWriteStatus::kWritten;
  }

  bool delete_definition(const std::string& project_id, const std::string& id,
                         PermissionScope scope) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    int n = c->prepare(
                 "DELETE FROM permission_definitions WHERE project_id = ? AND id = ? AND "
                 "scope = ?")
                .bind(1, project_id)
                .bind(2, id)
                .bind(3, scope_name(scope))
                .exec();
    if (n == 0) return false;
    for (auto& other : read_definitions(*c, project_id)) {
      auto& ids = other.contained_ids;
      auto it = std::remove(ids.begin(), ids.end(), id);
      if (it == ids.end()) continue;
      ids.erase(it, ids.end());
      write_contained(*c, project_id, other.id, ids);
    }
    c->prepare("DELETE FROM team_member_permissions WHERE project_id = ? AND permission_id = ?")
        .bind(1, project_id)
        .bind(2, id)
        .exec();
    c->prepare("DELETE FROM project_user_permissions WHERE project_id = ? AND permission_id = ?")
        .bind(1, project_id)
        .bind(2, id)
        .exec();
    tx.commit();
    return true;
  }

  std::vector<TeamPermissionGrant> list_team_grants(
      const std::string& project_id, const std::optional<std::string>& team_id,
      const std::optional<std::string>& user_id) override {
    auto c = pool_.acquire();
    auto s = c->prepare(
        "SELECT team_id, user_id, permission_id FROM team_member_permissions WHERE "
        "project_id = ?1 AND (?2 IS NULL OR team_id = ?2) AND (?3 IS NULL OR user_id = ?3) "
        "ORDER BY team_id, user_id, permission_id");
    s.bind(1, project_id).bind(2, team_id).bind(3, user_id);
    std::vector<TeamPermissionGrant> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2)});
    return out;
  }

  bool grant_team_permission(const std::string& project_id, const std::string& team_id,
                             const std::string& user_id,
                             const std::string& permission_id) override {
    auto c = pool_.acquire();
    // The foreign key to the membership would fail the insert; checking
    // first keeps a missing membership an answer rather than an exception.
    Transaction tx(*c);
    {
      auto s = c->prepare(
          "SELECT 1 FROM team_members WHERE project_id = ? AND team_id = ? AND user_id = ?");
      s.bind(1, project_id).bind(2, team_id).bind(3, user_id);
      if (!s.step()) return false;
    }
    c->prepare(
         "INSERT INTO team_member_permissions (project_id, team_id, user_id, permission_id) "
         "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(1, project_id)
        .bind(2, team_id)
        .bind(3, user_id)
        .bind(4, permission_id)
        .exec();
    tx.commit();
    return true;
  }

  bool revoke_team_permission(const std::string& project_id, const std::string& team_id,
                              const std::string& user_id,
                              const std::string& permission_id) override {
    auto c = pool_.acquire();
    return c->prepare(
                "DELETE FROM team_member_permissions WHERE project_id = ? AND team_id = ? "
                "AND user_id = ? AND permission_id = ?")
               .bind(1, project_id)
               .bind(2, team_id)
               .bind(3, user_id)
               .bind(4, permission_id)
               .exec() > 0;
  }

  std::vector<ProjectPermissionGrant> list_project_grants(
      const std::string& project_id, const std::optional<std::string>& user_id) override {
    auto c = pool_.acquire();
    auto s = c->prepare(
        "SELECT user_id, permission_id FROM project_user_permissions WHERE project_id = ?1 "
        "AND (?2 IS NULL OR user_id = ?2) ORDER BY user_id, permission_id");
    s.bind(1, project_id).bind(2, user_id);
    std::vector<ProjectPermissionGrant> out;
    while (s.step()) out.push_back({s.text(0), s.text(1)});
    return out;
  }

  bool grant_project_permission(const std::string& project_id, const std::string& user_id,
                                const std::string& permission_id) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    {
      auto s = c->prepare("SELECT 1 FROM users WHERE project_id = ? AND id = ?");
      s.bind(1, project_id).bind(2, user_id);
      if (!s.step()) return false;
    }
    c->prepare(
         "INSERT INTO project_user_permissions (project_id, user_id, permission_id) "
         "VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(1, project_id)
        .bind(2, user_id)
        .bind(3, permission_id)
        .exec();
    tx.commit();
    return true;
  }

  bool revoke_project_permission(const std::string& project_id, const std::string& user_id,
                                 const std::string& permission_id) override {
    auto c = pool_.acquire();
    return c->prepare(
                "DELETE FROM project_user_permissions WHERE project_id = ? AND user_id = ? "
                "AND permission_id = ?")
               .bind(1, project_id)
               .bind(2, user_id)
               .bind(3, permission_id)
               .exec() > 0;
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<PermissionStore> make_permission_store(Pool& pool) {
  return std::make_unique<SqlitePermissionStore>(pool);
}

}  // namespace latchkey::store::sqlite
