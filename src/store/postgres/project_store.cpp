// PostgreSQL implementation of ProjectStore: projects and their key sets.
#include "store/postgres/stores.hpp"

namespace latchkey::store::postgres {
namespace {

#define LK_PROJECT_COLUMNS \
  "id, display_name, description, created_at, is_production_mode, config, user_count"
#define LK_KEY_SET_COLUMNS                                                        \
  "id, project_id, description, created_at, expires_at, revoked_at, pck_digest, " \
  "pck_last_four, ssk_digest, ssk_last_four, sak_digest, sak_last_four"

Project read_project(const Result& r, int i) {
  Project p;
  p.id = r.text(i, 0);
  p.display_name = r.text(i, 1);
  p.description = r.text(i, 2);
  p.created_at_millis = r.int64(i, 3);
  p.is_production_mode = r.boolean(i, 4);
  p.config = Json::parse(r.text(i, 5), nullptr, false);
  p.user_count = r.int64(i, 6);
  return p;
}

ApiKeySet read_key_set(const Result& r, int i) {
  ApiKeySet k;
  k.id = r.text(i, 0);
  k.project_id = r.text(i, 1);
  k.description = r.text(i, 2);
  k.created_at_millis = r.int64(i, 3);
  k.expires_at_millis = r.int64(i, 4);
  k.manually_revoked_at_millis = r.opt_int64(i, 5);
  k.publishable_client_key_digest = r.opt_text(i, 6);
  k.publishable_client_key_last_four = r.opt_text(i, 7);
  k.secret_server_key_digest = r.opt_text(i, 8);
  k.secret_server_key_last_four = r.opt_text(i, 9);
  k.super_secret_admin_key_digest = r.opt_text(i, 10);
  k.super_secret_admin_key_last_four = r.opt_text(i, 11);
  return k;
}

class PgProjectStore final : public ProjectStore {
 public:
  explicit PgProjectStore(Pool& pool) : pool_(pool) {}

  std::optional<Project> get_project(const std::string& id) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_PROJECT_COLUMNS " FROM projects WHERE id = $1").bind(id).run();
    if (r.rows() == 0) return std::nullopt;
    return read_project(r, 0);
  }

  std::vector<Project> list_projects() override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_PROJECT_COLUMNS " FROM projects ORDER BY created_at, id").run();
    std::vector<Project> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_project(r, i));
    return out;
  }

  void insert_project(const Project& p) override {
    auto c = pool_.acquire();
    c->query(
         "INSERT INTO projects (id, display_name, description, created_at, "
         "is_production_mode, config) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(p.id)
        .bind(p.display_name)
        .bind(p.description)
        .bind(p.created_at_millis)
        .bind(p.is_production_mode)
        .bind(p.config.dump())
        .exec();
  }

  bool update_project(const Project& p) override {
    auto c = pool_.acquire();
    return c->query(
                "UPDATE projects SET display_name = $1, description = $2, "
                "is_production_mode = $3, config = $4 WHERE id = $5")
               .bind(p.display_name)
               .bind(p.description)
               .bind(p.is_production_mode)
               .bind(p.config.dump())
               .bind(p.id)
               .exec() > 0;
  }

  bool delete_project(const std::string& id) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    // Drop the id from every dashboard user that manages it; FOR UPDATE so
    // that a concurrent metadata write is not overwritten. The text match
    // only narrows the rows (no jsonb cast: jsonb rejects some JSON text,
    // such as \u0000); membership is decided on the parsed metadata.
    std::vector<std::pair<std::string, Json>> owners;
    {
      auto r = c->query(
                    "SELECT id, server_metadata FROM users WHERE project_id = 'internal' "
                    "AND strpos(server_metadata, 'managedProjectIds') > 0 "
                    "AND strpos(server_metadata, $1) > 0 FOR UPDATE")
                   .bind(id)
                   .run();
      for (int i = 0; i < r.rows(); ++i) {
        Json meta = Json::parse(r.text(i, 1), nullptr, false);
        if (!meta.is_object() || !meta.contains("managedProjectIds")) continue;
        bool member = false;
        for (const auto& v : meta["managedProjectIds"])
          if (v.is_string() && v.get<std::string>() == id) member = true;
        if (member) owners.emplace_back(r.text(i, 0), std::move(meta));
      }
    }
    for (auto& [uid, meta] : owners) {
      Json kept = Json::array();
      for (const auto& v : meta["managedProjectIds"])
        if (!(v.is_string() && v.get<std::string>() == id)) kept.push_back(v);
      meta["managedProjectIds"] = kept;
      c->query("UPDATE users SET server_metadata = $1 WHERE project_id = 'internal' AND id = $2")
          .bind(meta.dump())
          .bind(uid)
          .exec();
    }
    int n = c->query("DELETE FROM projects WHERE id = $1").bind(id).exec();
    tx.commit();
    return n > 0;
  }

  void upsert_api_key_set(const ApiKeySet& k) override {
    auto c = pool_.acquire();
    c->query(
         "INSERT INTO api_key_sets (id, project_id, description, created_at, expires_at, "
         "revoked_at, pck_digest, pck_last_four, ssk_digest, ssk_last_four, sak_digest, "
         "sak_last_four) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
         "ON CONFLICT (id) DO UPDATE SET description = excluded.description, "
         "expires_at = excluded.expires_at, revoked_at = excluded.revoked_at, "
         "pck_digest = excluded.pck_digest, pck_last_four = excluded.pck_last_four, "
         "ssk_digest = excluded.ssk_digest, ssk_last_four = excluded.ssk_last_four, "
         "sak_digest = excluded.sak_digest, sak_last_four = excluded.sak_last_four")
        .bind(k.id)
        .bind(k.project_id)
        .bind(k.description)
        .bind(k.created_at_millis)
        .bind(k.expires_at_millis)
        .bind(k.manually_revoked_at_millis)
        .bind(k.publishable_client_key_digest)
        .bind(k.publishable_client_key_last_four)
        .bind(k.secret_server_key_digest)
        .bind(k.secret_server_key_last_four)
        .bind(k.super_secret_admin_key_digest)
        .bind(k.super_secret_admin_key_last_four)
        .exec();
  }

  std::vector<ApiKeySet> list_api_key_sets(const std::string& project_id) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_KEY_SET_COLUMNS
                      " FROM api_key_sets WHERE project_id = $1 ORDER BY created_at DESC, "
                      "seq DESC")
                 .bind(project_id)
                 .run();
    std::vector<ApiKeySet> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_key_set(r, i));
    return out;
  }

  std::optional<ApiKeySet> get_api_key_set(const std::string& project_id,
                                           const std::string& id) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_KEY_SET_COLUMNS
                      " FROM api_key_sets WHERE project_id = $1 AND id = $2")
                 .bind(project_id)
                 .bind(id)
                 .run();
    if (r.rows() == 0) return std::nullopt;
    return read_key_set(r, 0);
  }

  std::optional<int64_t> valid_key_expiry(const std::string& project_id, KeyKind kind,
                                          const std::string& digest) override {
    auto c = pool_.acquire();
    const char* sql = nullptr;
    switch (kind) {
      case KeyKind::kPublishableClient:
        sql =
            "SELECT expires_at FROM api_key_sets WHERE pck_digest = $1 AND project_id = $2 "
            "AND revoked_at IS NULL";
        break;
      case KeyKind::kSecretServer:
        sql =
            "SELECT expires_at FROM api_key_sets WHERE ssk_digest = $1 AND project_id = $2 "
            "AND revoked_at IS NULL";
        break;
      case KeyKind::kSuperSecretAdmin:
        sql =
            "SELECT expires_at FROM api_key_sets WHERE sak_digest = $1 AND project_id = $2 "
            "AND revoked_at IS NULL";
        break;
    }
    auto r = c->query(sql).bind(digest).bind(project_id).run();
    if (r.rows() == 0) return std::nullopt;
    return r.int64(0, 0);
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<ProjectStore> make_project_store(Pool& pool) {
  return std::make_unique<PgProjectStore>(pool);
}

}  // namespace latchkey::store::postgres
