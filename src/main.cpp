// latchkey: the CLI. serve, migrate, and project administration.
#ifdef LATCHKEY_WITH_MIMALLOC
#include <mimalloc.h>
#endif
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>
#include <optional>
#include <string>

#include "api/routes.hpp"
#include "app.hpp"
#include "cli/console_commands.hpp"
#include "cli/ops_commands.hpp"
#include "cli/project_rate_limits_command.hpp"
#include "core/argon2_process.hpp"
#include "core/clock.hpp"
#include "core/passwords.hpp"
#include "core/project_env.hpp"
#include "core/projects.hpp"
#include "core/sessions.hpp"
#include "http/json_log.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "mail/log_secrets.hpp"

using namespace latchkey;

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  try {
    return std::stoi(v);
  } catch (const std::exception&) {
    std::cerr << "latchkey: environment variable " << name << " must be an integer" << std::endl;
    std::exit(2);
  }
}

// A throttle flag: COUNT/WINDOW (core::parse_window_limit), 0 for off.
void add_limit_flag(CLI::App* cmd, const std::string& name, core::WindowLimit& limit,
                    const std::string& what) {
  cmd->add_option_function<std::string>(
         name,
         [&limit, name](const std::string& value) {
           auto parsed = core::parse_window_limit(value);
           if (!parsed)
             throw CLI::ValidationError(
                 name, "must be COUNT/WINDOW (e.g. 10/15min, 100/1h, 5/30s) or 0 for off");
           limit = *parsed;
         },
         what + "; COUNT/WINDOW, 0 turns it off (429 with Retry-After beyond it)")
      ->default_str(core::format_window_limit(limit))
      ->group("Throttling");
}

std::string default_database() {
  const char* v = std::getenv("STACK_DATABASE_CONNECTION_STRING");
  return v && *v ? v : "./latchkey.db";
}

http::Router make_router() {
  http::Router r;
  api::register_routes(r);
  return r;
}

// The serve flags of README "Operations" (not part of the App's Config:
// nothing but `serve` itself uses them).
struct OpsFlags {
  std::optional<int> metrics_port;  // no metrics listener when unset
  std::string metrics_host = "127.0.0.1";
  std::string log_format = "text";
};

int serve(Config config, const OpsFlags& ops) {
  auto app = make_app(config);
  app->mailer->log_configuration();
  app->webhooks->start();
#ifdef LATCHKEY_WITH_MIMALLOC
  // Also keeps the link to mimalloc (the process-wide malloc) explicit.
  spdlog::info("allocator: mimalloc {}.{}.{}", mi_version() / 100, mi_version() / 10 % 10,
               mi_version() % 10);
#else
  spdlog::info("allocator: the C library's (a sanitizer build)");
#endif
  http::Router router = make_router();
  http::Pipeline pipeline(*app, router);
  http::Server server(*app, pipeline);
  int port = server.listen();
  if (ops.metrics_port) {
    int metrics_port = server.listen_metrics(ops.metrics_host, *ops.metrics_port);
    spdlog::info("metrics on http://{}:{}/metrics", ops.metrics_host, metrics_port);
    std::cout << "metrics on http://" << ops.metrics_host << ":" << metrics_port << "/metrics"
              << std::endl;
  }
  spdlog::info("latchkey listening on http://{}:{} (public URL {}, database {})", config.host, port,
               app->config.public_url, store::redact_database(config.database));
  std::cout << "listening on http://" << config.host << ":" << port << std::endl;
  server.run();
  // Requests have drained: write the activity they recorded, so that a
  // clean stop loses none of it.
  app->webhooks->stop();
  app->activity->stop();
  return 0;
}

// The password-hashing ceiling the benchmark compares sign-in against: the
// median time of one argon2id hash with the server's parameters, and the
// hashes per second that many hashing threads could do at that speed.
int hash_benchmark(int count) {
  core::PasswordHasherOptions defaults = server_hasher_options();
  core::PasswordHasher hasher(defaults);
  hasher.hash("warm-up password");
  std::vector<double> millis;
  for (int i = 0; i < count; ++i) {
    auto start = std::chrono::steady_clock::now();
    hasher.hash("benchmark password " + std::to_string(i));
    millis.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(millis.begin(), millis.end());
  double median = millis[millis.size() / 2];
  std::printf("argon2id_hash_ms %.2f threads %u ceiling_per_s %.1f m=%zuKiB,t=%llu,p=1\n", median,
              hasher.threads(), hasher.threads() * 1000.0 / median, defaults.memlimit / 1024,
              defaults.opslimit);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Latchkey: a self-hosted authentication server speaking the Stack Auth REST API"};
  cli.require_subcommand(1);
  Config config;
  OpsFlags ops_flags;
  config.database = default_database();
  if (const char* lvl = std::getenv("LATCHKEY_LOG_LEVEL")) config.log_level = lvl;

  auto* serve_cmd = cli.add_subcommand("serve", "Run the HTTP server");
  serve_cmd->add_option("--host", config.host, "Address to listen on")->capture_default_str();
  serve_cmd->add_option("--port", config.port, "Port to listen on (0 = any free port)")
      ->capture_default_str();
  serve_cmd->add_option("--public-url", config.public_url,
                        "Public base URL (token issuer, e-mail links); env "
                        "NEXT_PUBLIC_STACK_API_URL, default http://localhost:PORT");
  serve_cmd
      ->add_option("--database", config.database,
                   "SQLite file path, or a postgres:// or postgresql:// URL (env "
                   "STACK_DATABASE_CONNECTION_STRING)")
      ->default_str(store::redact_database(config.database));
  serve_cmd->add_option("--log-level", config.log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  serve_cmd
      ->add_option("--log-format", ops_flags.log_format,
                   "text, or json: one JSON object a line, with an access line per request "
                   "(README \"Operations\")")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str()
      ->group("Operations");
  serve_cmd
      ->add_option_function<int>(
          "--metrics-port", [&ops_flags](int port) { ops_flags.metrics_port = port; },
          "Serve Prometheus metrics at http://METRICS_HOST:PORT/metrics (off when unset; "
          "0 = any free port)")
      ->check(CLI::Range(0, 65535))
      ->group("Operations");
  serve_cmd
      ->add_option("--metrics-host", ops_flags.metrics_host,
                   "Address of the metrics listener (loopback by default: the figures are not "
                   "for the public)")
      ->capture_default_str()
      ->group("Operations");
  serve_cmd->add_option("--io-threads", config.io_threads, "I/O threads")->capture_default_str();
  serve_cmd
      ->add_option("--worker-threads", config.worker_threads,
                   "Workers for requests that wait on the database only; 0 = one per core "
                   "with SQLite, two per core with PostgreSQL")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  serve_cmd
      ->add_option("--long-worker-threads", config.long_worker_threads,
                   "Workers for routes that wait on a password hash, an e-mail server or an "
                   "OAuth provider")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  serve_cmd
      ->add_option("--read-timeout-seconds", config.read_timeout_seconds,
                   "A client must send a whole request (and read a response) within this "
                   "many seconds, or the connection is closed")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  serve_cmd
      ->add_option("--max-body-bytes", config.max_body_bytes,
                   "Largest request body accepted (larger: 413)")
      ->capture_default_str();
  auto& db = config.store_options;
  db.pool_size = env_int("LATCHKEY_DB_POOL_SIZE", db.pool_size);
  db.pool_timeout_millis = env_int("LATCHKEY_DB_POOL_TIMEOUT_MS", db.pool_timeout_millis);
  db.connect_timeout_seconds = env_int("LATCHKEY_DB_CONNECT_TIMEOUT", db.connect_timeout_seconds);
  db.statement_timeout_millis =
      env_int("LATCHKEY_DB_STATEMENT_TIMEOUT_MS", db.statement_timeout_millis);
  serve_cmd
      ->add_option("--db-pool-size", db.pool_size,
                   "PostgreSQL: most connections open at once (env LATCHKEY_DB_POOL_SIZE)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--db-pool-timeout-ms", db.pool_timeout_millis,
                   "PostgreSQL: how long a request waits for a free connection before "
                   "answering 503 (env LATCHKEY_DB_POOL_TIMEOUT_MS)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  serve_cmd
      ->add_option("--db-connect-timeout", db.connect_timeout_seconds,
                   "PostgreSQL: connect timeout in seconds, unless the URL sets "
                   "connect_timeout (env LATCHKEY_DB_CONNECT_TIMEOUT)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve_cmd
      ->add_option("--db-statement-timeout-ms", db.statement_timeout_millis,
                   "PostgreSQL: statement_timeout of every connection; 0 disables (env "
                   "LATCHKEY_DB_STATEMENT_TIMEOUT_MS)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  serve_cmd
      ->add_option("--cache-ttl-ms", config.cache_ttl_millis,
                   "How long project, key and user reads may be served from memory when "
                   "another instance may have written (0 disables)")
      ->capture_default_str();
  serve_cmd
      ->add_flag("--refuse-revoked-access-tokens", config.refuse_revoked_access_tokens,
                 "Refuse the access tokens of a signed-out or revoked session (on every "
                 "instance within --cache-ttl-ms; costs a session read per session and TTL). "
                 "Off: an access token works until it expires, as in Stack")
      ->envname("LATCHKEY_REFUSE_REVOKED_ACCESS_TOKENS");
  serve_cmd
      ->add_option("--activity-flush-ms", config.activity_flush_millis,
                   "How often session and user activity (last_used_at, "
                   "last_active_at_millis) recorded at token issuance is written to the "
                   "database, in one batch (0: written by each request)")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  serve_cmd->add_option("--webhook-workers", config.webhook_workers, "Webhook delivery threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve_cmd
      ->add_option("--webhook-attempt-timeout-ms", config.webhook_attempt_timeout_millis,
                   "How long one delivery attempt may take (connect, send, answer) before it "
                   "counts as failed and is retried on Svix's schedule")
      ->check(CLI::Range(int64_t{100}, int64_t{300000}))
      ->capture_default_str();
  serve_cmd
      ->add_flag("--webhooks-allow-private-addresses", config.webhooks_allow_private_addresses,
                 "Deliver webhooks to loopback and private addresses too (refused by default, "
                 "against server-side request forgery)")
      ->envname("LATCHKEY_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES");
  serve_cmd
      ->add_option("--server-secret-file", config.server_secret_file,
                   "File holding the server secret (base64url; instead of STACK_SERVER_SECRET). "
                   "Without either, one is generated and kept in the database")
      ->check(CLI::ExistingFile);
  auto& limits = config.rate_limits;
  add_limit_flag(serve_cmd, "--limit-sign-in-failures-per-account",
                 limits.sign_in_failures_per_account,
                 "Wrong passwords for one account (project and e-mail) from all addresses");
  add_limit_flag(serve_cmd, "--limit-sign-in-failures-per-account-ip",
                 limits.sign_in_failures_per_account_ip,
                 "Wrong passwords for one account from one client address; a correct one "
                 "resets it");
  add_limit_flag(serve_cmd, "--limit-totp-failures-per-user", limits.totp_failures_per_user,
                 "Wrong MFA (TOTP) codes for one user, across MFA attempt codes");
  add_limit_flag(serve_cmd, "--limit-emails-per-address", limits.emails_per_address,
                 "E-mails (sign-in codes, password resets, verifications, invitations) asked "
                 "for one recipient address, known or not");
  add_limit_flag(serve_cmd, "--limit-sign-ups-per-ip", limits.sign_ups_per_ip,
                 "Sign-ups (password and anonymous; OTP sign-ups count as code e-mails) from one "
                 "client address");
  add_limit_flag(serve_cmd, "--limit-code-sends-per-ip", limits.code_sends_per_ip,
                 "Code and link e-mails asked from one client address");
  serve_cmd
      ->add_flag("--shared-rate-limits", config.shared_rate_limits,
                 "Count the limits above in the PostgreSQL database, so that every instance on "
                 "it enforces one limit together (default: each instance in its own memory); "
                 "refused with SQLite")
      ->envname("LATCHKEY_SHARED_RATE_LIMITS")
      ->group("Throttling");
  serve_cmd
      ->add_option_function<std::string>(
          "--trusted-proxies",
          [&config](const std::string& value) {
            try {
              config.trusted_proxies = core::parse_networks(value);
            } catch (const std::invalid_argument& e) {
              throw CLI::ValidationError("--trusted-proxies", e.what());
            }
          },
          "Comma-separated addresses or CIDR networks of reverse proxies whose "
          "X-Forwarded-For names the client (for per-address limits and session IPs); "
          "default none: the peer address is the client")
      ->group("Throttling");
  serve_cmd->add_flag(
      "--test-mode", config.test_mode,
      "Enable test-only routes (/latchkey-test/clock/advance). Never in production.");

  auto* migrate_cmd = cli.add_subcommand("migrate", "Apply database migrations and exit");
  migrate_cmd->add_option("--database", config.database, "SQLite file path or postgres:// URL");

  auto* project_cmd = cli.add_subcommand("project", "Manage projects");
  project_cmd->require_subcommand(1);
  std::string name;
  bool json_out = false, env_out = false;
  auto* create_cmd = project_cmd->add_subcommand("create", "Create a project and its first keys");
  create_cmd->add_option("--name", name, "Display name")->required();
  auto* create_json = create_cmd->add_flag("--json", json_out, "Print JSON");
  create_cmd
      ->add_flag("--env", env_out,
                 "Print the app's environment (NEXT_PUBLIC_STACK_* and STACK_SECRET_SERVER_KEY "
                 "lines for .env.local) on stdout, everything else on stderr")
      ->excludes(create_json);
  create_cmd->add_option("--public-url", config.public_url,
                         "Latchkey's public URL for NEXT_PUBLIC_STACK_API_URL, as given to serve "
                         "(env NEXT_PUBLIC_STACK_API_URL, default http://localhost:8102)");
  create_cmd->add_option("--database", config.database, "SQLite file path or postgres:// URL");
  auto* list_cmd = project_cmd->add_subcommand("list", "List projects");
  list_cmd->add_flag("--json", json_out, "Print JSON");
  list_cmd->add_option("--database", config.database, "SQLite file path or postgres:// URL");
  std::string anon_project, anon_state;
  auto* anon_cmd = project_cmd->add_subcommand(
      "anonymous-sign-up", "Turn POST /auth/anonymous/sign-up on or off for a project");
  anon_cmd->add_option("id", anon_project, "Project id")->required();
  anon_cmd->add_option("state", anon_state, "on or off")
      ->required()
      ->check(CLI::IsMember({"on", "off"}));
  anon_cmd->add_option("--database", config.database, "SQLite file path or postgres:// URL");
  ProjectRateLimitsCommand project_limits;
  project_limits.add_to(*project_cmd, config.database);

  int hash_count = 20;
  auto* hash_cmd = cli.add_subcommand(
      "hash-benchmark",
      "Time argon2id with the server's parameters and print the hashing ceiling (hashes/s)");
  hash_cmd->add_option("--count", hash_count, "Hashes to time, one after another")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));

  // The server's argon2id helper processes run this (hidden: not for people).
  auto* hash_worker_cmd =
      cli.add_subcommand("hash-worker", "Serve argon2id requests on stdin/stdout")->group("");

  ConsoleUserCommand console_user;
  console_user.add_to(cli, config.database);
  latchkey::cli::OpsCommands ops(cli, config);

  CLI11_PARSE(cli, argc, argv);
  if (*hash_worker_cmd) return core::serve_argon2_requests(0, 1);
  // A hashing process that died must not take the server with it when the
  // server next writes to its pipe (the write fails with EPIPE instead).
  std::signal(SIGPIPE, SIG_IGN);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  if (ops_flags.log_format == "json") {
    http::use_json_logs();
    mail::set_log_email_secrets(false);
  }

  try {
    if (*serve_cmd) return serve(config, ops_flags);
    if (*hash_cmd) return hash_benchmark(hash_count);
    if (auto status = ops.run()) return *status;
    // With --env, stdout is the .env file: logs and the internal project's
    // first keys go to stderr.
    if (env_out) spdlog::set_default_logger(spdlog::stderr_color_mt("stderr"));
    auto* cout_buffer = env_out ? std::cout.rdbuf(std::cerr.rdbuf()) : nullptr;
    auto app = make_app(config);  // migrates and seeds
    if (cout_buffer) std::cout.rdbuf(cout_buffer);
    if (console_user.selected()) return console_user.run(*app);
    if (project_limits.selected()) return project_limits.run(*app);
    if (*migrate_cmd) {
      std::cout << "migrations applied to " << store::redact_database(config.database) << std::endl;
      return 0;
    }
    if (*create_cmd) {
      // A wrong URL stops before anything is created.
      if (env_out) core::app_api_url(app->config.public_url);
      core::NewProject np;
      np.display_name = name;
      auto p = core::create_project(*app->store, *app->clock, np);
      core::NewKeySet k;
      k.description = "Created by latchkey project create";
      k.expires_at_millis = 4102444799000;
      k.has_publishable_client_key = k.has_secret_server_key = k.has_super_secret_admin_key = true;
      auto keys = core::create_key_set(*app->store, *app->clock, p.id, k);
      if (env_out) {
        std::cout << core::project_env_lines({app->config.public_url, p.id,
                                              *keys.publishable_client_key,
                                              *keys.secret_server_key})
                  << std::flush;
        std::cerr << "super secret admin key (admin REST API; keep it out of the app): "
                  << *keys.super_secret_admin_key << std::endl;
      } else if (json_out) {
        std::cout << Json{{"id", p.id},
                          {"display_name", p.display_name},
                          {"publishable_client_key", *keys.publishable_client_key},
                          {"secret_server_key", *keys.secret_server_key},
                          {"super_secret_admin_key", *keys.super_secret_admin_key}}
                         .dump()
                  << std::endl;
      } else {
        std::cout << "project id:             " << p.id << "\n"
                  << "publishable client key: " << *keys.publishable_client_key << "\n"
                  << "secret server key:      " << *keys.secret_server_key << "\n"
                  << "super secret admin key: " << *keys.super_secret_admin_key << std::endl;
      }
      return 0;
    }
    if (*list_cmd) {
      Json arr = Json::array();
      for (const auto& p : app->store->projects().list_projects())
        arr.push_back(Json{{"id", p.id}, {"display_name", p.display_name}});
      if (json_out) {
        std::cout << arr.dump() << std::endl;
      } else {
        for (const auto& p : arr)
          std::cout << p["id"].get<std::string>() << "  " << p["display_name"].get<std::string>()
                    << "\n";
      }
      return 0;
    }
    if (*anon_cmd) {
      auto p = app->store->projects().get_project(anon_project);
      if (!p) throw std::runtime_error("no project with id " + anon_project);
      p->config[core::kAnonymousSignUpEnabled] = anon_state == "on";
      app->store->projects().update_project(*p);
      std::cout << "anonymous sign-up " << anon_state << " for project " << p->id << std::endl;
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "latchkey: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
