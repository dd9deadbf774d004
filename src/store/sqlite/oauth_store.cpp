// SQLite implementation of OAuthStore: linked provider accounts, provider
// tokens, the outer flow's state and the outer authorization codes.
#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/stores.hpp"

namespace latchkey::store::sqlite {
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

class SqliteOAuthStore final : public OAuthStore {
 public:
  explicit SqliteOAuthStore(Pool& pool) : pool_(pool) {}

  void insert_outer_state(const OAuthOuterState& s, int64_t purge_before) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    c->prepare("DELETE FROM oauth_outer_states WHERE expires_at < ?").bind(1, purge_before).exec();
    c->prepare("INSERT INTO oauth_outer_states (" LK_OUTER_COLUMNS
               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, s.state_digest)
        .bind(2, s.project_id)
        .bind(3, s.branch_id)
        .bind(4, s.provider_id)
        .bind(5, s.code_verifier)
        .bind(6, s.nonce)
        .bind(7, s.info.dump())
        .bind(8, s.created_at_millis)
        .bind(9, s.expires_at_millis)
        .exec();
    tx.commit();
  }

  std::optional<OAuthOuterState> take_outer_state(const std::string& digest) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    std::optional<OAuthOuterState> out;
    {
      auto s =
          c->prepare("SELECT " LK_OUTER_COLUMNS " FROM oauth_outer_states WHERE state_digest = ?");
      s.bind(1, digest);
      if (!s.step()) return std::nullopt;
      OAuthOuterState o;
      o.state_digest = s.text(0);
      o.project_id = s.text(1);
      o.branch_id = s.text(2);
      o.provider_id = s.text(3);
      o.code_verifier = s.text(4);
      o.nonce = s.opt_text(5);
      o.info = Json::parse(s.text(6), nullptr, false);
      o.created_at_millis = s.int64(7);
      o.expires_at_millis = s.int64(8);
      out = std::move(o);
    }
    c->prepare("DELETE FROM oauth_outer_states WHERE state_digest = ?").bind(1, digest).exec();
    tx.commit();
    return out;
  }

  static OAuthAccount read_account(Stmt& s) {
    OAuthAccount a;
    a.project_id = s.text(0);
    a.provider_id = s.text(1);
    a.provider_account_id = s.text(2);
    a.user_id = s.text(3);
    a.email = s.opt_text(4);
    a.created_at_millis = s.int64(5);
    return a;
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
    auto s = c->prepare("SELECT " LK_ACCOUNT_COLUMNS
                        " FROM oauth_accounts WHERE project_id = ? AND user_id = ? "
                        "ORDER BY created_at, provider_id, provider_account_id");
    s.bind(1, project_id).bind(2, user_id);
    std::vector<OAuthAccount> out;
    while (s.step()) out.push_back(read_account(s));
    return out;
  }

  LinkOAuthAccountStatus link_oauth_account(const OAuthAccount& a, bool exclusive,
                                            const std::vector<OAuthProviderToken>& tokens,
                                            int64_t now_millis) override {
    auto c = pool_.acquire();
    // BEGIN IMMEDIATE: the checks and the insert cannot interleave with
    // another link of the same identity.
    Transaction tx(*c);
    {
      auto s = c->prepare("SELECT 1 FROM users WHERE project_id = ? AND id = ?");
      s.bind(1, a.project_id).bind(2, a.user_id);
      if (!s.step()) return LinkOAuthAccountStatus::kUserNotFound;
    }
    // Exclusive first: a user who already has another account of this
    // provider is told so even if the new identity belongs to someone else
    // (auth-endpoints.md §6.3 step 8 comes before account resolution).
    if (exclusive) {
      auto s = c->prepare(
          "SELECT 1 FROM oauth_accounts WHERE project_id = ? AND user_id = ? AND "
          "provider_id = ? AND provider_account_id <> ?");
      s.bind(1, a.project_id)
          .bind(2, a.user_id)
          .bind(3, a.provider_id)
          .bind(4, a.provider_account_id);
      if (s.step()) return LinkOAuthAccountStatus::kUserHasAnotherAccount;
    }
    auto existing = find_account(*c, a.project_id, a.provider_id, a.provider_account_id);
    LinkOAuthAccountStatus status = LinkOAuthAccountStatus::kLinked;
    if (existing) {
      if (existing->user_id != a.user_id) return LinkOAuthAccountStatus::kLinkedToAnotherUser;
      status = LinkOAuthAccountStatus::kAlreadyLinked;
    } else {
      c->prepare("INSERT INTO oauth_accounts (" LK_ACCOUNT_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?)")
          .bind(1, a.project_id)
          .bind(2, a.provider_id)
          .bind(3, a.provider_account_id)
          .bind(4, a.user_id)
          .bind(5, a.email)
          .bind(6, a.created_at_millis)
          .exec();
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
    auto s = c->prepare("SELECT " LK_TOKEN_COLUMNS
                        " FROM oauth_provider_tokens WHERE project_id = ? AND provider_id = ? "
                        "AND provider_account_id = ? ORDER BY created_at DESC, id");
    s.bind(1, project_id).bind(2, provider_id).bind(3, account_id);
    std::vector<OAuthProviderToken> out;
    while (s.step()) {
      OAuthProviderToken t;
      t.id = s.text(0);
      t.project_id = s.text(1);
      t.provider_id = s.text(2);
      t.provider_account_id = s.text(3);
      t.kind = parse_token_kind(s.text(4));
      t.token = s.text(5);
      t.scopes = split_scopes(s.text(6));
      t.expires_at_millis = s.opt_int64(7);
      t.created_at_millis = s.int64(8);
      out.push_back(std::move(t));
    }
    return out;
  }

  void delete_provider_token(const std::string& project_id, const std::string& id) override {
    auto c = pool_.acquire();
    c->prepare("DELETE FROM oauth_provider_tokens WHERE project_id = ? AND id = ?")
        .bind(1, project_id)
        .bind(2, id)
        .exec();
  }

  void insert_authorization_code(const OAuthAuthorizationCode& a, int64_t purge_before) override {
    auto c = pool_.acquire();
    Transaction tx(*c);
    c->prepare("DELETE FROM oauth_authorization_codes WHERE expires_at < ?")
        .bind(1, purge_before)
        .exec();
    c->prepare("INSERT INTO oauth_authorization_codes (" LK_CODE_COLUMNS
               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, a.code_digest)
        .bind(2, a.project_id)
        .bind(3, a.branch_id)
        .bind(4, a.user_id)
        .bind(5, a.redirect_uri)
        .bind(6, a.code_challenge)
        .bind(7, a.code_challenge_method)
        .bind(8, a.new_user)
        .bind(9, a.after_callback_redirect_url)
        .bind(10, a.created_at_millis)
        .bind(11, a.expires_at_millis)
        .exec();
    tx.commit();
  }

  std::optional<OAuthAuthorizationCode> get_authorization_code(const std::string& digest) override {
    auto c = pool_.acquire();
    auto s = c->prepare("SELECT " LK_CODE_COLUMNS
                        " FROM oauth_authorization_codes WHERE code_digest = ?");
    s.bind(1, digest);
    if (!s.step()) return std::nullopt;
    OAuthAuthorizationCode a;
    a.code_digest = s.text(0);
    a.project_id = s.text(1);
    a.branch_id = s.text(2);
    a.user_id = s.text(3);
    a.redirect_uri = s.text(4);
    a.code_challenge = s.text(5);
    a.code_challenge_method = s.text(6);
    a.new_user = s.boolean(7);
    a.after_callback_redirect_url = s.opt_text(8);
    a.created_at_millis = s.int64(9);
    a.expires_at_millis = s.int64(10);
    return a;
  }

  bool delete_authorization_code(const std::string& digest) override {
    auto c = pool_.acquire();
    return c->prepare("DELETE FROM oauth_authorization_codes WHERE code_digest = ?")
               .bind(1, digest)
               .exec() > 0;
  }

 private:
  static std::optional<OAuthAccount> find_account(Connection& c, const std::string& project_id,
                                                  const std::string& provider_id,
                                                  const std::string& account_id) {
    auto s = c.prepare("SELECT " LK_ACCOUNT_COLUMNS
                       " FROM oauth_accounts WHERE project_id = ? AND provider_id = ? AND "
                       "provider_account_id = ?");
    s.bind(1, project_id).bind(2, provider_id).bind(3, account_id);
    if (!s.step()) return std::nullopt;
    return read_account(s);
  }

  static void write_tokens(Connection& c, const std::vector<OAuthProviderToken>& tokens,
                           int64_t now_millis) {
    for (const auto& t : tokens) {
      {
        auto s = c.prepare(
            "SELECT 1 FROM oauth_accounts WHERE project_id = ? AND provider_id = ? AND "
            "provider_account_id = ?");
        s.bind(1, t.project_id).bind(2, t.provider_id).bind(3, t.provider_account_id);
        if (!s.step()) continue;  // unlinked meanwhile: nothing to keep the token for
      }
      // Expired access tokens are of no use to anyone: drop them as new
      // ones arrive, so the table does not grow with every sign-in.
      c.prepare(
           "DELETE FROM oauth_provider_tokens WHERE project_id = ? AND provider_id = ? AND "
           "provider_account_id = ? AND kind = 'access' AND expires_at < ?")
          .bind(1, t.project_id)
          .bind(2, t.provider_id)
          .bind(3, t.provider_account_id)
          .bind(4, now_millis)
          .exec();
      c.prepare("INSERT INTO oauth_provider_tokens (" LK_TOKEN_COLUMNS
                ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .bind(1, t.id)
          .bind(2, t.project_id)
          .bind(3, t.provider_id)
          .bind(4, t.provider_account_id)
          .bind(5, token_kind_name(t.kind))
          .bind(6, t.token)
          .bind(7, join_scopes(t.scopes))
          .bind(8, t.expires_at_millis)
          .bind(9, t.created_at_millis)
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
  return std::make_unique<SqliteOAuthStore>(pool);
}

}  // namespace latchkey::store::sqlite
