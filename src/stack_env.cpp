#include "stack_env.hpp"

#include <boost/url/parse.hpp>
#include <charconv>

#include "core/crypto.hpp"
#include "core/project_config.hpp"
#include "core/tokens.hpp"
#include "core/validation.hpp"

namespace latchkey {
namespace {

[[noreturn]] void refuse(const std::string& name, const std::string& value,
                         const std::string& expected) {
  throw EnvError(name + " must be " + expected + " (it is \"" + value + "\")");
}

// Stack compares with "true"; anything but true/false would silently mean
// false there, so it is refused here.
bool flag(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  if (!v) return false;
  if (*v == "true") return true;
  if (*v == "false") return false;
  refuse(name, *v, "true or false");
}

std::optional<std::string> http_url(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  if (!v) return std::nullopt;
  auto u = boost::urls::parse_uri(*v);
  if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->encoded_host().empty())
    refuse(name, *v, "an http(s) URL");
  return v;
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

}  // namespace

StackEnvironment read_stack_environment(const EnvLookup& env) {
  StackEnvironment out;

  out.public_url = http_url(env, "NEXT_PUBLIC_STACK_API_URL");
  if (out.public_url)
    while (out.public_url->size() > 1 && out.public_url->back() == '/') out.public_url->pop_back();

  out.server_secret = env("STACK_SERVER_SECRET");
  if (out.server_secret && !core::base64url_decode(*out.server_secret))
    refuse("STACK_SERVER_SECRET", "…", "a base64url string");

  if (auto span = env("STACK_ACCESS_TOKEN_EXPIRATION_TIME")) {
    auto seconds = core::parse_time_span_seconds(*span);
    if (!seconds || *seconds <= 0)
      refuse("STACK_ACCESS_TOKEN_EXPIRATION_TIME", *span,
             "a positive time span such as 30s, 10min, 1h or 7 days");
    out.access_token_lifetime_seconds = *seconds;
  }

  // Stack turns the fixed challenge on for any non-empty value; a value
  // that reads as "off" would turn it on there, so it is refused instead.
  if (auto v = env("STACK_ENABLE_HARDCODED_PASSKEY_CHALLENGE_FOR_TESTING")) {
    for (const char* off : {"false", "0", "no", "off"})
      if (*v == off)
        refuse("STACK_ENABLE_HARDCODED_PASSKEY_CHALLENGE_FOR_TESTING", *v,
               "unset to turn it off (any value turns it on, as in Stack)");
    out.hardcoded_passkey_challenge = true;
    out.warnings.push_back(
        "STACK_ENABLE_HARDCODED_PASSKEY_CHALLENGE_FOR_TESTING is set: every passkey challenge is "
        "\"MOCK\", so passkey sign-ins can be replayed. For tests only.");
  }

  // Checked here, used by the mailer: SMTP over TLS follows the port (465)
  // in Stack and in Latchkey, so STACK_EMAIL_SECURE only has to be a flag.
  if (auto port = env("STACK_EMAIL_PORT")) {
    int p = 0;
    auto [ptr, ec] = std::from_chars(port->data(), port->data() + port->size(), p);
    if (ec != std::errc() || ptr != port->data() + port->size() || p < 1 || p > 65535)
      refuse("STACK_EMAIL_PORT", *port, "a port number");
    if (env("STACK_EMAIL_SECURE") && flag(env, "STACK_EMAIL_SECURE") != (p == 465))
      out.warnings.push_back(
          "STACK_EMAIL_SECURE disagrees with STACK_EMAIL_PORT; as in Stack, the port decides "
          "(465: TLS from the first byte; otherwise STARTTLS when the server offers it)");
  }
  (void)flag(env, "STACK_EMAIL_SECURE");

  auto& seed = out.seed;
  const std::string prefix = "STACK_SEED_INTERNAL_PROJECT_";
  seed.sign_up_enabled = flag(env, prefix + "SIGN_UP_ENABLED");
  seed.otp_enabled = flag(env, prefix + "OTP_ENABLED");
  seed.allow_localhost = flag(env, prefix + "ALLOW_LOCALHOST");
  seed.user_internal_access = flag(env, prefix + "USER_INTERNAL_ACCESS");
  if (auto list = env(prefix + "OAUTH_PROVIDERS")) {
    const auto& known = core::oauth_provider_ids();
    size_t start = 0;
    while (start <= list->size()) {
      size_t comma = list->find(',', start);
      std::string id =
          trim(list->substr(start, comma == std::string::npos ? comma : comma - start));
      if (!id.empty()) {
        if (id == "oidc" || std::find(known.begin(), known.end(), id) == known.end())
          refuse(prefix + "OAUTH_PROVIDERS", *list,
                 "a comma-separated list of shared OAuth providers (\"" + id + "\" is not one)");
        if (std::find(seed.oauth_providers.begin(), seed.oauth_providers.end(), id) ==
            seed.oauth_providers.end())
          seed.oauth_providers.push_back(id);
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  seed.user_email = env(prefix + "USER_EMAIL");
  if (seed.user_email && !core::is_valid_email(*seed.user_email))
    refuse(prefix + "USER_EMAIL", *seed.user_email, "an e-mail address");
  seed.user_password = env(prefix + "USER_PASSWORD");
  seed.user_github_id = env(prefix + "USER_GITHUB_ID");
  if (seed.user_email.has_value() != seed.user_password.has_value())
    out.warnings.push_back(prefix + "USER_EMAIL and " + prefix +
                           "USER_PASSWORD work only together; the dashboard user gets neither");
  seed.publishable_client_key = env(prefix + "PUBLISHABLE_CLIENT_KEY");
  seed.secret_server_key = env(prefix + "SECRET_SERVER_KEY");
  seed.super_secret_admin_key = env(prefix + "SUPER_SECRET_ADMIN_KEY");
  seed.dashboard_url = http_url(env, "NEXT_PUBLIC_STACK_DASHBOARD_URL");
  return out;
}

}  // namespace latchkey
