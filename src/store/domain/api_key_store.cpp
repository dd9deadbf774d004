// ApiKeyStore: user and team API keys, one row each, found by the digest of
// the whole key through a unique index.
#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

const sql::Columns<OwnedApiKey> kColumns{
    {"project_id", &OwnedApiKey::project_id},
    {"id", &OwnedApiKey::id},
    {"description", &OwnedApiKey::description},
    {"last_four", &OwnedApiKey::last_four},
    {"is_public", &OwnedApiKey::is_public},
    {"user_id", &OwnedApiKey::user_id},
    {"team_id", &OwnedApiKey::team_id},
    {"created_at", &OwnedApiKey::created_at_millis},
    {"expires_at", &OwnedApiKey::expires_at_millis},
    {"manually_revoked_at", &OwnedApiKey::manually_revoked_at_millis},
};

const std::string kSelect = "SELECT " + kColumns.list() + " FROM user_team_api_keys ";

const sql::Sql kInsert{"INSERT INTO user_team_api_keys (" + kColumns.list() +
                       ", secret_digest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"};
const sql::Sql kById{kSelect + "WHERE project_id = $1 AND id = $2"};
const sql::Sql kByDigest{kSelect + "WHERE secret_digest = $1 AND project_id = $2"};
const sql::Sql kByDigestAnyProject{kSelect + "WHERE secret_digest = $1"};

// Newest first; keys created in the same millisecond, latest inserted first.
sql::Sql owner_list(const char* owner_column) {
  return sql::Sql::each([owner_column](const sql::Dialect& d) {
    return kSelect + "WHERE project_id = $1 AND " + owner_column +
           " = $2 ORDER BY created_at DESC, " + std::string(d.insertion_order) + " DESC";
  });
}
const sql::Sql kOfUser = owner_list("user_id");
const sql::Sql kOfTeam = owner_list("team_id");

// COALESCE keeps what is set: the description unless a new one is given,
// the first revocation's time.
const sql::Sql kUpdate{
    "UPDATE user_team_api_keys SET description = COALESCE($3, description), "
    "manually_revoked_at = COALESCE(manually_revoked_at, $4) "
    "WHERE project_id = $1 AND id = $2 RETURNING " +
    kColumns.list()};
const sql::Sql kRevoke{
    "UPDATE user_team_api_keys SET manually_revoked_at = $3 "
    "WHERE project_id = $1 AND id = $2 AND manually_revoked_at IS NULL"};

std::optional<OwnedApiKey> first(sql::Rows rows) {
  if (!rows.next()) return std::nullopt;
  return kColumns.read(rows);
}

std::vector<OwnedApiKey> all(sql::Rows rows) {
  std::vector<OwnedApiKey> out;
  while (rows.next()) out.push_back(kColumns.read(rows));
  return out;
}

class SqlApiKeyStore final : public ApiKeyStore {
 public:
  explicit SqlApiKeyStore(sql::Database& db) : db_(db) {}

  CreateApiKeyStatus create_api_key(const OwnedApiKey& k,
                                    const std::string& secret_digest) override {
    auto c = db_.acquire();
    try {
      c->exec(kInsert, k.project_id, k.id, k.description, k.last_four, k.is_public, k.user_id,
              k.team_id, k.created_at_millis, k.expires_at_millis, k.manually_revoked_at_millis,
              secret_digest);
    } catch (const sql::ConstraintError&) {
      // The id is a fresh UUID and the digest that of a fresh random key:
      // what can fail is the owner's foreign key (or the project's).
      return CreateApiKeyStatus::kOwnerNotFound;
    }
    return CreateApiKeyStatus::kCreated;
  }

  std::optional<OwnedApiKey> get_api_key(const std::string& project_id,
                                         const std::string& id) override {
    auto c = db_.acquire();
    return first(c->query(kById, project_id, id));
  }

  std::optional<OwnedApiKey> find_api_key_by_digest(const std::string& project_id,
                                                    const std::string& secret_digest) override {
    auto c = db_.acquire();
    return first(c->query(kByDigest, secret_digest, project_id));
  }

  std::optional<OwnedApiKey> find_api_key_by_digest_in_any_project(
      const std::string& secret_digest) override {
    auto c = db_.acquire();
    return first(c->query(kByDigestAnyProject, secret_digest));
  }

  std::vector<OwnedApiKey> list_user_api_keys(const std::string& project_id,
                                              const std::string& user_id) override {
    auto c = db_.acquire();
    return all(c->query(kOfUser, project_id, user_id));
  }

  std::vector<OwnedApiKey> list_team_api_keys(const std::string& project_id,
                                              const std::string& team_id) override {
    auto c = db_.acquire();
    return all(c->query(kOfTeam, project_id, team_id));
  }

  std::optional<OwnedApiKey> update_api_key(const std::string& project_id, const std::string& id,
                                            const std::optional<std::string>& description,
                                            std::optional<int64_t> revoke_at_millis) override {
    auto c = db_.acquire();
    return first(c->query(kUpdate, project_id, id, description, revoke_at_millis));
  }

  bool revoke_api_key(const std::string& project_id, const std::string& id,
                      int64_t now_millis) override {
    auto c = db_.acquire();
    return c->exec(kRevoke, project_id, id, now_millis) == 1;
  }

 private:
  sql::Database& db_;
};

}  // namespace

std::unique_ptr<ApiKeyStore> make_api_key_store(sql::Database& db) {
  return std::make_unique<SqlApiKeyStore>(db);
}

}  // namespace latchkey::store::domain
