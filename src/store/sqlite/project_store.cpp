#include <spdlog/spdlog.h>

#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store::sqlite {
namespace {

Project read_project(Stmt& s) {
  Project p;
  p.id = s.text(0);
  p.display_name = s.text(1);
  p.description = s.text(2);
  p.created_at_millis = s.int64(3);
  p.is_production_mode = s.boolean(4);
  p.config = Json::parse(s.text(5), nullptr, false);
  p.user_count = s.int64(6);
  return p;
}

ApiKeySet read_key_set(Stmt& s) {
  ApiKeySet k;
  k.id = s.text(0);
  k.project_id = s.text(1);
  k.description = s.text(2);
  k.created_at_millis = s.int64(3);
  k.expires_at_millis = s.int64(4);
  k.manually_revoked_at_millis = s.opt_int64(5);
  k.publishable_client_key_digest = s.opt_text(6);
  k.publishable_client_key_last_four = s.opt_text(7);
  k.secret_server_key_digest = s.opt_text(8);
  k.secret_server_key_last_four = s.opt_text(9);
  k.super_secret_admin_key_digest = s.opt_text(10);
  k.super_secret_admin_key_last_four = s.opt_text(11);
  return k;
}

class SqliteProjectStore final : public ProjectStore {
 public:
  explicit SqliteProjectStore(Pool& pool) : pool_(pool) {}

  std::optional<Project> get_project(const std::string& id) override {
    auto c = pool_.acquire();
    auto s = c->prepare(
        "SELECT id, display_name, description, created_at, is_production_mode, config, "
        "user_count FROM projects WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_project(s);
  }

  std::vector<Project> list_projects() override {
    auto c = pool_.acquire();
    auto s = c->prepare(
        "SELECT id, display_name, description, created_at, is_production_mode, config, "
        "user_count FROM projects ORDER BY created_at, id");
    std::vector<Project> out;
    while (s.step()) out.push_back(read_project(s));
    return out;
  }

  void insert_project(const Project& p) override {
    auto c = pool_.acquire();
    c->prepare("INSERT INTO projects (id, display_name, description, created_at, "
               "is_production_mode, config) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, p.id)
        .bind(2, p.display_name)
        .bind(3, p.description)
        .bind(4, p.created_at_millis)
        .bind(5, p.is_production_mode)
        .bind(6, p.config.dump())
        .exec();
  }

  bool update_project(const Project& p) override {
    auto c = pool_.acquire();
    return c->prepare("UPDATE projects SET display_name = ?, description = ?, "
                      "is_production_mode = ?, config = ? WHERE id = ?")
               .bind(1, p.display_name)
               .bind(2, p.description)
               .bind(3, p.is_production_mode)
               .bind(4, p.config.dump())
               .bind(5, p.id)
               .exec() > 0;
  }

  bool delete_project(const std::string& id) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    // Drop the id from every dashboard user that manages it.
    std::vector<std::pair<std::string, Json>> owners;
    {
      auto s = c->prepare(
          "SELECT id, server_metadata FROM users WHERE project_id = 'internal' AND "
          "server_metadata IS NOT NULL AND EXISTS (SELECT 1 FROM "
          "json_each(json_extract(server_metadata, '$.managedProjectIds')) WHERE value = ?)");
      s.bind(1, id);
      while (s.step()) owners.emplace_back(s.text(0), Json::parse(s.text(1), nullptr, false));
    }
    for (auto& [uid, meta] : owners) {
      Json kept = Json::array();
      for (const auto& v : meta["managedProjectIds"])
        if (!(v.is_string() && v.get<std::string>() == id)) kept.push_back(v);
      meta["managedProjectIds"] = kept;
      c->prepare("UPDATE users SET server_metadata = ? WHERE project_id = 'internal' AND id = ?")
          .bind(1, meta.dump())
          .bind(2, uid)
          .exec();
    }
    int n = c->prepare("DELETE FROM projects WHERE id = ?").bind(1, id).exec();
    tx.commit();
    return n > 0;
  }

  void upsert_api_key_set(const ApiKeySet& k) override {
    auto c = pool_.acquire();
    c->prepare(
         "INSERT INTO api_key_sets (id, project_id, description, created_at, expires_at, "
         "revoked_at, pck_digest, pck_last_four, ssk_digest, ssk_last_four, sak_digest, "
         "sak_last_four) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
         "ON CONFLICT (id) DO UPDATE SET description = excluded.description, "
         "expires_at = excluded.expires_at, revoked_at = excluded.revoked_at, "
         "pck_digest = excluded.pck_digest, pck_last_four = excluded.pck_last_four, "
         "ssk_digest = excluded.ssk_digest, ssk_last_four = excluded.ssk_last_four, "
         "sak_digest = excluded.sak_digest, sak_last_four = excluded.sak_last_four")
        .bind(1, k.id)
        .bind(2, k.project_id)
        .bind(3, k.description)
        .bind(4, k.created_at_millis)
        .bind(5, k.expires_at_millis)
        .bind(6, k.manually_revoked_at_millis)
        .bind(7, k.publishable_client_key_digest)
        .bind(8, k.publishable_client_key_last_four)
        .bind(9, k.secret_server_key_digest)
        .bind(10, k.secret_server_key_last_four)
        .bind(11, k.super_secret_admin_key_digest)
        .bind(12, k.super_secret_admin_key_last_four)
        .exec();
  }

  std::vector<ApiKeySet> list_api_key_sets(const std::string& project_id) override {
    auto c = pool_.acquire();
    auto s = c->prepare(
        "SELECT id, project_id, description, created_at, expires_at, revoked_at, pck_digest, "
        "pck_last_four, ssk_digest, ssk_last_four, sak_digest, sak_last_four FROM api_key_sets "
        "WHERE project_id = ? ORDER BY created_at DESC, rowid DESC");
    s.bind(1, project_id);
    std::vector<ApiKeySet> out;
    while (s.step()) out.push_back(read_key_set(s));
    return out;
  }

  std::optional<ApiKeySet> get_api_key_set(const std::string& project_id,
                                           const std::string& id) override {
    auto c = pool_.acquire();
    auto s = c->prepare(
        "SELECT id, project_id, description, created_at, expires_at, revoked_at, pck_digest, "
        "pck_last_four, ssk_digest, ssk_last_four, sak_digest, sak_last_four FROM api_key_sets "
        "WHERE project_id = ? AND id = ?");
    s.bind(1, project_id).bind(2, id);
    if (!s.step()) return std::nullopt;
    return read_key_set(s);
  }

  std::optional<int64_t> valid_key_expiry(const std::string& project_id, KeyKind kind,
                                          const std::string& digest) override {
    auto c = pool_.acquire();
    const char* sql = nullptr;
    switch (kind) {
      case KeyKind::kPublishableClient:
        sql = "SELECT expires_at FROM api_key_sets WHERE pck_digest = ? AND project_id = ? AND "
              "revoked_at IS NULL";
        break;
      case KeyKind::kSecretServer:
        sql = "SELECT expires_at FROM api_key_sets WHERE ssk_digest = ? AND project_id = ? AND "
              "revoked_at IS NULL";
        break;
      case KeyKind::kSuperSecretAdmin:
        sql = "SELECT expires_at FROM api_key_sets WHERE sak_digest = ? AND project_id = ? AND "
              "revoked_at IS NULL";
        break;
    }
    auto s = c->prepare(sql);
    s.bind(1, digest).bind(2, project_id);
    if (!s.step()) return std::nullopt;
    return s.int64(0);
  }


 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<ProjectStore> make_project_store(Pool& pool) {
  return std::make_unique<SqliteProjectStore>(pool);
}

}  // namespace latchkey::store::sqlite
