#include "app.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

#include "core/crypto.hpp"
#include "core/oauth/runtime.hpp"
#include "core/projects.hpp"
#include "core/sessions.hpp"

namespace latchkey {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

bool env_flag(const char* name, bool fallback) {
  auto v = env(name);
  return v ? *v == "true" : fallback;
}

constexpr const char* kInternalKeySetId = "3142e763-b230-44b5-8636-aa62f7489c26";
constexpr int64_t kInternalKeySetExpiry = 4102444799000;  // 2099-12-31T23:59:59Z

// projects.md §3.1: the internal project exists on every start; a few
// settings and the key set from the environment are re-applied each time.
// Runs under the store's setup lock (make_app), so instances that start
// together on one database create the project and its keys once.
void seed_internal_project(App& app) {
  auto& store = *app.store;
  auto existing = store.projects().get_project("internal");
  if (!existing) {
    core::NewProject np;
    np.id = "internal";
    np.display_name = "Stack Dashboard";
    np.description = "Stack's admin dashboard";
    core::create_project(store, *app.clock, np);
    spdlog::info("created the internal project");
    existing = store.projects().get_project("internal");
  }
  auto p = *existing;
  p.config["allow_localhost"] = env_flag("STACK_SEED_INTERNAL_PROJECT_ALLOW_LOCALHOST", true);
  p.config["sign_up_enabled"] = env_flag("STACK_SEED_INTERNAL_PROJECT_SIGN_UP_ENABLED", true);
  p.config["magic_link_enabled"] = env_flag("STACK_SEED_INTERNAL_PROJECT_OTP_ENABLED", true);
  p.config["credential_enabled"] = true;
  p.config["client_team_creation_enabled"] = false;
  p.config["create_team_on_sign_up"] = false;
  // Anonymous sign-up is on for the internal project (auth-endpoints.md §7);
  // set only when absent so that an operator's `false` survives restarts.
  if (!p.config.contains(core::kAnonymousSignUpEnabled))
    p.config[core::kAnonymousSignUpEnabled] = true;
  store.projects().update_project(p);

  auto pck = env("STACK_SEED_INTERNAL_PROJECT_PUBLISHABLE_CLIENT_KEY");
  auto ssk = env("STACK_SEED_INTERNAL_PROJECT_SECRET_SERVER_KEY");
  auto sak = env("STACK_SEED_INTERNAL_PROJECT_SUPER_SECRET_ADMIN_KEY");
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
  auto app = std::make_unique<App>();
  if (config.public_url.empty())
    config.public_url = env("NEXT_PUBLIC_STACK_API_URL")
                            .value_or("http://localhost:" + std::to_string(config.port));
  app->config = config;
  app->clock = std::make_unique<core::OffsetClock>();
  app->store = store::open_store(config.database, config.store_options);
  app->store->migrate();
  app->cache = std::make_unique<store::ReadCache>(
      *app->store, std::chrono::milliseconds(config.cache_ttl_millis));
  app->token_claims = std::make_unique<core::TokenClaimsCache>(
      *app->store, app->cache.get(), std::chrono::milliseconds(config.cache_ttl_millis));
  core::ActivityOptions activity;
  activity.flush_interval = std::chrono::milliseconds(config.activity_flush_millis);
  app->activity = std::make_unique<core::ActivityRecorder>(*app->store, activity);

  auto secret = env("STACK_SERVER_SECRET");
  if (!secret) {
    // Generated once and kept in the database, so every instance that shares
    // the database signs with the same keys.
    secret = app->store->get_or_insert_setting("server_secret",
                                               core::base64url_encode(core::random_bytes(32)));
  }
  if (!core::base64url_decode(*secret))
    throw std::runtime_error("STACK_SERVER_SECRET must be a base64url string");

  int64_t lifetime = 600;
  if (auto span = env("STACK_ACCESS_TOKEN_EXPIRATION_TIME")) {
    auto parsed = core::parse_time_span_seconds(*span);
    if (!parsed || *parsed <= 0)
      throw std::runtime_error("STACK_ACCESS_TOKEN_EXPIRATION_TIME is not a time span: " + *span);
    lifetime = *parsed;
  }
  app->tokens =
      std::make_unique<core::TokenService>(*secret, config.public_url, lifetime, *app->clock);
  app->hasher = std::make_unique<core::PasswordHasher>(server_hasher_options());
  app->mailer = std::make_unique<mail::Mailer>(mail::SharedSmtpSettings::from_env(), *app->store,
                                               *app->clock);
  app->oauth = core::oauth::make_runtime(
      config.public_url, *secret,
      core::oauth::provider_environment([](const std::string& name) { return env(name.c_str()); },
                                        config.test_mode,
                                        [](const std::string& w) { spdlog::warn("{}", w); }));
  app->store->with_setup_lock([&] { seed_internal_project(*app); });
  return app;
}

}  // namespace latchkey
