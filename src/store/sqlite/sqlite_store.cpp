#include "store/sqlite/sqlite_store.hpp"

#include <spdlog/spdlog.h>

#include "store/migrations.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace latchkey::store {
namespace {

using sqlite::Connection;
using sqlite::Stmt;
using sqlite::Transaction;

Json parse_json_or_null(const std::optional<std::string>& s) {
  if (!s) return Json();
  return Json::parse(*s, nullptr, false);
}

std::optional<std::string> dump_or_null(const Json& j) {
  if (j.is_null()) return std::nullopt;
  return j.dump();
}

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

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string path) : pool_(std::move(path)) {}

  void migrate() override {
    auto c = pool_.acquire();
    c->exec_script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                   "name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    for (const auto& m : all_migrations()) {
      if (m.engine != "sqlite") continue;
      Transaction tx(*c);
      auto s = c->prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
      s.bind(1, m.version);
      bool applied = s.step();
      if (applied) continue;
      spdlog::info("applying migration {}", m.name);
      c->exec_script(m.sql);
      c->prepare("INSERT INTO schema_migrations (version, name, applied_at) "
                 "VALUES (?, ?, strftime('%s','now'))")
          .bind(1, m.version)
          .bind(2, m.name)
          .exec();
      tx.commit();
    }
  }

  std::string get_or_insert_setting(const std::string& key, const std::string& value) override {
    auto c = pool_.acquire();
    c->prepare("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
        .bind(1, key)
        .bind(2, value)
        .exec();
    auto s = c->prepare("SELECT value FROM settings WHERE key = ?");
    s.bind(1, key);
    s.step();
    return s.text(0);
  }

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

  bool is_valid_key(const std::string& project_id, KeyKind kind, const std::string& digest,
                    int64_t now_millis) override {
    auto c = pool_.acquire();
    const char* sql = nullptr;
    switch (kind) {
      case KeyKind::kPublishableClient:
        sql = "SELECT 1 FROM api_key_sets WHERE pck_digest = ? AND project_id = ? AND "
              "revoked_at IS NULL AND expires_at > ?";
        break;
      case KeyKind::kSecretServer:
        sql = "SELECT 1 FROM api_key_sets WHERE ssk_digest = ? AND project_id = ? AND "
              "revoked_at IS NULL AND expires_at > ?";
        break;
      case KeyKind::kSuperSecretAdmin:
        sql = "SELECT 1 FROM api_key_sets WHERE sak_digest = ? AND project_id = ? AND "
              "revoked_at IS NULL AND expires_at > ?";
        break;
    }
    auto s = c->prepare(sql);
    s.bind(1, digest).bind(2, project_id).bind(3, now_millis);
    return s.step();
  }

  std::optional<User> get_user(const std::string& project_id, const std::string& id) override {
    auto c = pool_.acquire();
    auto s = c->prepare(
        "SELECT u.id, u.project_id, u.display_name, u.profile_image_url, u.client_metadata, "
        "u.client_read_only_metadata, u.server_metadata, u.requires_totp_mfa, u.totp_secret, "
        "u.is_anonymous, u.created_at, u.last_active_at, u.password_hash, u.otp_auth_enabled, "
        "u.selected_team_id, cc.value, cc.is_verified, cc.used_for_auth "
        "FROM users u LEFT JOIN contact_channels cc ON cc.project_id = u.project_id AND "
        "cc.user_id = u.id AND cc.type = 'email' AND cc.is_primary = 1 "
        "WHERE u.project_id = ? AND u.id = ?");
    s.bind(1, project_id).bind(2, id);
    if (!s.step()) return std::nullopt;
    User u;
    u.id = s.text(0);
    u.project_id = s.text(1);
    u.display_name = s.opt_text(2);
    u.profile_image_url = s.opt_text(3);
    u.client_metadata = parse_json_or_null(s.opt_text(4));
    u.client_read_only_metadata = parse_json_or_null(s.opt_text(5));
    u.server_metadata = parse_json_or_null(s.opt_text(6));
    u.requires_totp_mfa = s.boolean(7);
    u.totp_secret = s.opt_text(8);
    u.is_anonymous = s.boolean(9);
    u.created_at_millis = s.int64(10);
    u.last_active_at_millis = s.int64(11);
    u.password_hash = s.opt_text(12);
    u.otp_auth_enabled = s.boolean(13);
    u.selected_team_id = s.opt_text(14);
    u.primary_email = s.opt_text(15);
    u.primary_email_verified = !s.is_null(16) && s.boolean(16);
    u.primary_email_auth_enabled = !s.is_null(17) && s.boolean(17);
    return u;
  }

  void set_user_server_metadata(const std::string& project_id, const std::string& id,
                                const Json& server_metadata) override {
    auto c = pool_.acquire();
    c->prepare("UPDATE users SET server_metadata = ? WHERE project_id = ? AND id = ?")
        .bind(1, dump_or_null(server_metadata))
        .bind(2, project_id)
        .bind(3, id)
        .exec();
  }

 private:
  sqlite::Pool pool_;
};

}  // namespace

std::unique_ptr<Store> make_sqlite_store(const std::string& path) {
  return std::make_unique<SqliteStore>(path);
}

std::unique_ptr<Store> open_store(const std::string& database) {
  if (database.rfind("postgres://", 0) == 0 || database.rfind("postgresql://", 0) == 0)
    throw std::runtime_error(
        "PostgreSQL is not supported yet: use a SQLite file path for --database");
  return make_sqlite_store(database);
}

}  // namespace latchkey::store
