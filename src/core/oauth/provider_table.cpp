#include "core/oauth/provider_table.hpp"

namespace latchkey::core::oauth {

const std::vector<ProviderSpec>& provider_specs() {
  static const std::vector<ProviderSpec> table = {
      {.id = "google",
       .authorize = "https://accounts.google.com/o/oauth2/v2/auth",
       .token = "https://oauth2.googleapis.com/token",
       .userinfo = "https://openidconnect.googleapis.com/v1/userinfo",
       .scope = "https://www.googleapis.com/auth/userinfo.email "
                "https://www.googleapis.com/auth/userinfo.profile",
       .extra = {{"prompt", "consent"}, {"include_granted_scopes", "true"}}},
      {.id = "github",
       .authorize = "https://github.com/login/oauth/authorize",
       .token = "https://github.com/login/oauth/access_token",
       .userinfo = "https://api.github.com/user",
       .emails = "https://api.github.com/user/emails",
       .scope = "user:email",
       .auth = ClientAuth::kPost,
       .lifetime_seconds = 8 * 3600},
      {.id = "microsoft",
       .authorize = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
       .token = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
       .userinfo = "https://graph.microsoft.com/v1.0/me",
       .scope = "User.Read openid",
       .auth = ClientAuth::kPost},
      {.id = "spotify",
       .authorize = "https://accounts.spotify.com/authorize",
       .token = "https://accounts.spotify.com/api/token",
       .userinfo = "https://api.spotify.com/v1/me",
       .scope = "user-read-email user-read-private"},
      {.id = "facebook",
       .authorize = "https://www.facebook.com/v20.0/dialog/oauth",
       .token = "https://graph.facebook.com/v20.0/oauth/access_token",
       .userinfo = "https://graph.facebook.com/v20.0/me?fields=id,name,email,picture",
       .scope = "openid public_profile email",
       .auth = ClientAuth::kPost},
      {.id = "discord",
       .authorize = "https://discord.com/oauth2/authorize",
       .token = "https://discord.com/api/oauth2/token",
       .userinfo = "https://discord.com/api/users/@me",
       .scope = "identify email"},
      {.id = "gitlab",
       .authorize = "https://gitlab.com/oauth/authorize",
       .token = "https://gitlab.com/oauth/token",
       .userinfo = "https://gitlab.com/api/v4/user",
       .emails = "https://gitlab.com/api/v4/user/emails",
       .scope = "read_user"},
      {.id = "bitbucket",
       .authorize = "https://bitbucket.org/site/oauth2/authorize",
       .token = "https://bitbucket.org/site/oauth2/access_token",
       .userinfo = "https://api.bitbucket.org/2.0/user",
       .emails = "https://api.bitbucket.org/2.0/user/emails",
       .scope = "account email"},
      // LinkedIn supports no PKCE for web apps and wants the secret in the body.
      {.id = "linkedin",
       .authorize = "https://www.linkedin.com/oauth/v2/authorization",
       .token = "https://www.linkedin.com/oauth/v2/accessToken",
       .userinfo = "https://api.linkedin.com/v2/userinfo",
       .scope = "openid profile email",
       .auth = ClientAuth::kPost,
       .pkce = false},
      {.id = "apple",
       .authorize = "https://appleid.apple.com/auth/authorize",
       .token = "https://appleid.apple.com/auth/token",
       .jwks = "https://appleid.apple.com/auth/keys",
       .issuer = "https://appleid.apple.com",
       .scope = "name email",
       .auth = ClientAuth::kPost,
       .form_post = true,
       .extra = {{"response_mode", "form_post"}}},
      {.id = "x",
       .authorize = "https://twitter.com/i/oauth2/authorize",
       .token = "https://api.x.com/2/oauth2/token",
       .userinfo = "https://api.x.com/2/users/me?user.fields=id,name,username,profile_image_url",
       .scope = "users.read offline.access tweet.read",
       .lifetime_seconds = 7200},
      // Twitch documents neither PKCE nor Basic client authentication.
      {.id = "twitch",
       .authorize = "https://id.twitch.tv/oauth2/authorize",
       .token = "https://id.twitch.tv/oauth2/token",
       .userinfo = "https://api.twitch.tv/helix/users",
       .scope = "user:read:email",
       .auth = ClientAuth::kPost,
       .pkce = false},
  };
  return table;
}

const ProviderSpec* find_provider_spec(std::string_view id) {
  for (const auto& s : provider_specs())
    if (id == s.id) return &s;
  return nullptr;
}

}  // namespace latchkey::core::oauth
