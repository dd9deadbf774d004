// The Store over the SQL layer: every domain store written once
// (store/domain/), on a database of either engine. The engines' subclasses
// (sqlite/sqlite_store.cpp, postgres/pg_store.cpp) add only what differs:
// how migrations are applied and locked, the start-up lock, and
// PostgreSQL's non-blocking reads.
#pragma once
#include <memory>

#include "store/sql/sql.hpp"
#include "store/store.hpp"

namespace latchkey::store {

class SqlStore : public Store {
 public:
  explicit SqlStore(std::unique_ptr<sql::Database> db);
  ~SqlStore() override;

  uint64_t write_generation() const override;
  uint64_t activity_generation() const override;
  std::string get_or_insert_setting(const std::string& key, const std::string& value) override;

  ProjectStore& projects() override { return *projects_; }
  UserStore& users() override { return *users_; }
  SessionStore& sessions() override { return *sessions_; }
  ContactChannelStore& contact_channels() override { return *contact_channels_; }
  VerificationCodeStore& verification_codes() override { return *verification_codes_; }
  SentEmailStore& sent_emails() override { return *sent_emails_; }
  EmailStore& emails() override { return *emails_; }
  OAuthStore& oauth() override { return *oauth_; }
  PasskeyStore& passkeys() override { return *passkeys_; }
  TotpStore& totp_steps() override { return *totp_steps_; }
  TeamStore& teams() override { return *teams_; }
  PermissionStore& permissions() override { return *permissions_; }
  WebhookStore& webhooks() override { return *webhooks_; }
  ApiKeyStore& api_keys() override { return *api_keys_; }
  CliLoginStore& cli_logins() override { return *cli_logins_; }
  RateLimitStore& rate_limits() override { return *rate_limits_; }

 protected:
  sql::Database& database() { return *db_; }
  // Builds before the migration table was embedded with decimal versions
  // recorded 0010, 0020 and 0030 under their octal values (8, 16, 24): each
  // recorded migration gets its file's number again, found by name, before
  // the pending ones are looked for. Runs inside the caller's transaction.
  static void correct_recorded_versions(sql::Connection& c);

 private:
  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<ProjectStore> projects_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<SessionStore> sessions_;
  std::unique_ptr<ContactChannelStore> contact_channels_;
  std::unique_ptr<VerificationCodeStore> verification_codes_;
  std::unique_ptr<SentEmailStore> sent_emails_;
  std::unique_ptr<EmailStore> emails_;
  std::unique_ptr<OAuthStore> oauth_;
  std::unique_ptr<PasskeyStore> passkeys_;
  std::unique_ptr<TotpStore> totp_steps_;
  std::unique_ptr<TeamStore> teams_;
  std::unique_ptr<PermissionStore> permissions_;
  std::unique_ptr<WebhookStore> webhooks_;
  std::unique_ptr<ApiKeyStore> api_keys_;
  std::unique_ptr<CliLoginStore> cli_logins_;
  std::unique_ptr<RateLimitStore> rate_limits_;
};

}  // namespace latchkey::store
