// The storage interface: one method per query the domain needs. SQLite and
// PostgreSQL implement it with the same behaviour; nothing above store/
// writes SQL or knows which engine runs.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "store/contact_channel_store.hpp"
#include "store/oauth_store.hpp"
#include "store/passkey_store.hpp"
#include "store/permission_store.hpp"
#include "store/project_store.hpp"
#include "store/sent_email_store.hpp"
#include "store/session_store.hpp"
#include "store/team_store.hpp"
#include "store/totp_store.hpp"
#include "store/user_store.hpp"
#include "store/verification_code_store.hpp"

namespace latchkey::store {

// Thrown by a store when the database cannot be reached or fails; the http
// layer answers 503.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown when database work is attempted on a thread that must not block
// (an I/O thread serving a request from caches): the server then hands the
// request to a worker. See NonBlockingScope.
class NeedsWorker : public std::exception {
 public:
  const char* what() const noexcept override { return "database access needs a worker thread"; }
};

// While alive, any database access on this thread throws NeedsWorker.
class NonBlockingScope {
 public:
  NonBlockingScope();
  ~NonBlockingScope();
  NonBlockingScope(const NonBlockingScope&) = delete;
};
bool on_non_blocking_thread();

class Store {
 public:
  virtual ~Store() = default;

  // Increases with every completed write through this store (any process
  // writing elsewhere is not seen: caches also bound their age).
  virtual uint64_t write_generation() const = 0;

  virtual void migrate() = 0;

  // Server-wide settings (e.g. the generated server secret). Inserts `value`
  // unless the key exists; returns the stored value either way.
  virtual std::string get_or_insert_setting(const std::string& key, const std::string& value) = 0;

  virtual ProjectStore& projects() = 0;
  virtual UserStore& users() = 0;
  virtual SessionStore& sessions() = 0;
  virtual ContactChannelStore& contact_channels() = 0;
  virtual VerificationCodeStore& verification_codes() = 0;
  virtual SentEmailStore& sent_emails() = 0;
  virtual OAuthStore& oauth() = 0;
  virtual PasskeyStore& passkeys() = 0;
  virtual TotpStore& totp_steps() = 0;
  virtual TeamStore& teams() = 0;
  virtual PermissionStore& permissions() = 0;
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
