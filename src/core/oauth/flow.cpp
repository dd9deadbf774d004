#include "core/oauth/flow.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "core/crypto.hpp"
#include "core/oauth/accounts.hpp"
#include "core/trusted_urls.hpp"

namespace latchkey::core::oauth {
namespace {

// Expired outer states are kept this long, so that a late callback reads
// "timed out" rather than "invalid cookie".
constexpr int64_t kExpiredStateRetentionMillis = 60LL * 60 * 1000;

std::optional<std::string> opt_string(const Json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string random_hex(size_t bytes) {
  static const char* hex = "0123456789abcdef";
  std::string raw = random_bytes(bytes), out;
  for (unsigned char c : raw) {
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out;
}

bool covers(const std::vector<std::string>& have, const std::vector<std::string>& want) {
  return std::all_of(want.begin(), want.end(), [&](const std::string& s) {
    return std::find(have.begin(), have.end(), s) != have.end();
  });
}

bool is_printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

ResolvedProvider resolve_or_throw(FlowServices& s, const ProviderConfig& c) {
  try {
    return s.runtime.providers->resolve(c);
  } catch (const ProviderConfigError& e) {
    spdlog::warn("OAuth provider {} is misconfigured: {}", c.id, e.what());
    throw PlainError(400, e.what());
  }
}

// §6.3 step 6: how a provider's failure reaches the client.
[[noreturn]] void throw_provider_error(const std::string& provider_id, const ProviderError& e) {
  switch (e.failure()) {
    case ProviderFailure::kInvalidGrant:
      throw PlainError(400, "Inner OAuth callback failed due to invalid grant. Please try again.");
    case ProviderFailure::kAccessDenied:
      throw errors::oauth_provider_access_denied();
    case ProviderFailure::kInvalidClient:
      throw PlainError(400,
                       "Invalid client credentials for this OAuth provider. Please ensure the "
                       "configuration in the Stack Auth dashboard is correct.");
    case ProviderFailure::kUnauthorizedScope:
      throw PlainError(400, "The OAuth provider does not allow the requested scope" +
                                (e.scope().empty() ? "" : " \"" + e.scope() + "\"") +
                                ". Please ensure the scope is configured correctly in the "
                                "provider's dashboard.");
    case ProviderFailure::kMissingEmail:
      throw PlainError(400,
                       "Facebook OAuth did not return an email address. This is likely because "
                       "\"email\" scope is not selected on the Facebook developer dashboard.");
    case ProviderFailure::kFailed:
      break;
  }
  // The provider (or the way to it) failed: an upstream problem, not the
  // client's, and not ours to hide either.
  spdlog::warn("OAuth provider {} failed: {}", provider_id, e.what());
  throw PlainError(502, "The OAuth provider could not complete the sign-in (" +
                            std::string(e.what()) + "). Please try again.");
}

// Sets (replacing) query parameters, keeping the others.
std::string with_params(const std::string& url,
                        const std::vector<std::pair<std::string, std::string>>& params) {
  auto parsed = boost::urls::parse_uri_reference(url);
  if (!parsed) throw std::runtime_error("stored redirect URI does not parse");
  boost::urls::url u(*parsed);
  // An empty query before a fragment crashes Boost.URL 1.81's params().set
  // (mail::build_code_link, found by fuzz/trusted_url_fuzz.cpp): dropped
  // first, it has no parameters.
  if (u.has_query() && u.encoded_query().empty()) u.remove_query();
  for (const auto& [k, v] : params) u.params().set(k, v);
  return std::string(u.buffer());
}

// The checks the reference makes after account resolution (or as 500s),
// made before anything happens at the provider (§6.3 steps 9–10).
void check_outer_request(const store::Project& project, const OuterRequest& o) {
  if (!is_trusted_url(project.config, o.redirect_uri))
    throw PlainError(400,
                     "Invalid redirect URI. You might have set the wrong redirect URI in the "
                     "OAuth provider settings. (Please copy the redirect URI from the Stack Auth "
                     "dashboard and paste it into the OAuth provider's dashboard)");
  if (o.scope != "legacy")
    throw PlainError(400, "Invalid scope requested. Please check the scopes you are requesting.");
  if (o.response_type != "code")
    throw PlainError(400, "Invalid response_type requested. Only \"code\" is supported.");
  if (o.code_challenge_method != "S256" && o.code_challenge_method != "plain")
    throw PlainError(400, "Invalid code_challenge_method. It must be \"S256\" or \"plain\".");
  if (!is_printable_ascii(o.state))
    throw PlainError(400, "Invalid state. It must consist of printable ASCII characters.");
}

}  // namespace

Json OuterRequest::to_json() const {
  auto opt = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(); };
  return Json{{"redirect_uri", redirect_uri},
              {"scope", scope},
              {"state", state},
              {"code_challenge", code_challenge},
              {"code_challenge_method", code_challenge_method},
              {"response_type", response_type},
              {"link_user_id", opt(link_user_id)},
              {"provider_scope", provider_scope},
              {"error_redirect_uri", opt(error_redirect_uri)},
              {"after_callback_redirect_url", opt(after_callback_redirect_url)}};
}

OuterRequest OuterRequest::from_json(const Json& j) {
  OuterRequest o;
  o.redirect_uri = opt_string(j, "redirect_uri").value_or("");
  o.scope = opt_string(j, "scope").value_or("");
  o.state = opt_string(j, "state").value_or("");
  o.code_challenge = opt_string(j, "code_challenge").value_or("");
  o.code_challenge_method = opt_string(j, "code_challenge_method").value_or("");
  o.response_type = opt_string(j, "response_type").value_or("");
  o.link_user_id = opt_string(j, "link_user_id");
  o.provider_scope = opt_string(j, "provider_scope").value_or("");
  o.error_redirect_uri = opt_string(j, "error_redirect_uri");
  o.after_callback_redirect_url = opt_string(j, "after_callback_redirect_url");
  return o;
}

bool pkce_matches(std::string_view method, std::string_view challenge, std::string_view verifier) {
  if (method == "S256") {
    auto digest = sha256(verifier);
    std::string computed = base64url_encode(
        std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
    return constant_time_equals(computed, challenge);
  }
  if (method == "plain") return constant_time_equals(verifier, challenge);
  return false;
}

AuthorizationStart start_authorization(FlowServices& s, const store::Project& project,
                                       const std::string& branch_id, const std::string& provider_id,
                                       const OuterRequest& outer) {
  auto config = find_provider_config(project.config, provider_id);
  if (!config) throw errors::oauth_provider_not_found_or_not_enabled();
  ResolvedProvider p = resolve_or_throw(s, *config);

  std::string inner_state = base64url_encode(random_bytes(32));
  std::string verifier = base64url_encode(random_bytes(32));
  std::optional<std::string> nonce;
  if (p.uses_nonce) nonce = base64url_encode(random_bytes(32));
  int64_t now = s.clock.now_millis();

  store::OAuthOuterState st;
  st.state_digest = sha256_hex(inner_state);
  st.project_id = project.id;
  st.branch_id = branch_id;
  st.provider_id = provider_id;
  st.code_verifier = verifier;
  st.nonce = nonce;
  st.info = outer.to_json();
  st.created_at_millis = now;
  st.expires_at_millis = now + kOuterStateLifetimeMillis;
  s.store.oauth().insert_outer_state(st, now - kExpiredStateRetentionMillis);

  AuthorizationParams a;
  a.redirect_uri = s.runtime.callback_url(provider_id);
  a.state = inner_state;
  auto digest = sha256(verifier);
  a.code_challenge = base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  a.nonce = nonce;
  a.extra_scope = outer.provider_scope;
  return {s.runtime.providers->authorization_url(p, a), inner_state, st.expires_at_millis,
          p.form_post};
}

std::optional<store::OAuthOuterState> take_outer_state(store::Store& store,
                                                       std::string_view inner_state) {
  if (inner_state.empty()) return std::nullopt;
  return store.oauth().take_outer_state(sha256_hex(inner_state));
}

std::optional<std::string> error_redirect_target(store::Store& store,
                                                 const store::OAuthOuterState& state) {
  auto outer = OuterRequest::from_json(state.info);
  if (!outer.error_redirect_uri) return std::nullopt;
  auto project = store.projects().get_project(state.project_id);
  if (!project || !is_trusted_url(project->config, *outer.error_redirect_uri)) return std::nullopt;
  return outer.error_redirect_uri;
}

std::string error_redirect_location(const std::string& target, const KnownError& error) {
  const Json& details = error.details();
  return with_params(target, {{"errorCode", error.code()},
                              {"message", error.message()},
                              {"details", details.is_null() ? "{}" : details.dump()}});
}

std::string complete_callback(FlowServices& s, const store::OAuthOuterState& st,
                              std::string_view provider_id, const Json& params) {
  int64_t now = s.clock.now_millis();
  if (now > st.expires_at_millis) throw errors::outer_oauth_timeout();
  auto project = s.store.projects().get_project(st.project_id);
  std::optional<ProviderConfig> config;
  if (project) config = find_provider_config(project->config, provider_id);
  if (!config) throw errors::oauth_provider_not_found_or_not_enabled();
  OuterRequest outer = OuterRequest::from_json(st.info);
  check_outer_request(*project, outer);
  const std::string pid(provider_id);
  // The inner code was issued to the flow's provider: another provider of
  // the project would refuse it as an invalid grant (what Stack answers,
  // having sent it there). It is not sent anywhere.
  if (pid != st.provider_id)
    throw_provider_error(
        pid, ProviderError(ProviderFailure::kInvalidGrant,
                           "callback for " + pid + " of a sign-in with " + st.provider_id));

  if (auto error = opt_string(params, "error"))
    throw_provider_error(
        pid, provider_error(pid, *error, opt_string(params, "error_description").value_or("")));
  auto code = opt_string(params, "code");
  if (!code || code->empty())
    throw PlainError(400, "The OAuth provider did not send an authorization code.");

  ResolvedProvider p = resolve_or_throw(s, *config);
  TokenSet tokens;
  UserInfo info;
  try {
    tokens =
        s.runtime.providers->exchange_code(p, *code, st.code_verifier, s.runtime.callback_url(pid));
    info = s.runtime.providers->user_info(p, tokens, params, st.nonce);
  } catch (const ProviderError& e) {
    throw_provider_error(pid, e);
  }

  Identity identity;
  identity.provider_id = pid;
  identity.info = info;
  identity.tokens = provider_token_rows(s, project->id, pid, info.account_id, tokens,
                                        merge_scopes(p.base_scope, outer.provider_scope),
                                        p.default_token_lifetime_seconds);
  ResolvedAccount account = outer.link_user_id
                                ? link_identity(s, *project, identity, *outer.link_user_id)
                                : authenticate_identity(s, *project, identity);

  std::string outer_code = random_hex(32);  // 64 lower-case hex characters
  store::OAuthAuthorizationCode ac;
  ac.code_digest = sha256_hex(outer_code);
  ac.project_id = project->id;
  ac.branch_id = st.branch_id;
  ac.user_id = account.user_id;
  ac.redirect_uri = outer.redirect_uri;
  ac.code_challenge = outer.code_challenge;
  ac.code_challenge_method = outer.code_challenge_method;
  ac.new_user = account.new_user;
  ac.after_callback_redirect_url = outer.after_callback_redirect_url;
  ac.created_at_millis = s.clock.now_millis();
  ac.expires_at_millis = ac.created_at_millis + kAuthorizationCodeLifetimeMillis;
  s.store.oauth().insert_authorization_code(ac, ac.created_at_millis);
  return with_params(outer.redirect_uri, {{"code", outer_code}, {"state", outer.state}});
}

ExchangeResult exchange_authorization_code(FlowServices& s, const CodeExchange& x,
                                           const ClientInfo& client) {
  std::string digest = sha256_hex(x.code);
  auto row = s.store.oauth().get_authorization_code(digest);
  int64_t now = s.clock.now_millis();
  if (!row || row->expires_at_millis < now || row->project_id != x.project_id ||
      row->branch_id != x.branch_id || !x.code_verifier ||
      !pkce_matches(row->code_challenge_method, row->code_challenge, *x.code_verifier))
    throw errors::invalid_authorization_code();
  // Consumed before the remaining checks (§6.4); losing the race to a
  // concurrent exchange means the code was already used.
  if (!s.store.oauth().delete_authorization_code(digest))
    throw errors::invalid_authorization_code();
  if (!x.redirect_uri || !boost::urls::parse_uri(*x.redirect_uri))
    throw OAuthRequestError("Invalid request: `redirect_uri` is not a valid URI");
  if (*x.redirect_uri != row->redirect_uri) throw errors::redirect_url_not_whitelisted();
  auto user = s.store.users().get_user(row->project_id, row->user_id);
  if (!user) throw errors::invalid_authorization_code();  // deleted since the callback
  SessionServices ss{s.store, s.tokens, s.clock, s.activity};
  ExchangeResult out;
  out.session = sign_in(ss, row->project_id, row->branch_id, *user, client, row->new_user);
  out.new_user = row->new_user;
  out.after_callback_redirect_url = row->after_callback_redirect_url;
  return out;
}

std::string connected_account_access_token(FlowServices& s, const store::Project& project,
                                           const std::string& user_id,
                                           const std::string& provider_id,
                                           const std::optional<std::string>& scope) {
  auto config = find_provider_config(project.config, provider_id);
  if (!config) throw errors::oauth_provider_not_found_or_not_enabled();
  if (config->shared) throw errors::oauth_access_token_not_available_with_shared_oauth_keys();
  std::vector<store::OAuthAccount> accounts;
  for (auto& a : s.store.oauth().list_user_oauth_accounts(project.id, user_id))
    if (a.provider_id == provider_id) accounts.push_back(std::move(a));
  if (accounts.empty()) throw errors::oauth_connection_not_connected_to_user();

  // Scopes are space-separated, as the store keeps them.
  const auto wanted = store::split_scopes(scope.value_or(""));
  const int64_t now = s.clock.now_millis();
  auto& cipher = *s.runtime.cipher;
  // A stored access token that covers the scopes and lives long enough.
  for (const auto& a : accounts) {
    std::string context = token_context(project.id, provider_id, a.provider_account_id);
    for (const auto& t :
         s.store.oauth().list_provider_tokens(project.id, provider_id, a.provider_account_id)) {
      if (t.kind != store::OAuthTokenKind::kAccess || !covers(t.scopes, wanted)) continue;
      if (!t.expires_at_millis || *t.expires_at_millis < now + kAccessTokenMinRemainingMillis)
        continue;
      if (auto plain = cipher.open(t.token, context)) return *plain;
    }
  }
  // Otherwise a refresh token that covers them, refreshed at the provider.
  for (const auto& a : accounts) {
    std::string context = token_context(project.id, provider_id, a.provider_account_id);
    for (const auto& t :
         s.store.oauth().list_provider_tokens(project.id, provider_id, a.provider_account_id)) {
      if (t.kind != store::OAuthTokenKind::kRefresh || !covers(t.scopes, wanted)) continue;
      auto refresh_token = cipher.open(t.token, context);
      if (!refresh_token) continue;
      ResolvedProvider p = resolve_or_throw(s, *config);
      TokenSet fresh;
      try {
        fresh = s.runtime.providers->refresh(p, *refresh_token, scope);
      } catch (const ProviderError& e) {
        if (e.failure() == ProviderFailure::kInvalidGrant) {
          // Revoked or expired at the provider: useless from now on.
          s.store.oauth().delete_provider_token(project.id, t.id);
          throw errors::provider_rejected();
        }
        throw_provider_error(provider_id, e);
      }
      std::string granted;
      for (const auto& sc : t.scopes) granted += (granted.empty() ? "" : " ") + sc;
      auto rows = provider_token_rows(s, project.id, provider_id, a.provider_account_id, fresh,
                                      granted, p.default_token_lifetime_seconds,
                                      /*include_refresh=*/fresh.refresh_token.has_value());
      if (fresh.refresh_token && !fresh.scope) rows.back().scopes = t.scopes;
      s.store.oauth().add_provider_tokens(rows, s.clock.now_millis());
      // A rotated refresh token replaces the old one.
      if (fresh.refresh_token) s.store.oauth().delete_provider_token(project.id, t.id);
      return fresh.access_token;
    }
  }
  throw errors::oauth_connection_does_not_have_required_scope();
}

}  // namespace latchkey::core::oauth
