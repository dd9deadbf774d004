#include "core/users.hpp"

#include <algorithm>
#include <cctype>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/teams.hpp"
#include "core/webhooks.hpp"

namespace latchkey::core {

std::string_view restricted_reason_type(RestrictedReason reason) {
  switch (reason) {
    case RestrictedReason::kAnonymous:
      return "anonymous";
    case RestrictedReason::kEmailNotVerified:
      return "email_not_verified";
    case RestrictedReason::kRestrictedByAdministrator:
      return "restricted_by_administrator";
  }
  return "anonymous";
}

bool requires_email_verification(const Json& config) {
  if (!config.is_object()) return false;
  auto it = config.find(kRequireEmailVerification);
  return it != config.end() && it->is_boolean() && it->get<bool>();
}

std::optional<RestrictedReason> restricted_reason(bool is_anonymous, bool primary_email_verified,
                                                  bool require_email_verification,
                                                  bool restricted_by_admin) {
  if (is_anonymous) return RestrictedReason::kAnonymous;
  // Before the administrator's restriction: the user can act on this one.
  if (require_email_verification && !primary_email_verified)
    return RestrictedReason::kEmailNotVerified;
  if (restricted_by_admin) return RestrictedReason::kRestrictedByAdministrator;
  return std::nullopt;
}

std::optional<RestrictedReason> restricted_reason(const store::User& u, const Json& config) {
  return restricted_reason(u.is_anonymous, u.primary_email.has_value() && u.primary_email_verified,
                           requires_email_verification(config), u.restricted_by_admin);
}

namespace {

// user_view with this process's unwritten activity of the user given
// (`recent`), so that webhook payloads, rendered where no recorder is at
// hand, share it.
Json render_user(const store::User& u, bool server_shape, std::optional<int64_t> recent,
                 const Json& project_config, ApiShape shape) {
  auto opt = [](const std::optional<std::string>& s) { return s ? Json(*s) : Json(); };
  bool has_password = u.password_hash.has_value();
  Json j;
  j["id"] = u.id;
  j["display_name"] = opt(u.display_name);
  j["primary_email"] = opt(u.primary_email);
  j["primary_email_verified"] = u.primary_email.has_value() && u.primary_email_verified;
  if (server_shape)
    j["primary_email_auth_enabled"] = u.primary_email.has_value() && u.primary_email_auth_enabled;
  j["profile_image_url"] = opt(u.profile_image_url);
  j["signed_up_at_millis"] = u.created_at_millis;
  if (server_shape) {
    int64_t last_active = std::max(u.last_active_at_millis, u.created_at_millis);
    // The stored value may lag this process's own recent token issuances.
    if (recent) last_active = std::max(last_active, *recent);
    j["last_active_at_millis"] = last_active;
  }
  j["is_anonymous"] = u.is_anonymous;
  j["client_metadata"] = u.client_metadata;
  j["client_read_only_metadata"] = u.client_read_only_metadata;
  if (server_shape) j["server_metadata"] = u.server_metadata;
  j["has_password"] = has_password;
  j["otp_auth_enabled"] = u.otp_auth_enabled;
  j["passkey_auth_enabled"] = u.passkey_auth_enabled;
  j["auth_with_email"] = has_password || u.otp_auth_enabled;
  j["requires_totp_mfa"] = u.requires_totp_mfa;
  Json oauth = Json::array();
  for (const auto& o : u.oauth_providers)
    oauth.push_back(
        Json{{"id", o.provider_id}, {"account_id", o.account_id}, {"email", opt(o.email)}});
  j["oauth_providers"] = oauth;
  j["selected_team_id"] = opt(u.selected_team_id);
  j["selected_team"] = u.selected_team ? team_view(*u.selected_team, server_shape) : Json();
  if (shape == ApiShape::kReference) return j;
  auto restricted = restricted_reason(u, project_config);
  j["is_restricted"] = restricted.has_value();
  j["restricted_reason"] =
      restricted ? Json{{"type", restricted_reason_type(*restricted)}} : Json();
  j["restricted_by_admin"] = u.restricted_by_admin;
  j["restricted_by_admin_reason"] = opt(u.restricted_by_admin_reason);
  if (server_shape) {
    j["restricted_by_admin_private_details"] = opt(u.restricted_by_admin_private_details);
    // Stack reads the sign-up country from its CDN's geo headers and scores
    // sign-ups with its own risk engine; Latchkey has neither, so these are
    // what a server set (null and 0 until then).
    j["country_code"] = opt(u.country_code);
    j["risk_scores"] = Json{{"sign_up", Json{{"bot", u.risk_score_bot},
                                             {"free_trial_abuse", u.risk_score_free_trial_abuse}}}};
  }
  return j;
}

}  // namespace

Json user_view(const store::User& u, bool server_shape, const UserViewContext& view) {
  std::optional<int64_t> recent;
  if (server_shape) recent = view.activity.last_active(u.project_id, u.id);
  return render_user(u, server_shape, recent, view.project_config, view.shape);
}

Json user_event_view(const store::User& u) {
  return render_user(u, true, std::nullopt, Json(), ApiShape::kReference);
}

std::optional<store::User> find_user(store::Store& store, const std::string& project_id,
                                     const std::string& user_id) {
  return store.users().get_user(project_id, user_id);
}

bool auth_email_in_use(store::Store& store, const std::string& project_id,
                       const std::string& normalized_email) {
  return store.users().find_user_by_auth_email(project_id, normalized_email).has_value();
}

std::string normalize_email(std::string_view email) {
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.front())))
    email.remove_prefix(1);
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.back())))
    email.remove_suffix(1);
  std::string out(email);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

store::User create_user(store::Store& store, const Clock& clock, const std::string& project_id,
                        NewUser n) {
  store::User u;
  u.id = n.id ? *n.id : random_uuid();
  u.project_id = project_id;
  u.display_name = n.display_name && !n.display_name->empty() ? n.display_name : std::nullopt;
  u.profile_image_url = n.profile_image_url;
  if (n.primary_email) u.primary_email = normalize_email(*n.primary_email);
  u.primary_email_verified = n.primary_email_verified;
  u.primary_email_auth_enabled = n.primary_email_auth_enabled;
  u.password_hash = n.password_hash;
  u.otp_auth_enabled = n.otp_auth_enabled;
  u.is_anonymous = n.is_anonymous;
  u.client_metadata = n.client_metadata;
  u.client_read_only_metadata = n.client_read_only_metadata;
  u.server_metadata = n.server_metadata;
  u.totp_secret = n.totp_secret;
  u.restricted_by_admin = n.restricted_by_admin;
  u.restricted_by_admin_reason = n.restricted_by_admin_reason;
  u.restricted_by_admin_private_details = n.restricted_by_admin_private_details;
  u.country_code = n.country_code;
  u.risk_score_bot = n.risk_score_bot;
  u.risk_score_free_trial_abuse = n.risk_score_free_trial_abuse;
  u.oauth_providers = n.oauth_providers;
  u.created_at_millis = clock.now_millis();
  u.last_active_at_millis = u.created_at_millis;
  // Default project permissions and the personal team (users.md §7 steps
  // 7–8) are written with the user, in one transaction.
  store::NewUserExtras extras;
  if (auto project = store.projects().get_project(project_id))
    extras = new_user_extras(store, *project, u);
  if (extras.personal_team) {
    // The reference answers with the user as read before the team existed
    // (selected_team null, quirk); Latchkey shows the selection right away.
    store::Team t;
    t.id = extras.personal_team->id;
    t.project_id = project_id;
    t.display_name = extras.personal_team->display_name;
    t.created_at_millis = u.created_at_millis;
    u.selected_team_id = t.id;
    u.selected_team = t;
  }
  if (n.first_session) {
    extras.first_session = std::move(n.first_session);
    extras.first_session->user_id = u.id;
  }
  // As Stack: the personal team's team.created (its creator's membership
  // emits nothing), then user.created with the user as the API shows it.
  if (u.selected_team)
    extras.events.push_back(
        webhooks::event(project_id, webhooks::kTeamCreated, team_view(*u.selected_team, true)));
  extras.events.push_back(webhooks::event(project_id, webhooks::kUserCreated, user_event_view(u)));
  switch (store.users().create_user(u, extras)) {
    case store::CreateUserStatus::kCreated:
      break;
    case store::CreateUserStatus::kEmailInUse:
      throw errors::user_email_already_exists(*u.primary_email);
    case store::CreateUserStatus::kOAuthAccountInUse:
      throw errors::oauth_connection_already_connected_to_another_user();
  }
  return u;
}

namespace {

bool config_flag(const store::Project& project, const char* key, bool fallback) {
  if (!project.config.is_object()) return fallback;
  auto it = project.config.find(key);
  return it != project.config.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

[[noreturn]] void bad_request(std::string message) { throw PlainError(400, std::move(message)); }

void check_password_fields(bool has_password, const std::optional<std::string>& password_hash) {
  if (has_password && password_hash)
    bad_request("Cannot set both password and password_hash at the same time.");
  if (password_hash && !is_importable_password_hash(*password_hash))
    bad_request(
        "Invalid password hash. Make sure it's a supported algorithm in Modular Crypt Format.");
}

}  // namespace

bool is_importable_password_hash(std::string_view hash) {
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$')
    return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (!std::isdigit(static_cast<unsigned char>(hash[4])) ||
      !std::isdigit(static_cast<unsigned char>(hash[5])))
    return false;
  int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  // 4 is bcrypt's minimum; above 16 a single verification would tie up a
  // hashing thread for seconds.
  if (cost < 4 || cost > 16) return false;
  for (char c : hash.substr(7)) {
    bool ok = c == '.' || c == '/' || std::isalnum(static_cast<unsigned char>(c));
    if (!ok) return false;
  }
  return true;
}

store::User create_user_from_api(store::Store& store, const Clock& clock,
                                 const store::Project& project, CreateUserRequest r,
                                 const PasswordHashFn& hash_password) {
  NewUser& n = r.user;
  if (n.primary_email) n.primary_email = normalize_email(*n.primary_email);
  check_password_fields(r.password.has_value(), n.password_hash);
  if (!n.primary_email && n.primary_email_auth_enabled)
    bad_request("primary_email_auth_enabled cannot be true without primary_email");
  if (!n.primary_email && n.primary_email_verified)
    bad_request("primary_email_verified cannot be true without primary_email");
  // Checked again atomically by the store; here so that the 409 wins over
  // the project checks below, as in the reference.
  if (n.primary_email && n.primary_email_auth_enabled &&
      store.users().find_user_by_auth_email(project.id, *n.primary_email))
    throw errors::user_email_already_exists(*n.primary_email);
  for (const auto& link : r.oauth_providers) {
    bool configured = false;
    if (project.config.contains("oauth_providers") && project.config["oauth_providers"].is_array())
      for (const auto& p : project.config["oauth_providers"])
        if (p.is_object() && p.value("id", "") == link.id) configured = true;
    if (!configured) bad_request("OAuth provider " + link.id + " not found");
  }
  // Each becomes an OAuth account that signs in (and serves connected
  // accounts), written with the user.
  for (const auto& link : r.oauth_providers)
    n.oauth_providers.push_back(store::UserOAuthProvider{link.id, link.account_id, link.email});
  if ((r.password || n.password_hash) && !config_flag(project, "credential_enabled", true))
    bad_request("Password auth not enabled in the project");
  if (n.otp_auth_enabled && !config_flag(project, "magic_link_enabled", false))
    bad_request("OTP auth not enabled in the project");
  if (r.password) n.password_hash = hash_password(*r.password);
  return create_user(store, clock, project.id, std::move(n));
}

store::User update_user(store::Store& store, const Clock& clock, const store::Project& project,
                        const std::string& user_id, const UserPatch& p,
                        const PasswordHashFn& hash_password) {
  check_password_fields(p.password.has_value(), p.password_hash);
  auto current = store.users().get_user(project.id, user_id);
  if (!current) throw errors::user_not_found();
  // Checked again by the store, in the transaction that selects the team.
  if (p.selected_team_id && *p.selected_team_id &&
      !store.teams().get_member(project.id, **p.selected_team_id, user_id))
    throw errors::team_membership_not_found(**p.selected_team_id, user_id);

  // E-mail and auth consistency (users.md §3.2), on the values this PATCH
  // leaves behind.
  std::optional<std::optional<std::string>> new_email;
  if (p.primary_email)
    new_email = *p.primary_email ? std::optional(normalize_email(**p.primary_email)) : std::nullopt;
  const bool removing = new_email && !*new_email;
  const bool had_email = current->primary_email.has_value();
  const std::optional<std::string> email = new_email ? *new_email : current->primary_email;
  const bool auth = p.primary_email_auth_enabled.value_or(!removing && had_email &&
                                                          current->primary_email_auth_enabled);
  if (!email) {
    if (p.primary_email_auth_enabled == true)
      bad_request("primary_email_auth_enabled cannot be true without primary_email");
    if (p.primary_email_verified == true)
      bad_request("primary_email_verified cannot be true without primary_email");
    // The reference fails with a 500 here (no channel to update).
    if (!removing && p.primary_email_auth_enabled)
      bad_request("primary_email_auth_enabled cannot be set without primary_email");
    if (!removing && p.primary_email_verified)
      bad_request("primary_email_verified cannot be set without primary_email");
  }
  if (email && auth) {
    const bool changed = !had_email || *email != *current->primary_email;
    if (changed || !current->primary_email_auth_enabled) {
      auto holder = store.users().find_user_by_auth_email(project.id, *email);
      if (holder && (holder->id != user_id || changed))
        throw errors::user_email_already_exists(*email);
    }
  }

  // Checks of the write phase, in the reference's order.
  if (p.otp_auth_enabled == true && !current->otp_auth_enabled &&
      !config_flag(project, "magic_link_enabled", false))
    bad_request("OTP auth not enabled in the project");
  if (p.passkey_auth_enabled == true)
    bad_request(
        "Cannot manually enable passkey auth, it is enabled iff there is a passkey auth method");
  const bool sets_password = (p.password && *p.password) || p.password_hash;
  if (sets_password && !current->password_hash) {
    if (!config_flag(project, "credential_enabled", true))
      bad_request("Password auth not enabled in the project");
    if (!email) bad_request("password is set but primary_email is not set");
  }

  store::UserUpdate up;
  if (p.display_name)
    up.display_name =
        *p.display_name && !(*p.display_name)->empty() ? *p.display_name : std::nullopt;
  up.profile_image_url = p.profile_image_url;
  up.client_metadata = p.client_metadata;
  up.client_read_only_metadata = p.client_read_only_metadata;
  up.server_metadata = p.server_metadata;
  up.primary_email = new_email;
  if (!removing) {
    up.primary_email_verified = p.primary_email_verified;
    up.primary_email_auth_enabled = p.primary_email_auth_enabled;
  }
  up.otp_auth_enabled = p.otp_auth_enabled;
  // passkey_auth_enabled: false deletes the user's passkey (users.md §3.2).
  up.delete_passkey = p.passkey_auth_enabled == false;
  up.totp_secret = p.totp_secret;
  up.is_anonymous = p.is_anonymous;
  up.selected_team_id = p.selected_team_id;
  up.restricted_by_admin = p.restricted_by_admin;
  up.restricted_by_admin_reason = p.restricted_by_admin_reason;
  up.restricted_by_admin_private_details = p.restricted_by_admin_private_details;
  if (p.restricted_by_admin == false) {  // lifted: nothing of it is kept, as in Stack
    up.restricted_by_admin_reason.emplace(std::nullopt);
    up.restricted_by_admin_private_details.emplace(std::nullopt);
  }
  up.country_code = p.country_code;
  up.risk_score_bot = p.risk_score_bot;
  up.risk_score_free_trial_abuse = p.risk_score_free_trial_abuse;
  if (p.password)
    up.password_hash = *p.password ? std::optional(hash_password(**p.password)) : std::nullopt;
  else if (p.password_hash)
    up.password_hash = *p.password_hash;
  // Any password change signs the user out everywhere, null included.
  up.delete_sessions = p.password.has_value() || p.password_hash.has_value();
  up.now_millis = clock.now_millis();
  up.events = [&](const store::User& after) {
    return store::WebhookEvents{
        webhooks::event(project.id, webhooks::kUserUpdated, user_event_view(after))};
  };

  switch (store.users().update_user(project.id, user_id, up)) {
    case store::UpdateUserStatus::kUpdated:
      break;
    case store::UpdateUserStatus::kNotFound:
      throw errors::user_not_found();
    case store::UpdateUserStatus::kEmailInUse:
      throw errors::user_email_already_exists(*email);
    case store::UpdateUserStatus::kContactChannelExists:
      bad_request("Contact channel already exists");
    case store::UpdateUserStatus::kNotTeamMember:
      throw errors::team_membership_not_found(**p.selected_team_id, user_id);
  }
  auto fresh = store.users().get_user(project.id, user_id);
  if (!fresh) throw errors::user_not_found();  // deleted concurrently
  return *fresh;
}

void delete_user(store::Store& store, const std::string& project_id, const std::string& user_id) {
  // As Stack: team_membership.deleted for each team the user leaves, then
  // user.deleted.
  auto events = [&](const std::vector<std::string>& team_ids) {
    store::WebhookEvents out;
    for (const auto& team_id : team_ids)
      out.push_back(webhooks::event(project_id, webhooks::kTeamMembershipDeleted,
                                    webhooks::membership_data(team_id, user_id)));
    out.push_back(webhooks::event(project_id, webhooks::kUserDeleted,
                                  webhooks::user_deleted_data(user_id, team_ids)));
    return out;
  };
  if (!store.users().delete_user(project_id, user_id, events)) throw errors::user_not_found();
}

UserPage list_users(store::Store& store, const std::string& project_id, const UserListRequest& r) {
  store::ListUsersQuery q;
  q.limit = r.limit;
  q.cursor = r.cursor;
  q.desc = r.desc;
  q.team_id = r.team_id;
  if (r.query && !r.query->empty()) {
    q.text = *r.query;
    // The query may also name a user id, with any decoration around it.
    std::string id;
    for (char c : *r.query)
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')
        id.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (is_uuid(id)) q.text_id = id;
  }
  store::UserList list;
  try {
    list = store.users().list_users(project_id, q);
  } catch (const store::StatementTimedOut&) {
    throw errors::search_timeout(store::kSearchTimeLimitMillis);
  }
  UserPage page;
  page.items = std::move(list.users);
  if (r.limit && page.items.size() > static_cast<size_t>(*r.limit)) {
    page.next_cursor = page.items[static_cast<size_t>(*r.limit)].id;
    page.items.resize(static_cast<size_t>(*r.limit));
  } else {
    // A search that walked its budget out: a shorter page (maybe empty)
    // whose next page starts where the walk stopped.
    page.next_cursor = std::move(list.resume_at);
  }
  return page;
}

}  // namespace latchkey::core
