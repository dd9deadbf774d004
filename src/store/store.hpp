// The storage interface: one method per query the domain needs. SQLite and
// PostgreSQL implement it with the same behaviour; nothing above store/
// writes SQL or knows which engine runs.
#pragma once
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "store/api_key_store.hpp"
#include "store/cli_login_store.hpp"
#include "store/contact_channel_store.hpp"
#include "store/email_store.hpp"
#include "store/oauth_store.hpp"
#include "store/passkey_store.hpp"
#include "store/permission_store.hpp"
#include "store/project_store.hpp"
#include "store/rate_limit_store.hpp"
#include "store/sent_email_store.hpp"
#include "store/session_store.hpp"
#include "store/team_store.hpp"
#include "store/totp_store.hpp"
#include "store/user_store.hpp"
#include "store/verification_code_store.hpp"
#include "store/webhook_store.hpp"

namespace boost::asio {
class io_context;
}

namespace latchkey::store {

// Thrown by a store when the database cannot be reached or fails; the http
// layer answers 503.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by a statement run under a time limit (sql::TimeLimit) that took
// longer: it was stopped, and its connection is free again.
class StatementTimedOut : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads done without blocking, on the thread running the io_context they were
// opened with; each completion is posted to that io_context. A failure
// (StoreUnavailable, or anything else as an exception_ptr) leaves the caller
// to fall back to the blocking store, which reports it properly.
class AsyncReads {
 public:
  using SessionDone = std::function<void(std::exception_ptr, std::optional<Session>)>;
  virtual ~AsyncReads() = default;
  virtual void find_session_by_token_digest(const std::string& digest, SessionDone done) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Increases with every completed write through this store (any process
  // writing elsewhere is not seen: caches also bound their age), except the
  // activity timestamps of SessionStore::record_activity, which move
  // activity_generation instead: projects and keys do not show them, so
  // their cached reads outlive an activity batch.
  virtual uint64_t write_generation() const = 0;
  virtual uint64_t activity_generation() const = 0;

  virtual void migrate() = 0;

  // Server-wide settings (e.g. the generated server secret). Inserts `value`
  // unless the key exists; returns the stored value either way.
  virtual std::string get_or_insert_setting(const std::string& key, const std::string& value) = 0;

  // Runs `setup` (the start-up seeding: the internal project and its keys)
  // while no other instance sharing the database runs its own, so instances
  // that start together seed once and the others find it done. PostgreSQL
  // holds an advisory lock for the duration, on a connection of its own (so
  // `setup` has the whole pool). SQLite runs `setup` as is: its writes are
  // serialized, and one process serves a database file.
  virtual void with_setup_lock(const std::function<void()>& setup) = 0;

  virtual ProjectStore& projects() = 0;
  virtual UserStore& users() = 0;
  virtual SessionStore& sessions() = 0;
  virtual ContactChannelStore& contact_channels() = 0;
  virtual VerificationCodeStore& verification_codes() = 0;
  virtual SentEmailStore& sent_emails() = 0;
  virtual EmailStore& emails() = 0;
  virtual OAuthStore& oauth() = 0;
  virtual PasskeyStore& passkeys() = 0;
  virtual TotpStore& totp_steps() = 0;
  virtual TeamStore& teams() = 0;
  virtual PermissionStore& permissions() = 0;
  virtual WebhookStore& webhooks() = 0;
  virtual ApiKeyStore& api_keys() = 0;
  virtual CliLoginStore& cli_logins() = 0;
  virtual RateLimitStore& rate_limits() = 0;

  // Non-blocking reads driven by `io` (one per I/O thread), or nullptr when
  // the engine has none (SQLite: its reads are local and short, so requests
  // that read take a worker instead).
  virtual std::unique_ptr<AsyncReads> open_async_reads(boost::asio::io_context& io);
};

// Settings of a client/server engine (PostgreSQL); SQLite ignores them.
struct StoreOptions {
  int pool_size = 16;               // most connections open at once
  int pool_timeout_millis = 5000;   // wait for a free connection, then 503
  int connect_timeout_seconds = 5;  // unless the connection string sets one
  int statement_timeout_millis = 15000;
};

// Opens the store named by `database`: a postgres:// or postgresql:// URL
// (PostgreSQL), otherwise a file path (SQLite).
std::unique_ptr<Store> open_store(const std::string& database, const StoreOptions& options = {});

// Whether `database` names a PostgreSQL database (else a SQLite file).
bool is_postgres_url(const std::string& database);

// `database` fit for logs: a URL's password is replaced by "***".
std::string redact_database(const std::string& database);

}  // namespace latchkey::store
