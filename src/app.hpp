// The running server's services, built once at start and shared (read-only
// after start) by every request.
#pragma once
#include <algorithm>
#include <memory>
#include <string>
#include <thread>

#include "core/activity.hpp"
#include "core/client_address.hpp"
#include "core/clock.hpp"
#include "core/oauth/runtime.hpp"
#include "core/passwords.hpp"
#include "core/rate_limits.hpp"
#include "core/shared_rate_limits.hpp"
#include "core/token_claims.hpp"
#include "core/tokens.hpp"
#include "core/webhook_delivery.hpp"
#include "mail/mailer.hpp"
#include "store/read_cache.hpp"
#include "store/store.hpp"

namespace latchkey {

struct Config {
  std::string host = "127.0.0.1";
  int port = 8102;
  std::string public_url;  // NEXT_PUBLIC_STACK_API_URL; default http://localhost:PORT
  std::string database = "./latchkey.db";
  std::string log_level = "info";
  bool test_mode = false;  // enables /latchkey-test/* routes
  // STACK_ENABLE_HARDCODED_PASSKEY_CHALLENGE_FOR_TESTING: every passkey
  // challenge is "MOCK" (set by make_app from the environment).
  bool hardcoded_passkey_challenge = false;
  int io_threads = 2;
  // Workers for requests that wait on the database only; 0 = one per core
  // with SQLite (its calls do not wait on a network), two per core with
  // PostgreSQL (each call waits a round trip). See Config::quick_workers().
  int worker_threads = 0;
  // Workers for routes that wait on a password hash, SMTP or an OAuth
  // provider (router.hpp Runs::kLong).
  int long_worker_threads = 16;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  int read_timeout_seconds = 30;
  // How long the per-request reads (project, key, user) may be served from
  // memory when another instance may have written (0 = no cache).
  int cache_ttl_millis = 1000;
  // Refuse access tokens of signed-out or revoked sessions (on other
  // instances within cache_ttl_millis); off: a token lives until it expires.
  bool refuse_revoked_access_tokens = false;
  // Connection pool and timeouts of a PostgreSQL database.
  store::StoreOptions store_options;
  // How often session/user activity is written behind (0: at each token
  // issuance, in the request).
  int activity_flush_millis = 250;
  // Webhook delivery workers; private_addresses lets them post to loopback
  // and private networks (off: refused, against server-side request
  // forgery).
  int webhook_workers = 2;
  int64_t webhook_attempt_timeout_millis = 15000;  // Svix's bound on one attempt
  bool webhooks_allow_private_addresses = false;
  // Throttles (README "Security"), each a serve flag.
  core::RateLimitOptions rate_limits;
  // Count them in the PostgreSQL database, shared by every instance on it,
  // instead of in each instance's memory (--shared-rate-limits).
  bool shared_rate_limits = false;
  // Peers whose X-Forwarded-For names the client (--trusted-proxies).
  std::vector<core::IpNetwork> trusted_proxies;
  // --server-secret-file: the server secret, read at start (else
  // STACK_SERVER_SECRET, else generated once and kept in the database).
  std::string server_secret_file;

  // worker_threads, or its default for the engine when 0.
  int quick_workers() const {
    if (worker_threads > 0) return worker_threads;
    int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return store::is_postgres_url(database) ? 2 * cores : cores;
  }
};

// The server's password hashing: argon2id in one helper process per hashing
// thread (`latchkey hash-worker`, this same binary; see argon2_process.hpp).
inline core::PasswordHasherOptions server_hasher_options() {
  core::PasswordHasherOptions options;
  options.process_command = {"/proc/self/exe", "hash-worker"};
  return options;
}

struct App {
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::ReadCache> cache;
  // What access tokens say about users, so refreshes read it from memory.
  std::unique_ptr<core::TokenClaimsCache> token_claims;
  // Token-issuance activity, written behind. Declared after the store so that
  // it is destroyed (and writes what is pending) before the store.
  std::unique_ptr<core::ActivityRecorder> activity;
  std::unique_ptr<core::OffsetClock> clock;
  std::unique_ptr<core::TokenService> tokens;
  // argon2id/bcrypt on its own bounded pool (one thread per core).
  std::unique_ptr<core::PasswordHasher> hasher;
  // With --shared-rate-limits: the counts in the database (before the
  // limits that use them, so that it outlives them).
  std::unique_ptr<core::SharedCounts> shared_rate_limit_counts;
  // Sign-in, TOTP, e-mail and sign-up throttles, in this instance's memory
  // or shared through the database.
  std::unique_ptr<core::RateLimits> rate_limits;
  // OAuth providers, outbound HTTPS and the provider-token cipher.
  std::unique_ptr<core::oauth::Runtime> oauth;
  // Webhook delivery (started by `serve`). After the store and clock it
  // uses, so that it stops first.
  std::unique_ptr<core::WebhookDelivery> webhooks;
  // Outbound e-mail. Declared last so it is destroyed first: its background
  // thread uses the store and clock above.
  std::unique_ptr<mail::Mailer> mailer;
  // The admin console's publishable client key of the internal project
  // (core/console.hpp), handed to the console at /console/config.json.
  std::string console_client_key;
};

// Reads Stack's environment (stack_env.hpp), opens the database, runs
// migrations, loads or creates the server secret and seeds the internal
// project. Throws EnvError naming the variable when one cannot work, and
// std::runtime_error with a clear message on other bad configuration.
std::unique_ptr<App> make_app(Config config);

}  // namespace latchkey
