#include "core/user_transfer.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/crypto.hpp"
#include "core/passwords.hpp"
#include "core/users.hpp"

namespace latchkey::core {

namespace {

// A line that cannot be imported; the message says why.
struct Skip : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Json opt(const std::optional<std::string>& v) { return v ? Json(*v) : Json(); }

// Typed reads of an imported object: a field of the wrong type skips the
// line, naming it.
struct Fields {
  const Json& j;

  bool has(const char* name) const { return j.contains(name) && !j[name].is_null(); }
  std::optional<std::string> text(const char* name) const {
    if (!has(name)) return std::nullopt;
    if (!j[name].is_string()) throw Skip(std::string(name) + " must be a string or null");
    return j[name].get<std::string>();
  }
  bool flag(const char* name, bool fallback = false) const {
    if (!has(name)) return fallback;
    if (!j[name].is_boolean()) throw Skip(std::string(name) + " must be true or false");
    return j[name].get<bool>();
  }
  int64_t integer(const char* name, int64_t fallback) const {
    if (!has(name)) return fallback;
    if (!j[name].is_number_integer()) throw Skip(std::string(name) + " must be an integer");
    return j[name].get<int64_t>();
  }
  Json metadata(const char* name) const { return has(name) ? j[name] : Json(); }
  const Json& list(const char* name) const {
    static const Json empty = Json::array();
    if (!has(name)) return empty;
    if (!j[name].is_array()) throw Skip(std::string(name) + " must be an array");
    return j[name];
  }
};

Json channel_json(const store::ContactChannel& c) {
  return Json{{"type", c.type},
              {"value", c.value},
              {"is_primary", c.is_primary},
              {"is_verified", c.is_verified},
              {"used_for_auth", c.used_for_auth}};
}

Json user_json(store::Store& store, const store::User& u) {
  // The primary channel first, then the others oldest first (an import
  // dates the others by when it ran: this order survives a round trip).
  auto list = store.contact_channels().list_contact_channels(u.project_id, u.id, {});
  std::stable_partition(list.begin(), list.end(),
                        [](const store::ContactChannel& c) { return c.is_primary; });
  Json channels = Json::array();
  for (const auto& c : list) channels.push_back(channel_json(c));
  Json oauth = Json::array();
  for (const auto& a : store.oauth().list_user_oauth_accounts(u.project_id, u.id))
    oauth.push_back(Json{
        {"id", a.provider_id}, {"account_id", a.provider_account_id}, {"email", opt(a.email)}});
  Json teams = Json::array();
  for (const auto& t : store.teams().list_teams(u.project_id, u.id))
    teams.push_back(Json{{"id", t.id},
                         {"display_name", t.display_name},
                         {"profile_image_url", opt(t.profile_image_url)}});
  return Json{
      {"id", u.id},
      {"display_name", opt(u.display_name)},
      {"profile_image_url", opt(u.profile_image_url)},
      {"signed_up_at_millis", u.created_at_millis},
      {"last_active_at_millis", u.last_active_at_millis},
      {"is_anonymous", u.is_anonymous},
      {"client_metadata", u.client_metadata},
      {"client_read_only_metadata", u.client_read_only_metadata},
      {"server_metadata", u.server_metadata},
      {"primary_email", opt(u.primary_email)},
      {"primary_email_verified", u.primary_email_verified},
      {"primary_email_auth_enabled", u.primary_email_auth_enabled},
      {"otp_auth_enabled", u.otp_auth_enabled},
      {"password_hash", opt(u.password_hash)},
      {"requires_totp_mfa", u.totp_secret.has_value()},
      {"totp_secret_base64", u.totp_secret ? Json(base64_encode(*u.totp_secret)) : Json()},
      {"restricted_by_admin", u.restricted_by_admin},
      {"restricted_by_admin_reason", opt(u.restricted_by_admin_reason)},
      {"restricted_by_admin_private_details", opt(u.restricted_by_admin_private_details)},
      {"country_code", opt(u.country_code)},
      {"risk_score_bot", u.risk_score_bot},
      {"risk_score_free_trial_abuse", u.risk_score_free_trial_abuse},
      {"selected_team_id", opt(u.selected_team_id)},
      {"contact_channels", channels},
      {"oauth_providers", oauth},
      {"teams", teams},
  };
}

// The user a line describes (without its id's existence checked).
store::User user_of(const Fields& f, const std::string& project_id, int64_t now) {
  store::User u;
  u.id = *f.text("id");
  u.project_id = project_id;
  u.display_name = f.text("display_name");
  u.profile_image_url = f.text("profile_image_url");
  u.client_metadata = f.metadata("client_metadata");
  u.client_read_only_metadata = f.metadata("client_read_only_metadata");
  u.server_metadata = f.metadata("server_metadata");
  u.is_anonymous = f.flag("is_anonymous");
  u.created_at_millis = f.integer("signed_up_at_millis", now);
  u.last_active_at_millis = f.integer("last_active_at_millis", u.created_at_millis);
  if (auto email = f.text("primary_email")) u.primary_email = normalize_email(*email);
  u.primary_email_verified = f.flag("primary_email_verified");
  u.primary_email_auth_enabled = f.flag("primary_email_auth_enabled");
  if (!u.primary_email && (u.primary_email_verified || u.primary_email_auth_enabled))
    throw Skip("primary_email_verified or primary_email_auth_enabled without primary_email");
  u.otp_auth_enabled = f.flag("otp_auth_enabled");
  u.password_hash = f.text("password_hash");
  if (u.password_hash && !describe_password_hash(*u.password_hash))
    throw Skip("password_hash is neither argon2id ($argon2id$...) nor bcrypt ($2a$, $2b$, $2y$)");
  if (auto totp = f.text("totp_secret_base64")) {
    auto bytes = base64_decode(*totp);
    if (!bytes || bytes->empty()) throw Skip("totp_secret_base64 is not base64");
    u.totp_secret = *bytes;
  }
  u.requires_totp_mfa = u.totp_secret.has_value();
  u.restricted_by_admin = f.flag("restricted_by_admin");
  u.restricted_by_admin_reason = f.text("restricted_by_admin_reason");
  u.restricted_by_admin_private_details = f.text("restricted_by_admin_private_details");
  u.country_code = f.text("country_code");
  u.risk_score_bot = f.integer("risk_score_bot", 0);
  u.risk_score_free_trial_abuse = f.integer("risk_score_free_trial_abuse", 0);
  for (const auto& a : f.list("oauth_providers")) {
    Fields af{a};
    if (!a.is_object() || !af.text("id") || !af.text("account_id"))
      throw Skip("each oauth_providers entry needs an id and an account_id");
    u.oauth_providers.push_back({*af.text("id"), *af.text("account_id"), af.text("email")});
  }
  return u;
}

// The existing user brought up to `u` (what update_user can change).
store::UserUpdate update_to(const store::User& u, int64_t now) {
  store::UserUpdate up;
  up.display_name = u.display_name;
  up.profile_image_url = u.profile_image_url;
  up.client_metadata = u.client_metadata;
  up.client_read_only_metadata = u.client_read_only_metadata;
  up.server_metadata = u.server_metadata;
  up.primary_email = u.primary_email;
  if (u.primary_email) {
    up.primary_email_verified = u.primary_email_verified;
    up.primary_email_auth_enabled = u.primary_email_auth_enabled;
  }
  up.password_hash = u.password_hash;
  up.otp_auth_enabled = u.otp_auth_enabled;
  up.totp_secret = u.totp_secret;
  up.is_anonymous = u.is_anonymous;
  up.restricted_by_admin = u.restricted_by_admin;
  up.restricted_by_admin_reason = u.restricted_by_admin_reason;
  up.restricted_by_admin_private_details = u.restricted_by_admin_private_details;
  up.country_code = u.country_code;
  up.risk_score_bot = u.risk_score_bot;
  up.risk_score_free_trial_abuse = u.risk_score_free_trial_abuse;
  up.now_millis = now;
  return up;
}

void import_channels(store::Store& store, const store::User& u, const Fields& f, int64_t now,
                     std::vector<std::string>& notes) {
  auto existing = store.contact_channels().list_contact_channels(u.project_id, u.id, {});
  for (const auto& c : f.list("contact_channels")) {
    Fields cf{c};
    auto type = cf.text("type").value_or("email");
    auto value = cf.text("value");
    if (!value || type != "email") {
      notes.push_back("a contact channel that is not an e-mail with a value was left out");
      continue;
    }
    std::string normalized = normalize_email(*value);
    // The primary e-mail came with the user row.
    if (cf.flag("is_primary") || (u.primary_email && normalized == *u.primary_email)) continue;
    bool have = false;
    for (const auto& e : existing) have = have || (e.type == type && e.value == normalized);
    if (have) continue;
    store::ContactChannel ch;
    ch.id = random_uuid();
    ch.project_id = u.project_id;
    ch.user_id = u.id;
    ch.type = type;
    ch.value = normalized;
    ch.is_verified = cf.flag("is_verified");
    ch.used_for_auth = cf.flag("used_for_auth");
    ch.created_at_millis = now;
    auto status = store.contact_channels().create_contact_channel(ch);
    if (status == store::ContactChannelWrite::kUsedForAuthElsewhere)
      notes.push_back("contact channel " + normalized +
                      " was left out: another user signs in with it");
  }
}

void import_oauth(store::Store& store, const store::User& u, int64_t now,
                  std::vector<std::string>& notes) {
  for (const auto& p : u.oauth_providers) {
    store::OAuthAccount a;
    a.project_id = u.project_id;
    a.provider_id = p.provider_id;
    a.provider_account_id = p.account_id;
    a.user_id = u.id;
    a.email = p.email;
    a.created_at_millis = now;
    auto status = store.oauth().link_oauth_account(a, /*exclusive=*/false, {}, now);
    if (status == store::LinkOAuthAccountStatus::kLinkedToAnotherUser)
      notes.push_back("OAuth account " + p.provider_id + "/" + p.account_id +
                      " was left out: it is linked to another user");
  }
}

void import_teams(store::Store& store, const store::User& u, const Fields& f, int64_t now,
                  std::vector<std::string>& notes) {
  for (const auto& t : f.list("teams")) {
    Fields tf{t};
    auto id = tf.text("id");
    if (!id) {
      notes.push_back("a team without an id was left out");
      continue;
    }
    if (!store.teams().get_team(u.project_id, *id)) {
      store::Team team;
      team.id = *id;
      team.project_id = u.project_id;
      team.display_name = tf.text("display_name").value_or(*id);
      team.profile_image_url = tf.text("profile_image_url");
      team.created_at_millis = now;
      store.teams().create_team(team, std::nullopt);
    }
    if (store.teams().get_member(u.project_id, *id, u.id)) continue;
    store::NewTeamMember m;
    m.user_id = u.id;
    m.created_at_millis = now;
    if (store.teams().add_member(u.project_id, *id, m) != store::AddMemberStatus::kAdded)
      notes.push_back("membership of team " + *id + " could not be added");
  }
}

}  // namespace

size_t export_users(store::Store& store, const std::string& project_id,
                    const std::function<void(const Json&)>& emit) {
  constexpr int64_t kPage = 200;
  size_t n = 0;
  store::ListUsersQuery q;
  q.limit = kPage;
  for (;;) {
    auto users = store.users().list_users(project_id, q).users;
    bool more = static_cast<int64_t>(users.size()) > kPage;
    if (more) {
      q.cursor = users.back().id;  // the first of the next page
      users.pop_back();
    }
    for (const auto& u : users) {
      emit(user_json(store, u));
      ++n;
    }
    if (!more) return n;
  }
}

ImportResult import_user(store::Store& store, const Clock& clock, const std::string& project_id,
                         const Json& line) {
  ImportResult r;
  const int64_t now = clock.now_millis();
  try {
    if (!line.is_object()) throw Skip("the line is not a JSON object");
    Fields f{line};
    auto id = f.text("id");
    if (!id || id->empty()) throw Skip("no id");
    r.user_id = *id;
    if (!is_uuid(*id)) throw Skip("id must be a UUID");
    store::User u = user_of(f, project_id, now);
    if (store.users().get_user(project_id, u.id)) {
      switch (store.users().update_user(project_id, u.id, update_to(u, now))) {
        case store::UpdateUserStatus::kUpdated:
          break;
        case store::UpdateUserStatus::kEmailInUse:
          throw Skip("primary_email " + *u.primary_email + " signs in another user");
        case store::UpdateUserStatus::kContactChannelExists:
          throw Skip("primary_email " + *u.primary_email +
                     " is already one of the user's other contact channels");
        default:
          throw Skip("the user could not be updated");
      }
      r.kind = ImportResult::Kind::kUpdated;
    } else {
      switch (store.users().create_user(u, {})) {
        case store::CreateUserStatus::kCreated:
          break;
        case store::CreateUserStatus::kEmailInUse:
          throw Skip("primary_email " + *u.primary_email + " signs in another user");
        case store::CreateUserStatus::kOAuthAccountInUse:
          throw Skip("one of its OAuth accounts is linked to another user");
      }
      r.kind = ImportResult::Kind::kCreated;
    }
    import_channels(store, u, f, now, r.notes);
    import_oauth(store, u, now, r.notes);
    import_teams(store, u, f, now, r.notes);
    if (auto selected = f.text("selected_team_id")) {
      store::UserUpdate up;
      up.selected_team_id = selected;
      if (store.users().update_user(project_id, u.id, up) != store::UpdateUserStatus::kUpdated)
        r.notes.push_back("selected_team_id " + *selected + " is not one of the user's teams");
    }
  } catch (const Skip& s) {
    r.kind = ImportResult::Kind::kSkipped;
    r.notes = {s.what()};
  } catch (const store::StoreUnavailable&) {
    throw;  // the whole import stops: no line could be written
  } catch (const std::exception& e) {
    // E.g. the id belongs to a user of another project. Before the user row
    // was written the line is skipped; after, the rest is what is missing.
    std::string why = std::string("could not be written: ") + e.what();
    if (r.kind == ImportResult::Kind::kSkipped)
      r.notes = {why};
    else
      r.notes.push_back(why);
  }
  return r;
}

}  // namespace latchkey::core
