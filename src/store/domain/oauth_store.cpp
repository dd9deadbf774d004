// OAuthStore: accounts at providers linked to users, the provider tokens of
// those accounts, the outer flow's state and the outer authorization codes.
#include "store/domain/stores.hpp"

namespace latchkey::store::domain {
namespace {

const sql::Columns<OAuthOuterState> kStateColumns{
    {"state_digest", &OAuthOuterState::state_digest},
    {"project_id", &OAuthOuterState::project_id},
    {"branch_id", &OAuthOuterState::branch_id},
    {"provider_id", &OAuthOuterState::provider_id},
    {"code_verifier", &OAuthOuterState::code_verifier},
    {"nonce", &OAuthOuterState::nonce},
    {"info", &OAuthOuterState::info},
    {"created_at", &OAuthOuterState::created_at_millis},
    {"expires_at", &OAuthOuterState::expires_at_millis},
};
const sql::Columns<OAuthAccount> kAccountColumns{
    {"project_id", &OAuthAccount::project_id},
    {"provider_id", &OAuthAccount::provider_id},
    {"provider_account_id", &OAuthAccount::provider_account_id},
    {"user_id", &OAuthAccount::user_id},
    {"email", &OAuthAccount::email},
    {"created_at", &OAuthAccount::created_at_millis},
};
// Kind and scopes are text columns in the encodings of oauth_store.hpp.
const sql::Columns<OAuthProviderToken> kTokenColumns{
    {"id", &OAuthProviderToken::id},
    {"project_id", &OAuthProviderToken::project_id},
    {"provider_id", &OAuthProviderToken::provider_id},
    {"provider_account_id", &OAuthProviderToken::provider_account_id},
    sql::Column<OAuthProviderToken>::custom("kind",
                                            [](OAuthProviderToken& t, const sql::Rows& r, int col) {
                                              t.kind = parse_token_kind(r.text(col));
                                            }),
    {"token", &OAuthProviderToken::token},
    sql::Column<OAuthProviderToken>::custom("scopes",
                                            [](OAuthProviderToken& t, const sql::Rows& r, int col) {
                                              t.scopes = split_scopes(r.text(col));
                                            }),
    {"expires_at", &OAuthProviderToken::expires_at_millis},
    {"created_at", &OAuthProviderToken::created_at_millis},
};
const sql::Columns<OAuthAuthorizationCode> kCodeColumns{
    {"code_digest", &OAuthAuthorizationCode::code_digest},
    {"project_id", &OAuthAuthorizationCode::project_id},
    {"branch_id", &OAuthAuthorizationCode::branch_id},
    {"user_id", &OAuthAuthorizationCode::user_id},
    {"redirect_uri", &OAuthAuthorizationCode::redirect_uri},
    {"code_challenge", &OAuthAuthorizationCode::code_challenge},
    {"code_challenge_method", &OAuthAuthorizationCode::code_challenge_method},
    {"new_user", &OAuthAuthorizationCode::new_user},
    {"after_callback_redirect_url", &OAuthAuthorizationCode::after_callback_redirect_url},
    {"created_at", &OAuthAuthorizationCode::created_at_millis},
    {"expires_at", &OAuthAuthorizationCode::expires_at_millis},
};

// --- outer states
const sql::Sql kPurgeStates{"DELETE FROM oauth_outer_states WHERE expires_at < $1"};
const sql::Sql kInsertState{"INSERT INTO oauth_outer_states (" + kStateColumns.list() +
                            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"};
// One statement: of two callbacks with the same state, one gets the row.
const sql::Sql kTakeState{"DELETE FROM oauth_outer_states WHERE state_digest = $1 RETURNING " +
                          kStateColumns.list()};

// --- accounts
const sql::Sql kFindAccount{"SELECT " + kAccountColumns.list() +
                            " FROM oauth_accounts WHERE project_id = $1 AND provider_id = $2 "
                            "AND provider_account_id = $3"};
const sql::Sql kUserAccounts{"SELECT " + kAccountColumns.list() +
                             " FROM oauth_accounts WHERE project_id = $1 AND user_id = $2 "
                             "ORDER BY created_at, provider_id, provider_account_id"};
// On PostgreSQL the user's row lock serialises this user's links (and keeps
// the user from being deleted until the commit), so the exclusive check
// stays true until then; SQLite's BEGIN IMMEDIATE does the same.
const sql::Sql kLockUser = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT 1 FROM users WHERE project_id = $1 AND id = $2" + d.for_update();
});
const sql::Sql kUserHasOtherAccount{
    "SELECT 1 FROM oauth_accounts WHERE project_id = $1 AND user_id = $2 AND provider_id = $3 "
    "AND provider_account_id <> $4"};
// ON CONFLICT waits (PostgreSQL) for a concurrent link of the same identity;
// the row read afterwards is the one that won.
const sql::Sql kInsertAccount{"INSERT INTO oauth_accounts (" + kAccountColumns.list() +
                              ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, "
                              "provider_id, provider_account_id) DO NOTHING"};

// --- provider tokens
// FOR KEY SHARE (PostgreSQL): an unlink that commits meanwhile waits for the
// tokens' transaction.
const sql::Sql kAccountExists = sql::Sql::each([](const sql::Dialect& d) {
  return "SELECT 1 FROM oauth_accounts WHERE project_id = $1 AND provider_id = $2 AND "
         "provider_account_id = $3" +
         std::string(d.for_key_share);
});
const sql::Sql kPurgeAccessTokens{
    "DELETE FROM oauth_provider_tokens WHERE project_id = $1 AND provider_id = $2 AND "
    "provider_account_id = $3 AND kind = 'access' AND expires_at < $4"};
const sql::Sql kInsertToken{"INSERT INTO oauth_provider_tokens (" + kTokenColumns.list() +
                            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"};
const sql::Sql kAccountTokens{"SELECT " + kTokenColumns.list() +
                              " FROM oauth_provider_tokens WHERE project_id = $1 AND "
                              "provider_id = $2 AND provider_account_id = $3 "
                              "ORDER BY created_at DESC, id"};
const sql::Sql kDeleteToken{"DELETE FROM oauth_provider_tokens WHERE project_id = $1 AND id = $2"};

// --- authorization codes
const sql::Sql kPurgeCodes{"DELETE FROM oauth_authorization_codes WHERE expires_at < $1"};
const sql::Sql kInsertCode{"INSERT INTO oauth_authorization_codes (" + kCodeColumns.list() +
                           ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"};
const sql::Sql kGetCode{"SELECT " + kCodeColumns.list() +
                        " FROM oauth_authorization_codes WHERE code_digest = $1"};
const sql::Sql kDeleteCode{"DELETE FROM oauth_authorization_codes WHERE code_digest = $1"};

std::optional<OAuthAccount> find_account(sql::Connection& c, const std::string& project_id,
                                         const std::string& provider_id,
                                         const std::string& account_id) {
  auto r = c.query(kFindAccount, project_id, provider_id, account_id);
  if (!r.next()) return std::nullopt;
  return kAccountColumns.read(r);
}

// Inside the caller's transaction.
void write_tokens(sql::Connection& c, const std::vector<OAuthProviderToken>& tokens,
                  int64_t now_millis) {
  for (const auto& t : tokens) {
    if (!c.exists(kAccountExists, t.project_id, t.provider_id, t.provider_account_id))
      continue;  // unlinked meanwhile: nothing to keep the token for
    // Expired access tokens are of no use to anyone: drop them as new ones
    // arrive, so the table does not grow with every sign-in.
    c.exec(kPurgeAccessTokens, t.project_id, t.provider_id, t.provider_account_id, now_millis);
    c.exec(kInsertToken, t.id, t.project_id, t.provider_id, t.provider_account_id,
           token_kind_name(t.kind), t.token, join_scopes(t.scopes), t.expires_at_millis,
           t.created_at_millis);
  }
}

class SqlOAuthStore final : public OAuthStore {
 public:
  explicit SqlOAuthStore(sql::Database& db) : db_(db) {}

  void insert_outer_state(const OAuthOuterState& s, int64_t purge_before) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    c->exec(kPurgeStates, purge_before);
    c->exec(kInsertState, s.state_digest, s.project_id, s.branch_id, s.provider_id, s.code_verifier,
            s.nonce, s.info.dump(), s.created_at_millis, s.expires_at_millis);
    tx.commit();
  }

  std::optional<OAuthOuterState> take_outer_state(const std::string& digest) override {
    auto c = db_.acquire();
    auto r = c->query(kTakeState, digest);
    if (!r.next()) return std::nullopt;
    return kStateColumns.read(r);
  }

  std::optional<OAuthAccount> find_oauth_account(const std::string& project_id,
                                                 const std::string& provider_id,
                                                 const std::string& account_id) override {
    auto c = db_.acquire();
    return find_account(*c, project_id, provider_id, account_id);
  }

  std::vector<OAuthAccount> list_user_oauth_accounts(const std::string& project_id,
                                                     const std::string& user_id) override {
    auto c = db_.acquire();
    std::vector<OAuthAccount> out;
    for (auto r = c->query(kUserAccounts, project_id, user_id); r.next();)
      out.push_back(kAccountColumns.read(r));
    return out;
  }

  LinkOAuthAccountStatus link_oauth_account(const OAuthAccount& a, bool exclusive,
                                            const std::vector<OAuthProviderToken>& tokens,
                                            int64_t now_millis) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    if (!c->exists(kLockUser, a.project_id, a.user_id))
      return LinkOAuthAccountStatus::kUserNotFound;
    // Exclusive first: a user who already has another account of this
    // provider is told so even if the new identity belongs to someone else
    // (auth-endpoints.md §6.3 step 8 comes before account resolution).
    if (exclusive && c->exists(kUserHasOtherAccount, a.project_id, a.user_id, a.provider_id,
                               a.provider_account_id))
      return LinkOAuthAccountStatus::kUserHasAnotherAccount;
    auto status = insert_oauth_account(*c, a);
    if (status == LinkOAuthAccountStatus::kLinkedToAnotherUser) return status;
    write_tokens(*c, tokens, now_millis);
    tx.commit();
    return status;
  }

  void add_provider_tokens(const std::vector<OAuthProviderToken>& tokens,
                           int64_t now_millis) override {
    if (tokens.empty()) return;
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    write_tokens(*c, tokens, now_millis);
    tx.commit();
  }

  std::vector<OAuthProviderToken> list_provider_tokens(const std::string& project_id,
                                                       const std::string& provider_id,
                                                       const std::string& account_id) override {
    auto c = db_.acquire();
    std::vector<OAuthProviderToken> out;
    for (auto r = c->query(kAccountTokens, project_id, provider_id, account_id); r.next();)
      out.push_back(kTokenColumns.read(r));
    return out;
  }

  void delete_provider_token(const std::string& project_id, const std::string& id) override {
    auto c = db_.acquire();
    c->exec(kDeleteToken, project_id, id);
  }

  void insert_authorization_code(const OAuthAuthorizationCode& a, int64_t purge_before) override {
    auto c = db_.acquire();
    sql::Transaction tx(*c);
    c->exec(kPurgeCodes, purge_before);
    c->exec(kInsertCode, a.code_digest, a.project_id, a.branch_id, a.user_id, a.redirect_uri,
            a.code_challenge, a.code_challenge_method, a.new_user, a.after_callback_redirect_url,
            a.created_at_millis, a.expires_at_millis);
    tx.commit();
  }

  std::optional<OAuthAuthorizationCode> get_authorization_code(const std::string& digest) override {
    auto c = db_.acquire();
    auto r = c->query(kGetCode, digest);
    if (!r.next()) return std::nullopt;
    return kCodeColumns.read(r);
  }

  bool delete_authorization_code(const std::string& digest) override {
    auto c = db_.acquire();
    return c->exec(kDeleteCode, digest) > 0;
  }

 private:
  sql::Database& db_;
};

}  // namespace

LinkOAuthAccountStatus insert_oauth_account(sql::Connection& c, const OAuthAccount& a) {
  if (c.exec(kInsertAccount, a.project_id, a.provider_id, a.provider_account_id, a.user_id, a.email,
             a.created_at_millis) > 0)
    return LinkOAuthAccountStatus::kLinked;
  auto existing = find_account(c, a.project_id, a.provider_id, a.provider_account_id);
  if (!existing || existing->user_id != a.user_id)
    return LinkOAuthAccountStatus::kLinkedToAnotherUser;
  return LinkOAuthAccountStatus::kAlreadyLinked;
}

std::unique_ptr<OAuthStore> make_oauth_store(sql::Database& db) {
  return std::make_unique<SqlOAuthStore>(db);
}

}  // namespace latchkey::store::domain
