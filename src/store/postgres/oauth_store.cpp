// PostgreSQL implementation of OAuthStore: linked provider accounts, provider
// tokens, the outer flow's state and the outer authorization codes.
#include "store/postgres/stores.hpp"

namespace latchkey::store::postgres {
namespace {

#define LK_OUTER_COLUMNS                                                                       \
  "state_digest, project_id, branch_id, provider_id, code_verifier, nonce, info, created_at, " \
  "expires_at"
#define LK_ACCOUNT_COLUMNS \
  "project_id, provider_id, provider_account_id, user_id, email, created_at"
#define LK_TOKEN_COLUMNS                                                                \
  "id, project_id, provider_id, provider_account_id, kind, token, scopes, expires_at, " \
  "created_at"
#define LK_CODE_COLUMNS                                                         \
  "code_digest, project_id, branch_id, user_id, redirect_uri, code_challenge, " \
  "code_challenge_method, new_user, after_callback_redirect_url, created_at, expires_at"

OAuthAccount read_account(const Result& r, int i) {
  OAuthAccount a;
  a.project_id = r.text(i, 0);
  a.provider_id = r.text(i, 1);
  a.provider_account_id = r.text(i, 2);
  a.user_id = r.text(i, 3);
  a.email = r.opt_text(i, 4);
  a.created_at_millis = r.int64(i, 5);
  return a;
}

class PgOAuthStore final : public OAuthStore {
 public:
  explicit PgOAuthStore(Pool& pool) : pool_(pool) {}

  void insert_outer_state(const OAuthOuterState& s, int64_t purge_before) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    c->query("DELETE FROM oauth_outer_states WHERE expires_at < $1").bind(purge_before).exec();
    c->query("INSERT INTO oauth_outer_states (" LK_OUTER_COLUMNS
             ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(s.state_digest)
        .bind(s.project_id)
        .bind(s.branch_id)
        .bind(s.provider_id)
        .bind(s.code_verifier)
        .bind(s.nonce)
        .bind(s.info.dump())
        .bind(s.created_at_millis)
        .bind(s.expires_at_millis)
        .exec();
    tx.commit();
  }

  std::optional<OAuthOuterState> take_outer_state(const std::string& digest) override {
    auto c = pool_.acquire();
    // DELETE … RETURNING: of two callbacks with the same state, one gets it.
    auto r = c->query(
                  "DELETE FROM oauth_outer_states WHERE state_digest = $1 "
                  "RETURNING " LK_OUTER_COLUMNS)
                 .bind(digest)
                 .run();
    if (r.rows() == 0) return std::nullopt;
    OAuthOuterState o;
    o.state_digest = r.text(0, 0);
    o.project_id = r.text(0, 1);
    o.branch_id = r.text(0, 2);
    o.provider_id = r.text(0, 3);
    o.code_verifier = r.text(0, 4);
    o.nonce = r.opt_text(0, 5);
    o.info = Json::parse(r.text(0, 6), nullptr, false);
    o.created_at_millis = r.int64(0, 7);
    o.expires_at_millis = r.int64(0, 8);
    return o;
  }

  std::optional<OAuthAccount> find_oauth_account(const std::string& project_id,
                                                 const std::string& provider_id,
                                                 const std::string& account_id) override {
    auto c = pool_.acquire();
    return find_account(*c, project_id, provider_id, account_id);
  }

  std::vector<OAuthAccount> list_user_oauth_accounts(const std::string& project_id,
                                                     const std::string& user_id) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_ACCOUNT_COLUMNS
                      " FROM oauth_accounts WHERE project_id = $1 AND user_id = $2 "
                      "ORDER BY created_at, provider_id, provider_account_id")
                 .bind(project_id)
                 .bind(user_id)
                 .run();
    std::vector<OAuthAccount> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_account(r, i));
    return out;
  }

  LinkOAuthAccountStatus link_oauth_account(const OAuthAccount& a, bool exclusive,
                                            const std::vector<OAuthProviderToken>& tokens,
                                            int64_t now_millis) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    // The user's row lock serialises this user's links, so the exclusive
    // check below stays true until the commit.
    if (c->query("SELECT 1 FROM users WHERE project_id = $1 AND id = $2 FOR UPDATE")
            .bind(a.project_id)
            .bind(a.user_id)
            .run()
            .rows() == 0)
      return LinkOAuthAccountStatus::kUserNotFound;
    // Exclusive first: a user who already has another account of this
    // provider is told so even if the new identity belongs to someone else
    // (auth-endpoints.md §6.3 step 8 comes before account resolution).
    if (exclusive && c->query("SELECT 1 FROM oauth_accounts WHERE project_id = $1 AND "
                              "user_id = $2 AND provider_id = $3 AND provider_account_id <> $4")
                             .bind(a.project_id)
                             .bind(a.user_id)
                             .bind(a.provider_id)
                             .bind(a.provider_account_id)
                             .run()
                             .rows() > 0)
      return LinkOAuthAccountStatus::kUserHasAnotherAccount;
    // ON CONFLICT waits for a concurrent link of the same identity; the
    // row read afterwards is the one that won.
    int inserted = c->query("INSERT INTO oauth_accounts (" LK_ACCOUNT_COLUMNS
                            ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
                       .bind(a.project_id)
                       .bind(a.provider_id)
                       .bind(a.provider_account_id)
                       .bind(a.user_id)
                       .bind(a.email)
                       .bind(a.created_at_millis)
                       .exec();
    LinkOAuthAccountStatus status = LinkOAuthAccountStatus::kLinked;
    if (inserted == 0) {
      auto existing = find_account(*c, a.project_id, a.provider_id, a.provider_account_id);
      if (!existing || existing->user_id != a.user_id)
        return LinkOAuthAccountStatus::kLinkedToAnotherUser;
      status = LinkOAuthAccountStatus::kAlreadyLinked;
    }
    write_tokens(*c, tokens, now_millis);
    tx.commit();
    return status;
  }

  void add_provider_tokens(const std::vector<OAuthProviderToken>& tokens,
                           int64_t now_millis) override {
    if (tokens.empty()) return;
    auto c = pool_.acquire();
    Transaction tx(*c);
    write_tokens(*c, tokens, now_millis);
    tx.commit();
  }

  std::vector<OAuthProviderToken> list_provider_tokens(const std::string& project_id,
                                                       const std::string& provider_id,
                                                       const std::string& account_id) override {
    auto c = pool_.acquire();
    auto r = c->query("SELECT " LK_TOKEN_COLUMNS
                      " FROM oauth_provider_tokens WHERE project_id = $1 AND provider_id = $2 "
                      "AND provider_account_id = $3 ORDER BY created_at DESC, id")
                 .bind(project_id)
                 .bind(provider_id)
                 .bind(account_id)
                 .run();
    std::vector<OAuthProviderToken> out;
    for (int i = 0; i < r.rows(); ++i) {
      OAuthProviderToken t;
      t.id = r.text(i, 0);
      t.project_id = r.text(i, 1);
      t.provider_id = r.text(i, 2);
      t.provider_account_id = r.text(i, 3);
      t.kind = parse_token_kind(r.text(i, 4));
      t.token = r.text(i, 5);
      t.scopes = split_scopes(r.text(i, 6));
      t.expires_at_millis = r.opt_int64(i, 7);
      t.created_at_millis = r.int64(i, 8);
      out.push_back(std::move(t));
    }
    return out;
  }

  void delete_provider_token(const std::string& project_id, const std::string& id) override {
    auto c = pool_.acquire();
    c->query("DELETE FROM oauth_provider_tokens WHERE project_id = $1 AND id = $2")
        .bind(project_id)
        .bind(id)
        .exec();
  }

  void insert_authorization_code(const OAuthAuthorizationCode& a, int64_t purge_before) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    c->query("DELETE FROM oauth_authorization_codes WHERE expires_at < $1")
        .bind(purge_before)
        .exec();
    c->query("INSERT INTO oauth_authorization_codes (" LK_CODE_COLUMNS
             ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(a.code_digest)
        .bind(a.project_id)
        .bind(a.branch_id)
        .bind(a.user_id)
        .bind(a.redirect_uri)
        .bind(a.code_challenge)
        .bind(a.code_challenge_method)
        .bind(a.new_user)
        .bind(a.after_callback_redirect_url)
        .bind(a.created_at_millis)
        .bind(a.expires_at_millis)
        .exec();
    tx.commit();
  }

  std::optional<OAuthAuthorizationCode> get_authorization_code(const std::string& digest) override {
    auto c = pool_.acquire();
    auto r =
        c->query("SELECT " LK_CODE_COLUMNS " FROM oauth_authorization_codes WHERE code_digest = $1")
            .bind(digest)
            .run();
    if (r.rows() == 0) return std::nullopt;
    OAuthAuthorizationCode a;
    a.code_digest = r.text(0, 0);
    a.project_id = r.text(0, 1);
    a.branch_id = r.text(0, 2);
    a.user_id = r.text(0, 3);
    a.redirect_uri = r.text(0, 4);
    a.code_challenge = r.text(0, 5);
    a.code_challenge_method = r.text(0, 6);
    a.new_user = r.boolean(0, 7);
    a.after_callback_redirect_url = r.opt_text(0, 8);
    a.created_at_millis = r.int64(0, 9);
    a.expires_at_millis = r.int64(0, 10);
    return a;
  }

  bool delete_authorization_code(const std::string& digest) override {
    auto c = pool_.acquire();
    return c->query("DELETE FROM oauth_authorization_codes WHERE code_digest = $1")
               .bind(digest)
               .exec() > 0;
  }

 private:
  static std::optional<OAuthAccount> find_account(Connection& c, const std::string& project_id,
                                                  const std::string& provider_id,
                                                  const std::string& account_id) {
    auto r = c.query("SELECT " LK_ACCOUNT_COLUMNS
                     " FROM oauth_accounts WHERE project_id = $1 AND provider_id = $2 AND "
                     "provider_account_id = $3")
                 .bind(project_id)
                 .bind(provider_id)
                 .bind(account_id)
                 .run();
    if (r.rows() == 0) return std::nullopt;
    return read_account(r, 0);
  }

  static void write_tokens(Connection& c, const std::vector<OAuthProviderToken>& tokens,
                           int64_t now_millis) {
    for (const auto& t : tokens) {
      // FOR KEY SHARE: an unlink that commits meanwhile waits for us.
      if (c.query("SELECT 1 FROM oauth_accounts WHERE project_id = $1 AND provider_id = $2 AND "
                  "provider_account_id = $3 FOR KEY SHARE")
              .bind(t.project_id)
              .bind(t.provider_id)
              .bind(t.provider_account_id)
              .run()
              .rows() == 0)
        continue;  // unlinked meanwhile: nothing to keep the token for
      // Expired access tokens are of no use to anyone: drop them as new
      // ones arrive, so the table does not grow with every sign-in.
      c.query(
           "DELETE FROM oauth_provider_tokens WHERE project_id = $1 AND provider_id = $2 AND "
           "provider_account_id = $3 AND kind = 'access' AND expires_at < $4")
          .bind(t.project_id)
          .bind(t.provider_id)
          .bind(t.provider_account_id)
          .bind(now_millis)
          .exec();
      c.query("INSERT INTO oauth_provider_tokens (" LK_TOKEN_COLUMNS
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
          .bind(t.id)
          .bind(t.project_id)
          .bind(t.provider_id)
          .bind(t.provider_account_id)
          .bind(token_kind_name(t.kind))
          .bind(t.token)
          .bind(join_scopes(t.scopes))
          .bind(t.expires_at_millis)
          .bind(t.created_at_millis)
          .exec();
    }
  }

  Pool& pool_;
};

#undef LK_OUTER_COLUMNS
#undef LK_ACCOUNT_COLUMNS
#undef LK_TOKEN_COLUMNS
#undef LK_CODE_COLUMNS

}  // namespace

std::unique_ptr<OAuthStore> make_oauth_store(Pool& pool) {
  return std::make_unique<PgOAuthStore>(pool);
}

}  // namespace latchkey::store::postgres
