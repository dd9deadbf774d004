// ProjectStore: projects (with the user count the users triggers keep) and
// their API key sets, stored as digests.
#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

const sql::Columns<Project> kProjectColumns{
    {"id", &Project::id},
    {"display_name", &Project::display_name},
    {"description", &Project::description},
    {"created_at", &Project::created_at_millis},
    {"is_production_mode", &Project::is_production_mode},
    {"config", &Project::config},
    {"user_count", &Project::user_count},
};
const std::string kSelectProject = "SELECT " + kProjectColumns.list() + " FROM projects ";

const sql::Sql kProjectById{kSelectProject + "WHERE id = $1"};
const sql::Sql kAllProjects{kSelectProject + "ORDER BY created_at, id"};
// user_count is left to its default: the users triggers keep it.
const sql::Sql kInsertProject{
    "INSERT INTO projects (id, display_name, description, created_at, is_production_mode, "
    "config) VALUES ($1, $2, $3, $4, $5, $6)"};
const sql::Sql kUpdateProject{
    "UPDATE projects SET display_name = $1, description = $2, is_production_mode = $3, "
    "config = $4 WHERE id = $5"};
const sql::Sql kDeleteProject{"DELETE FROM projects WHERE id = $1"};

// The internal project's users whose metadata may list the project ($1).
// The text match only narrows the rows (no JSON parsing in SQL: PostgreSQL's
// jsonb rejects some JSON text, such as \u0000, and SQLite's json functions
// fail on malformed text); membership is decided on the parsed metadata. On
// PostgreSQL the rows are locked so that a concurrent metadata write is not
// overwritten.
const sql::Sql kManagingUsers = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT id, server_metadata FROM users WHERE project_id = 'internal' AND " +
         std::string(d.strpos) + "(server_metadata, 'managedProjectIds') > 0 AND " +
         std::string(d.strpos) + "(server_metadata, $1) > 0" + d.for_update();
});
const sql::Sql kSetInternalMetadata{
    "UPDATE users SET server_metadata = $1 WHERE project_id = 'internal' AND id = $2"};

const sql::Columns<ApiKeySet> kKeySetColumns{
    {"id", &ApiKeySet::id},
    {"project_id", &ApiKeySet::project_id},
    {"description", &ApiKeySet::description},
    {"created_at", &ApiKeySet::created_at_millis},
    {"expires_at", &ApiKeySet::expires_at_millis},
    {"revoked_at", &ApiKeySet::manually_revoked_at_millis},
    {"pck_digest", &ApiKeySet::publishable_client_key_digest},
    {"pck_last_four", &ApiKeySet::publishable_client_key_last_four},
    {"ssk_digest", &ApiKeySet::secret_server_key_digest},
    {"ssk_last_four", &ApiKeySet::secret_server_key_last_four},
    {"sak_digest", &ApiKeySet::super_secret_admin_key_digest},
    {"sak_last_four", &ApiKeySet::super_secret_admin_key_last_four},
};
const std::string kSelectKeySet = "SELECT " + kKeySetColumns.list() + " FROM api_key_sets ";

// created_at and id never change once a set exists.
const sql::Sql kUpsertKeySet{
    "INSERT INTO api_key_sets (" + kKeySetColumns.list() +
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
    "ON CONFLICT (id) DO UPDATE SET description = excluded.description, "
    "expires_at = excluded.expires_at, revoked_at = excluded.revoked_at, "
    "pck_digest = excluded.pck_digest, pck_last_four = excluded.pck_last_four, "
    "ssk_digest = excluded.ssk_digest, ssk_last_four = excluded.ssk_last_four, "
    "sak_digest = excluded.sak_digest, sak_last_four = excluded.sak_last_four"};
// Newest first; sets created in the same millisecond, latest inserted first.
const sql::Sql kKeySetsOfProject = sql::Sql::each([](const sql::Dialect& d) {
  return kSelectKeySet + "WHERE project_id = $1 ORDER BY created_at DESC, " +
         std::string(d.insertion_order) + " DESC";
});
const sql::Sql kKeySetById{kSelectKeySet + "WHERE project_id = $1 AND id = $2"};

// One statement per key kind (each digest column has its own unique index).
const sql::Sql kPublishableExpiry{
    "SELECT expires_at FROM api_key_sets WHERE pck_digest = $1 AND project_id = $2 AND "
    "revoked_at IS NULL"};
const sql::Sql kSecretServerExpiry{
    "SELECT expires_at FROM api_key_sets WHERE ssk_digest = $1 AND project_id = $2 AND "
    "revoked_at IS NULL"};
const sql::Sql kSuperSecretAdminExpiry{
    "SELECT expires_at FROM api_key_sets WHERE sak_digest = $1 AND project_id = $2 AND "
    "revoked_at IS NULL"};

const sql::Sql& expiry_sql(KeyKind kind) {
  switch (kind) {
    case KeyKind::kPublishableClient:
      return kPublishableExpiry;
    case KeyKind::kSecretServer:
      return kSecretServerExpiry;
    case KeyKind::kSuperSecretAdmin:
      break;
  }
  return kSuperSecretAdminExpiry;
}

bool lists_project(const Json& ids, const std::string& id) {
  for (const auto& v : ids)
    if (v.is_string() && v.get<std::string>() == id) return true;
  return false;
}

class SqlProjectStore final : public ProjectStore {
 public:
  explicit SqlProjectStore(sql::Database& db) : db_(db) {}

  std::optional<Project> get_project(const std::string& id) override {
    auto c = db_.acquire();
    auto r = c->query(kProjectById, id);
    if (!r.next()) return std::nullopt;
    return kProjectColumns.read(r);
  }

  std::vector<Project> list_projects() override {
    auto c = db_.acquire();
    std::vector<Project> out;
    for (auto r = c->query(kAllProjects); r.next();) out.push_back(kProjectColumns.read(r));
    return out;
  }

  void insert_project(const Project& p) override {
    auto c = db_.acquire();
    c->exec(kInsertProject, p.id, p.display_name, p.description, p.created_at_millis,
            p.is_production_mode, p.config.dump());
  }

  bool update_project(const Project& p) override {
    auto c = db_.acquire();
    return c->exec(kUpdateProject, p.display_name, p.description, p.is_production_mode,
                   p.config.dump(), p.id) > 0;
  }

  bool delete_project(const std::string& id) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    std::vector<std::pair<std::string, Json>> owners;
    for (auto r = c->query(kManagingUsers, id); r.next();) {
      Json meta = r.json(1);
      if (!meta.is_object() || !meta.contains("managedProjectIds")) continue;
      if (lists_project(meta["managedProjectIds"], id))
        owners.emplace_back(r.text(0), std::move(meta));
    }
    for (auto& [uid, meta] : owners) {
      Json kept = Json::array();
      for (const auto& v : meta["managedProjectIds"])
        if (!(v.is_string() && v.get<std::string>() == id)) kept.push_back(v);
      meta["managedProjectIds"] = std::move(kept);
      c->exec(kSetInternalMetadata, meta.dump(), uid);
    }
    // Everything in the project goes with it through the foreign keys.
    const int n = c->exec(kDeleteProject, id);
    tx.commit();
    return n > 0;
  }

  void upsert_api_key_set(const ApiKeySet& k) override {
    auto c = db_.acquire();
    c->exec(kUpsertKeySet, k.id, k.project_id, k.description, k.created_at_millis,
            k.expires_at_millis, k.manually_revoked_at_millis, k.publishable_client_key_digest,
            k.publishable_client_key_last_four, k.secret_server_key_digest,
            k.secret_server_key_last_four, k.super_secret_admin_key_digest,
            k.super_secret_admin_key_last_four);
  }

  std::vector<ApiKeySet> list_api_key_sets(const std::string& project_id) override {
    auto c = db_.acquire();
    std::vector<ApiKeySet> out;
    for (auto r = c->query(kKeySetsOfProject, project_id); r.next();)
      out.push_back(kKeySetColumns.read(r));
    return out;
  }

  std::optional<ApiKeySet> get_api_key_set(const std::string& project_id,
                                           const std::string& id) override {
    auto c = db_.acquire();
    auto r = c->query(kKeySetById, project_id, id);
    if (!r.next()) return std::nullopt;
    return kKeySetColumns.read(r);
  }

  std::optional<int64_t> valid_key_expiry(const std::string& project_id, KeyKind kind,
                                          const std::string& digest) override {
    auto c = db_.acquire();
    auto r = c->query(expiry_sql(kind), digest, project_id);
    if (!r.next()) return std::nullopt;
    return r.int64(0);
  }

 private:
  sql::Database& db_;
};

}  // namespace

std::unique_ptr<ProjectStore> make_project_store(sql::Database& db) {
  return std::make_unique<SqlProjectStore>(db);
}

}  // namespace latchkey::store::domain
