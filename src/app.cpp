#include "app.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/url/parse.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/console.hpp"
#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/oauth/runtime.hpp"
#include "core/project_config.hpp"
#include "core/projects.hpp"
#include "core/sessions.hpp"
#include "core/users.hpp"
#include "stack_env.hpp"

namespace latchkey {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

constexpr const char* kInternalKeySetId = "3142e763-b230-44b5-8636-aa62f7489c26";
constexpr int64_t kInternalKeySetExpiry = 4102444799000;  // 2099-12-31T23:59:59Z
// Stack's seed gives its dashboard user this id.
constexpr const char* kDashboardUserId = "33e7c043-d2d1-4187-acd3-f91b5ed64b46";

// --server-secret-file: one base64url line (STACK_SERVER_SECRET's format),
// e.g. a mounted secret, so the secret is neither in the environment nor in
// the database.
std::string read_server_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read --server-secret-file " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && std::isspace(static_cast<unsigned char>(secret.back())))
    secret.pop_back();
  auto bytes = core::base64url_decode(secret);
  if (secret.empty() || !bytes || bytes->size() < 16)
    throw std::runtime_error("--server-secret-file " + path +
                             " must hold a base64url secret of at least 16 bytes (e.g. the "
                             "output of: openssl rand 32 | basenc --base64url)");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    spdlog::warn("the server secret file {} is readable by other users (mode {:o}); chmod 600 it",
                 path, st.st_mode & 0777);
  return secret;
}

bool is_localhost_url(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  return u && u->encoded_host() == "localhost";
}

// Stack's seed (prisma/seed.ts): the dashboard user, created once with the
// seed's id when (e-mail and password) or a GitHub account id are given.
void seed_dashboard_user(App& app, const InternalProjectSeed& seed) {
  bool with_password = seed.user_email && seed.user_password;
  if (!with_password && !seed.user_github_id) return;
  auto& store = *app.store;
  if (store.users().get_user("internal", kDashboardUserId)) return;
  core::NewUser n;
  n.id = kDashboardUserId;
  n.display_name = "Administrator (created by seed script)";
  if (seed.user_internal_access)
    n.server_metadata = Json{{"managedProjectIds", Json::array({"internal"})}};
  if (with_password) {
    n.primary_email = *seed.user_email;
    n.primary_email_auth_enabled = true;
    n.password_hash = app.hasher->hash(*seed.user_password);
  }
  if (seed.user_github_id) n.oauth_providers.push_back({"github", *seed.user_github_id, {}});
  try {
    core::create_user(store, *app.clock, "internal", std::move(n));
  } catch (const core::KnownError& e) {
    // E.g. the address already signs in another user of the internal project.
    spdlog::warn("the dashboard user of STACK_SEED_INTERNAL_PROJECT_USER_* was not created: {}",
                 e.what());
    return;
  }
  spdlog::info(
      "created the dashboard user{}{}",
      with_password ? " with e-mail " + *seed.user_email : std::string(),
      seed.user_github_id ? " with GitHub account " + *seed.user_github_id : std::string());
}

// projects.md §3.1 and Stack's seed: the internal project exists on every
// start; the seed's switches and the key set from the environment are
// re-applied each time, the OAuth providers only at creation. Runs under the
// store's setup lock (make_app), so instances that start together on one
// database create the project and its keys once.
void seed_internal_project(App& app, const InternalProjectSeed& seed) {
  auto& store = *app.store;
  auto existing = store.projects().get_project("internal");
  if (!existing) {
    core::NewProject np;
    np.id = "internal";
    np.display_name = "Stack Dashboard";
    np.description = "Stack's admin dashboard";
    Json providers = Json::array();
    for (const auto& id : seed.oauth_providers)
      providers.push_back(Json{{"id", id}, {"type", "shared"}});
    np.config = Json{{"allow_localhost", true},
                     {"oauth_providers", providers},
                     {"sign_up_enabled", seed.sign_up_enabled},
                     {"credential_enabled", true},
                     {"magic_link_enabled", seed.otp_enabled}};
    core::create_project(store, *app.clock, np);
    spdlog::info("created the internal project");
    existing = store.projects().get_project("internal");
  }
  auto p = *existing;
  p.config["allow_localhost"] = seed.allow_localhost;
  p.config["sign_up_enabled"] = seed.sign_up_enabled;
  p.config["magic_link_enabled"] = seed.otp_enabled;
  if (seed.dashboard_url && !is_localhost_url(*seed.dashboard_url)) {
    // The dashboard's own origin first, the other trusted domains kept.
    Json domains =
        Json::array({Json{{"domain", *seed.dashboard_url}, {"handler_path", "/handler"}}});
    if (p.config.contains("domains") && p.config["domains"].is_array())
      for (const auto& d : p.config["domains"])
        if (d.value("domain", "") != *seed.dashboard_url) domains.push_back(d);
    p.config["domains"] = domains;
    core::normalize_config(p.config);
  }
  // Anonymous sign-up is on for the internal project (auth-endpoints.md §7);
  // set only when absent so that an operator's `false` survives restarts.
  if (!p.config.contains(core::kAnonymousSignUpEnabled))
    p.config[core::kAnonymousSignUpEnabled] = true;
  store.projects().update_project(p);

  seed_dashboard_user(app, seed);

  const auto& pck = seed.publishable_client_key;
  const auto& ssk = seed.secret_server_key;
  const auto& sak = seed.super_secret_admin_key;
  bool have_set = store.projects().get_api_key_set("internal", kInternalKeySetId).has_value();
  if (have_set && !pck && !ssk && !sak) return;  // keep the keys printed at first start
  core::NewKeySet k;
  k.id = kInternalKeySetId;
  k.description = "Internal API key set";
  k.expires_at_millis = kInternalKeySetExpiry;
  k.has_publishable_client_key = k.has_secret_server_key = k.has_super_secret_admin_key = true;
  k.publishable_client_key = pck;
  k.secret_server_key = ssk;
  k.super_secret_admin_key = sak;
  auto created = core::create_key_set(store, *app.clock, "internal", k);
  if (!pck || !ssk || !sak) {
    // Shown once: only digests are stored.
    std::cout << "Internal project keys (store them now; they are not shown again):\n";
    if (!pck)
      std::cout << "  STACK_SEED_INTERNAL_PROJECT_PUBLISHABLE_CLIENT_KEY="
                << *created.publishable_client_key << "\n";
    if (!ssk)
      std::cout << "  STACK_SEED_INTERNAL_PROJECT_SECRET_SERVER_KEY=" << *created.secret_server_key
                << "\n";
    if (!sak)
      std::cout << "  STACK_SEED_INTERNAL_PROJECT_SUPER_SECRET_ADMIN_KEY="
                << *created.super_secret_admin_key << "\n";
    std::cout.flush();
  }
}

}  // namespace

std::unique_ptr<App> make_app(Config config) {
  const EnvLookup lookup = [](const std::string& name) { return env(name.c_str()); };
  StackEnvironment stack_env = read_stack_environment(lookup);
  for (const auto& w : stack_env.warnings) spdlog::warn("{}", w);
  auto provider_env = [&] {
    try {
      return core::oauth::provider_environment(lookup, config.test_mode,
                                               [](const std::string& w) { spdlog::warn("{}", w); });
    } catch (const std::invalid_argument& e) {
      throw EnvError(e.what());
    }
  }();
  auto app = std::make_unique<App>();
  if (config.public_url.empty())
    config.public_url =
        stack_env.public_url.value_or("http://localhost:" + std::to_string(config.port));
  config.hardcoded_passkey_challenge = stack_env.hardcoded_passkey_challenge;
  app->config = config;
  app->clock = std::make_unique<core::OffsetClock>();
  // One process serves a SQLite file: its in-memory counts are already all
  // there is, and a second writer per throttled request would only cost.
  if (config.shared_rate_limits && !store::is_postgres_url(config.database))
    throw std::runtime_error(
        "--shared-rate-limits needs a PostgreSQL database (--database postgres://...); with "
        "SQLite the limits are kept in memory");
  app->store = store::open_store(config.database, config.store_options);
  app->store->migrate();
  app->cache = std::make_unique<store::ReadCache>(
      *app->store, std::chrono::milliseconds(config.cache_ttl_millis));
  app->token_claims = std::make_unique<core::TokenClaimsCache>(
      *app->store, app->cache.get(), std::chrono::milliseconds(config.cache_ttl_millis));
  core::ActivityOptions activity;
  activity.flush_interval = std::chrono::milliseconds(config.activity_flush_millis);
  app->activity = std::make_unique<core::ActivityRecorder>(*app->store, activity);

  auto secret = stack_env.server_secret;
  if (!config.server_secret_file.empty()) {
    if (secret)
      spdlog::warn("both STACK_SERVER_SECRET and --server-secret-file are set; the file is used");
    secret = read_server_secret_file(config.server_secret_file);
  }
  if (!secret) {
    // Generated once and kept in the database, so every instance that shares
    // the database signs with the same keys.
    secret = app->store->get_or_insert_setting("server_secret",
                                               core::base64url_encode(core::random_bytes(32)));
  }
  app->tokens = std::make_unique<core::TokenService>(
      *secret, config.public_url, stack_env.access_token_lifetime_seconds, *app->clock);
  app->hasher = std::make_unique<core::PasswordHasher>(server_hasher_options());
  if (config.shared_rate_limits) {
    auto& counts = app->shared_rate_limit_counts =
        std::make_unique<core::SharedCounts>(app->store->rate_limits(), *secret);
    app->rate_limits = std::make_unique<core::RateLimits>(
        config.rate_limits, *app->clock, [&counts](core::Limit l) { return counts->counter(l); });
  } else {
    app->rate_limits = std::make_unique<core::RateLimits>(config.rate_limits, *app->clock);
  }
  app->mailer = std::make_unique<mail::Mailer>(mail::SharedSmtpSettings::from_env(), *app->store,
                                               *app->clock);
  core::WebhookDeliveryOptions webhooks;
  webhooks.threads = config.webhook_workers;
  webhooks.attempt_timeout_millis = config.webhook_attempt_timeout_millis;
  webhooks.allow_private_addresses = config.webhooks_allow_private_addresses;
  app->webhooks = std::make_unique<core::WebhookDelivery>(*app->store, *app->clock, webhooks);
  app->oauth = core::oauth::make_runtime(config.public_url, *secret, std::move(provider_env));
  app->store->with_setup_lock([&] {
    seed_internal_project(*app, stack_env.seed);
    app->console_client_key = core::ensure_console_client_key(*app->store, *app->clock);
  });
  return app;
}

}  // namespace latchkey
