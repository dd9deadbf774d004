#include "core/oauth/user_info.hpp"

#include <cmath>

namespace latchkey::core::oauth {
namespace {

const Json* member(const Json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

std::optional<std::string> str(const Json& o, const char* key) {
  const Json* v = member(o, key);
  if (!v || !v->is_string() || v->get_ref<const std::string&>().empty()) return std::nullopt;
  return v->get<std::string>();
}

// Account ids arrive as strings or (GitHub, GitLab) as numbers.
std::string account_id(const Json& o, const char* key, const char* provider) {
  const Json* v = member(o, key);
  if (v && v->is_string() && !v->get_ref<const std::string&>().empty())
    return v->get<std::string>();
  if (v && v->is_number_integer()) return v->dump();
  if (v && v->is_number_float() && std::floor(v->get<double>()) == v->get<double>())
    return std::to_string(static_cast<long long>(v->get<double>()));
  throw ProviderError(ProviderFailure::kFailed,
                      std::string(provider) + " returned user information without an account id");
}

// Some providers send booleans as strings ("true"), Apple among them.
bool flag(const Json& o, const char* key) {
  const Json* v = member(o, key);
  if (!v) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string()) return v->get_ref<const std::string&>() == "true";
  return false;
}

// An address the user store can hold: anything with a local part and a
// domain. Providers are trusted for the rest.
std::optional<std::string> email_value(std::optional<std::string> e) {
  if (!e) return std::nullopt;
  auto at = e->find('@');
  if (at == 0 || at == std::string::npos || at + 1 == e->size() ||
      e->find_first_of(" \t\r\n") != std::string::npos)
    return std::nullopt;
  return e;
}

// Pictures are shown as profile_image_url: only web URLs without spaces.
std::optional<std::string> picture(std::optional<std::string> url) {
  if (!url) return std::nullopt;
  if (url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) return std::nullopt;
  if (url->find_first_of(" \t\r\n") != std::string::npos) return std::nullopt;
  return url;
}

std::optional<std::string> first_of(std::initializer_list<std::optional<std::string>> values) {
  for (const auto& v : values)
    if (v) return v;
  return std::nullopt;
}

}  // namespace

UserInfo map_openid_claims(const Json& c) {
  UserInfo u;
  u.account_id = account_id(c, "sub", "The OpenID provider");
  u.email = email_value(str(c, "email"));
  u.email_verified = u.email && flag(c, "email_verified");
  std::optional<std::string> full;
  if (auto given = str(c, "given_name")) {
    full = *given;
    if (auto family = str(c, "family_name")) *full += " " + *family;
  }
  u.display_name =
      first_of({str(c, "name"), full, str(c, "preferred_username"), str(c, "nickname")});
  u.profile_image_url = picture(str(c, "picture"));
  return u;
}

UserInfo map_google(const Json& userinfo) { return map_openid_claims(userinfo); }

UserInfo map_mock(const Json& userinfo) {
  UserInfo u;
  u.account_id = account_id(userinfo, "sub", "The mock OAuth server");
  u.email = email_value(str(userinfo, "sub"));
  u.email_verified = u.email.has_value();
  u.display_name = str(userinfo, "name");
  u.profile_image_url = picture(str(userinfo, "picture"));
  return u;
}

UserInfo map_linkedin(const Json& userinfo) { return map_openid_claims(userinfo); }

UserInfo map_github(const Json& user, const Json& emails) {
  UserInfo u;
  u.account_id = account_id(user, "id", "GitHub");
  u.display_name = first_of({str(user, "name"), str(user, "login")});
  u.profile_image_url = picture(str(user, "avatar_url"));
  // The profile's `email` is the public one (often null); the primary
  // address and whether GitHub verified it come from /user/emails.
  if (emails.is_array()) {
    for (const auto& e : emails) {
      if (!flag(e, "primary")) continue;
      u.email = email_value(str(e, "email"));
      u.email_verified = u.email && flag(e, "verified");
      break;
    }
  }
  if (!u.email) {
    u.email = email_value(str(user, "email"));
    u.email_verified = false;
  }
  return u;
}

UserInfo map_facebook(const Json& me) {
  UserInfo u;
  u.account_id = account_id(me, "id", "Facebook");
  u.display_name = str(me, "name");
  u.email = email_value(str(me, "email"));
  if (!u.email)
    throw ProviderError(ProviderFailure::kMissingEmail, "Facebook returned no e-mail address");
  u.email_verified = false;  // Facebook does not say
  if (const Json* p = member(me, "picture"))
    if (const Json* d = member(*p, "data")) u.profile_image_url = picture(str(*d, "url"));
  return u;
}

UserInfo map_microsoft(const Json& me) {
  UserInfo u;
  u.account_id = account_id(me, "id", "Microsoft");
  u.display_name = str(me, "displayName");
  u.email = email_value(first_of({str(me, "mail"), str(me, "userPrincipalName")}));
  // Tenants may set any address on an account: never proof of ownership.
  u.email_verified = false;
  return u;
}

UserInfo map_spotify(const Json& me) {
  UserInfo u;
  u.account_id = account_id(me, "id", "Spotify");
  u.display_name = str(me, "display_name");
  u.email = email_value(str(me, "email"));
  u.email_verified = false;  // Spotify documents it as unverified
  if (const Json* images = member(me, "images"); images && images->is_array() && !images->empty())
    u.profile_image_url = picture(str((*images)[0], "url"));
  return u;
}

UserInfo map_discord(const Json& me) {
  UserInfo u;
  u.account_id = account_id(me, "id", "Discord");
  u.display_name = first_of({str(me, "global_name"), str(me, "username")});
  u.email = email_value(str(me, "email"));
  u.email_verified = u.email && flag(me, "verified");
  if (auto hash = str(me, "avatar")) {
    const char* ext = hash->rfind("a_", 0) == 0 ? "gif" : "png";
    u.profile_image_url =
        picture("https://cdn.discordapp.com/avatars/" + u.account_id + "/" + *hash + "." + ext);
  }
  return u;
}

UserInfo map_gitlab(const Json& user, const Json& emails) {
  UserInfo u;
  u.account_id = account_id(user, "id", "GitLab");
  u.display_name = first_of({str(user, "name"), str(user, "username")});
  u.profile_image_url = picture(str(user, "avatar_url"));
  u.email = email_value(str(user, "email"));
  if (u.email && emails.is_array()) {
    for (const auto& e : emails) {
      if (str(e, "email") != *u.email) continue;
      const Json* confirmed = member(e, "confirmed_at");
      u.email_verified = confirmed && confirmed->is_string();
      break;
    }
  }
  return u;
}

UserInfo map_bitbucket(const Json& user, const Json& emails) {
  UserInfo u;
  u.account_id = account_id(user, "account_id", "Bitbucket");
  u.display_name = first_of({str(user, "display_name"), str(user, "nickname")});
  if (const Json* links = member(user, "links"))
    if (const Json* avatar = member(*links, "avatar"))
      u.profile_image_url = picture(str(*avatar, "href"));
  const Json* values = member(emails, "values");
  if (values && values->is_array() && !values->empty()) {
    const Json* chosen = &(*values)[0];
    for (const auto& e : *values)
      if (flag(e, "is_primary")) {
        chosen = &e;
        break;
      }
    u.email = email_value(str(*chosen, "email"));
    u.email_verified = u.email && flag(*chosen, "is_confirmed");
  }
  return u;
}

UserInfo map_apple(const Json& claims, const Json& user_field) {
  UserInfo u;
  u.account_id = account_id(claims, "sub", "Apple");
  u.email = email_value(str(claims, "email"));
  u.email_verified = u.email && flag(claims, "email_verified");
  if (const Json* name = member(user_field, "name")) {
    std::string full;
    for (const char* part : {"firstName", "lastName"})
      if (auto v = str(*name, part)) full += (full.empty() ? "" : " ") + *v;
    if (!full.empty()) u.display_name = full;
  }
  return u;
}

UserInfo map_x(const Json& me) {
  const Json* data = member(me, "data");
  const Json& d = data ? *data : me;
  UserInfo u;
  u.account_id = account_id(d, "id", "X");
  u.display_name = first_of({str(d, "name"), str(d, "username")});
  u.profile_image_url = picture(str(d, "profile_image_url"));
  return u;
}

UserInfo map_twitch(const Json& users) {
  const Json* data = member(users, "data");
  if (!data || !data->is_array() || data->empty())
    throw ProviderError(ProviderFailure::kFailed, "Twitch returned no user");
  const Json& d = (*data)[0];
  UserInfo u;
  u.account_id = account_id(d, "id", "Twitch");
  u.display_name = first_of({str(d, "display_name"), str(d, "login")});
  u.profile_image_url = picture(str(d, "profile_image_url"));
  // Helix only discloses the address once the user has verified it.
  u.email = email_value(str(d, "email"));
  u.email_verified = u.email.has_value();
  return u;
}

}  // namespace latchkey::core::oauth
