#include "core/oauth/accounts.hpp"

#include <sstream>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/users.hpp"

namespace latchkey::core::oauth {
namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string s; in >> s;) out.push_back(s);
  return out;
}

bool sign_up_enabled(const store::Project& p) {
  auto it = p.config.find("sign_up_enabled");
  return it == p.config.end() || !it->is_boolean() || it->get<bool>();
}

std::string merge_strategy(const store::Project& p) {
  auto it = p.config.find("oauth_account_merge_strategy");
  return it != p.config.end() && it->is_string() ? it->get<std::string>() : "link_method";
}

}  // namespace

std::string token_context(const std::string& project_id, const std::string& provider_id,
                          const std::string& account_id) {
  return project_id + '\n' + provider_id + '\n' + account_id;
}

std::vector<store::OAuthProviderToken> provider_token_rows(
    FlowServices& s, const std::string& project_id, const std::string& provider_id,
    const std::string& account_id, const TokenSet& t, const std::string& requested_scope,
    int64_t default_lifetime_seconds, bool include_refresh) {
  int64_t now = s.clock.now_millis();
  auto scopes = split(t.scope.value_or(requested_scope));
  std::string context = token_context(project_id, provider_id, account_id);
  std::vector<store::OAuthProviderToken> rows;
  store::OAuthProviderToken access;
  access.id = random_uuid();
  access.project_id = project_id;
  access.provider_id = provider_id;
  access.provider_account_id = account_id;
  access.kind = store::OAuthTokenKind::kAccess;
  access.token = s.runtime.cipher->seal(t.access_token, context);
  access.scopes = scopes;
  access.expires_at_millis = now + t.expires_in_seconds.value_or(default_lifetime_seconds) * 1000;
  access.created_at_millis = now;
  rows.push_back(access);
  if (include_refresh && t.refresh_token) {
    store::OAuthProviderToken refresh = access;
    refresh.id = random_uuid();
    refresh.kind = store::OAuthTokenKind::kRefresh;
    refresh.token = s.runtime.cipher->seal(*t.refresh_token, context);
    refresh.expires_at_millis.reset();
    rows.push_back(refresh);
  }
  return rows;
}

ResolvedAccount authenticate_identity(FlowServices& s, const store::Project& project,
                                      const Identity& id) {
  const UserInfo& info = id.info;
  // Two rounds: a concurrent callback for the same identity may create or
  // link it between our read and our write; the second round then finds it.
  for (int round = 0; round < 2; ++round) {
    int64_t now = s.clock.now_millis();
    if (auto existing =
            s.store.oauth().find_oauth_account(project.id, id.provider_id, info.account_id)) {
      // Signing in again does not touch the profile (§6.7).
      s.store.oauth().add_provider_tokens(id.tokens, now);
      return {existing->user_id, false};
    }
    if (!sign_up_enabled(project)) throw errors::sign_up_not_enabled();

    std::optional<std::string> email;
    if (info.email) email = normalize_email(*info.email);
    bool email_signs_in = email.has_value();
    if (email) {
      if (auto channel =
              s.store.contact_channels().find_auth_channel(project.id, "email", *email)) {
        std::string strategy = merge_strategy(project);
        if (strategy == "allow_duplicates") {
          email_signs_in = false;  // a second user, whose address does not sign in
        } else if (strategy == "link_method" && channel->is_verified && info.email_verified) {
          store::OAuthAccount account{project.id,       id.provider_id, info.account_id,
                                      channel->user_id, email,          now};
          auto status =
              s.store.oauth().link_oauth_account(account, /*exclusive=*/false, id.tokens, now);
          if (status == store::LinkOAuthAccountStatus::kLinked ||
              status == store::LinkOAuthAccountStatus::kAlreadyLinked)
            return {channel->user_id, false};
          continue;  // raced with another link or a deletion: look again
        } else {
          throw errors::contact_channel_already_used_for_auth_by_someone_else("email", *email);
        }
      }
    }

    NewUser n;
    n.display_name = info.display_name;
    n.profile_image_url = info.profile_image_url;
    n.primary_email = email;
    n.primary_email_verified = email && info.email_verified;
    n.primary_email_auth_enabled = email_signs_in;
    n.oauth_providers.push_back(store::UserOAuthProvider{id.provider_id, info.account_id, email});
    store::User user;
    try {
      user = create_user(s.store, s.clock, project.id, std::move(n));
    } catch (const KnownError& e) {
      if (e.code() == "OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER" && round == 0) continue;
      throw;
    }
    // The user and its link are one transaction; the tokens are a cache for
    // connected accounts and follow separately (the next sign-in refreshes
    // them if this write is lost).
    s.store.oauth().add_provider_tokens(id.tokens, s.clock.now_millis());
    return {user.id, true};
  }
  throw errors::oauth_connection_already_connected_to_another_user();
}

ResolvedAccount link_identity(FlowServices& s, const store::Project& project, const Identity& id,
                              const std::string& user_id) {
  int64_t now = s.clock.now_millis();
  std::optional<std::string> email;
  if (id.info.email) email = normalize_email(*id.info.email);
  store::OAuthAccount account{project.id, id.provider_id, id.info.account_id, user_id, email, now};
  switch (s.store.oauth().link_oauth_account(account, /*exclusive=*/true, id.tokens, now)) {
    case store::LinkOAuthAccountStatus::kLinked:
    case store::LinkOAuthAccountStatus::kAlreadyLinked:
      return {user_id, false};
    case store::LinkOAuthAccountStatus::kLinkedToAnotherUser:
      throw errors::oauth_connection_already_connected_to_another_user();
    case store::LinkOAuthAccountStatus::kUserHasAnotherAccount:
      throw errors::user_already_connected_to_another_oauth_connection();
    case store::LinkOAuthAccountStatus::kUserNotFound:
      break;
  }
  throw errors::user_not_found();
}

}  // namespace latchkey::core::oauth
