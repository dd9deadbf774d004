#include "core/projects.hpp"

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/project_config.hpp"
#include "core/project_rate_limits.hpp"
#include "core/sessions.hpp"
#include "core/users.hpp"

namespace latchkey::core {

store::Project create_project(store::Store& store, const Clock& clock, const NewProject& np) {
  store::Project p;
  p.id = np.id ? *np.id : random_uuid();
  p.display_name = np.display_name;
  p.description = np.description;
  p.is_production_mode = np.is_production_mode;
  p.created_at_millis = clock.now_millis();
  p.config = default_project_config();
  for (auto it = np.config.begin(); it != np.config.end(); ++it) p.config[it.key()] = it.value();
  normalize_config(p.config);
  store.projects().insert_project(p);
  return p;
}

store::Project create_managed_project(store::Store& store, const Clock& clock,
                                      const store::User& owner, const NewProject& np) {
  store::Project p = create_project(store, clock, np);
  Json meta = owner.server_metadata.is_object() ? owner.server_metadata : Json::object();
  if (!meta.contains("managedProjectIds") || !meta["managedProjectIds"].is_array())
    meta["managedProjectIds"] = Json::array();
  meta["managedProjectIds"].push_back(p.id);
  store.users().set_user_server_metadata(owner.project_id, owner.id, meta);
  return p;
}

std::vector<std::string> managed_project_ids(const store::User& owner) {
  std::vector<std::string> ids;
  const Json& meta = owner.server_metadata;
  if (meta.is_object() && meta.contains("managedProjectIds") &&
      meta["managedProjectIds"].is_array())
    for (const auto& v : meta["managedProjectIds"])
      if (v.is_string()) ids.push_back(v.get<std::string>());
  return ids;
}

std::optional<store::Project> find_project(store::Store& store, const std::string& id) {
  return store.projects().get_project(id);
}

store::Project update_project(store::Store& store, const store::Project& p) {
  if (!store.projects().update_project(p)) throw errors::project_not_found(p.id);
  auto fresh = store.projects().get_project(p.id);
  if (!fresh) throw errors::project_not_found(p.id);
  return *fresh;
}

void delete_project(store::Store& store, const std::string& id) {
  store.projects().delete_project(id);
}

std::vector<store::ApiKeySet> list_key_sets(store::Store& store, const std::string& project_id) {
  return store.projects().list_api_key_sets(project_id);
}

std::optional<store::ApiKeySet> find_key_set(store::Store& store, const std::string& project_id,
                                             const std::string& id) {
  return store.projects().get_api_key_set(project_id, id);
}

store::ApiKeySet update_key_set(store::Store& store, const Clock& clock, store::ApiKeySet set,
                                const std::optional<std::string>& description, bool revoke) {
  if (description) set.description = *description;
  if (revoke && !set.manually_revoked_at_millis)
    set.manually_revoked_at_millis = clock.now_millis();
  store.projects().upsert_api_key_set(set);
  return set;
}

Json project_admin_view(const store::Project& p) {
  // Latchkey-only switches stay out of Stack's REST shape, and so does
  // require_email_verification, which Stack accepts on writes only.
  Json config = p.config;
  if (config.is_object()) {
    config.erase(kAnonymousSignUpEnabled);
    config.erase(kRequireEmailVerification);
    config.erase(kProjectRateLimits);
  }
  return Json{{"id", p.id},
              {"display_name", p.display_name},
              {"description", p.description},
              {"created_at_millis", p.created_at_millis},
              {"user_count", p.user_count},
              {"is_production_mode", p.is_production_mode},
              {"config", config}};
}

Json project_client_view(const store::Project& p) {
  return Json{
      {"id", p.id}, {"display_name", p.display_name}, {"config", client_config_view(p.config)}};
}

CreatedKeySet create_key_set(store::Store& store, const Clock& clock, const std::string& project_id,
                             const NewKeySet& k) {
  CreatedKeySet out;
  auto& s = out.set;
  s.id = k.id ? *k.id : random_uuid();
  s.project_id = project_id;
  s.description = k.description;
  s.created_at_millis = clock.now_millis();
  s.expires_at_millis = k.expires_at_millis;
  auto make = [](bool wanted, const std::optional<std::string>& given, const char* prefix,
                 std::optional<std::string>& full, std::optional<std::string>& digest,
                 std::optional<std::string>& last_four) {
    if (!wanted) return;
    full = given ? *given : std::string(prefix) + random_secret45();
    digest = sha256_hex(*full);
    last_four = full->size() >= 4 ? full->substr(full->size() - 4) : *full;
  };
  make(k.has_publishable_client_key, k.publishable_client_key, "pck_", out.publishable_client_key,
       s.publishable_client_key_digest, s.publishable_client_key_last_four);
  make(k.has_secret_server_key, k.secret_server_key, "ssk_", out.secret_server_key,
       s.secret_server_key_digest, s.secret_server_key_last_four);
  make(k.has_super_secret_admin_key, k.super_secret_admin_key, "sak_", out.super_secret_admin_key,
       s.super_secret_admin_key_digest, s.super_secret_admin_key_last_four);
  store.projects().upsert_api_key_set(s);
  return out;
}

Json key_set_created_view(const CreatedKeySet& k) {
  Json j{{"id", k.set.id}, {"description", k.set.description}};
  if (k.publishable_client_key) j["publishable_client_key"] = *k.publishable_client_key;
  if (k.secret_server_key) j["secret_server_key"] = *k.secret_server_key;
  if (k.super_secret_admin_key) j["super_secret_admin_key"] = *k.super_secret_admin_key;
  j["created_at_millis"] = k.set.created_at_millis;
  j["expires_at_millis"] = k.set.expires_at_millis;
  return j;
}

Json key_set_view(const store::ApiKeySet& k) {
  Json j{{"id", k.id}, {"description", k.description}};
  if (k.publishable_client_key_last_four)
    j["publishable_client_key"] = Json{{"last_four", *k.publishable_client_key_last_four}};
  if (k.secret_server_key_last_four)
    j["secret_server_key"] = Json{{"last_four", *k.secret_server_key_last_four}};
  if (k.super_secret_admin_key_last_four)
    j["super_secret_admin_key"] = Json{{"last_four", *k.super_secret_admin_key_last_four}};
  j["created_at_millis"] = k.created_at_millis;
  j["expires_at_millis"] = k.expires_at_millis;
  if (k.manually_revoked_at_millis) j["manually_revoked_at_millis"] = *k.manually_revoked_at_millis;
  return j;
}

}  // namespace latchkey::core
