#include "core/projects.hpp"

#include "core/crypto.hpp"
#include "core/project_config.hpp"
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

Json project_admin_view(const store::Project& p) {
  // Latchkey-only switches stay out of Stack's REST shape, and so does
  // require_email_verification, which Stack accepts on writes only.
  Json config = p.config;
  if (config.is_object()) {
    config.erase(kAnonymousSignUpEnabled);
    config.erase(kRequireEmailVerification);
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
  return Json{{"id", p.id},
              {"display_name", p.display_name},
              {"config", client_config_view(p.config)}};
}

CreatedKeySet create_key_set(store::Store& store, const Clock& clock,
                             const std::string& project_id, const NewKeySet& k) {
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
  make(k.has_super_secret_admin_key, k.super_secret_admin_key, "sak_",
       out.super_secret_admin_key, s.super_secret_admin_key_digest,
       s.super_secret_admin_key_last_four);
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
