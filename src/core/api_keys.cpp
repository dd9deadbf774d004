#include "core/api_keys.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/permissions.hpp"
#include "mail/mailer.hpp"
#include "mail/templates.hpp"

namespace latchkey::core {
namespace {

// Stack's marker, so that secret scanners recognise the keys (tokens.md §9).
constexpr std::string_view kMarker = "574ck4u7h";
constexpr size_t kSecretLength = 45;
constexpr size_t kIdLength = 32;       // the key's UUID without dashes
constexpr size_t kTypeLength = 4;      // "user" / "team"
constexpr size_t kChecksumLength = 8;  // CRC-32, lower-case hex
constexpr std::string_view kManageApiKeys = "$manage_api_keys";

// CRC-32 (IEEE 802.3, as zlib's crc32), what Stack's checksum is.
uint32_t crc32(std::string_view data) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string checksum_of(std::string_view checksummed) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", crc32(checksummed));
  return buf;
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void require_enabled(const store::Project& project, ApiKeyType type) {
  const bool user = type == ApiKeyType::kUser;
  if (!project.config.value(user ? "allow_user_api_keys" : "allow_team_api_keys", false))
    throw PlainError(400, user ? "User API keys are not enabled for this project."
                               : "Team API keys are not enabled for this project.");
}

ApiKeyType type_of(const store::OwnedApiKey& k) {
  return k.user_id ? ApiKeyType::kUser : ApiKeyType::kTeam;
}

const std::string& owner_of(const store::OwnedApiKey& k) {
  return k.user_id ? *k.user_id : *k.team_id;
}

// §4b "can manage": a client may manage its own user keys (else plain 403)
// and the keys of teams where it holds $manage_api_keys, recursively (else
// API_KEY_NOT_FOUND, so that a team's existence does not show).
void require_can_manage(store::Store& store, const std::string& project_id,
                        const ApiKeyCaller& caller, ApiKeyType type, const std::string& owner_id) {
  if (caller.server_or_admin) return;
  if (!caller.user) throw errors::user_authentication_required();
  if (type == ApiKeyType::kUser) {
    if (caller.user->id != owner_id)
      throw PlainError(403, "Client can only manage their own api keys");
    return;
  }
  if (!has_team_permission(store, project_id, owner_id, caller.user->id, kManageApiKeys))
    throw errors::api_key_not_found();
}

// The project's key of `type` with this id (the other family's keys are not
// found through this one's routes), after the caller's check.
store::OwnedApiKey managed_key(store::Store& store, const store::Project& project,
                               const ApiKeyCaller& caller, ApiKeyType type, const std::string& id) {
  auto k = store.api_keys().get_api_key(project.id, id);
  if (!k || type_of(*k) != type) throw errors::api_key_not_found();
  require_can_manage(store, project.id, caller, type, owner_of(*k));
  return *k;
}

Json list_view(const std::vector<store::OwnedApiKey>& keys) {
  Json items = Json::array();
  for (const auto& k : keys) items.push_back(api_key_view(k, std::nullopt));
  return Json{{"items", std::move(items)}, {"is_paginated", false}};
}

// The users of the team who hold $manage_api_keys, directly or through
// contained permissions.
std::vector<std::string> key_managers_of_team(store::Store& store, const std::string& project_id,
                                              const std::string& team_id) {
  std::map<std::string, std::vector<std::string>> direct;
  for (auto& g : store.permissions().list_team_grants(project_id, team_id, std::nullopt))
    direct[g.user_id].push_back(std::move(g.permission_id));
  std::vector<std::string> out;
  if (direct.empty()) return out;
  auto defs = PermissionDefinitions::load(store, project_id);
  for (const auto& [user_id, ids] : direct) {
    auto held = defs.resolve(ids, PermissionScope::kTeam, /*recursive=*/true);
    if (std::find(held.begin(), held.end(), kManageApiKeys) != held.end()) out.push_back(user_id);
  }
  return out;
}

// Stack's notice, word for word: its HTML as delivered (the template and the
// line break its mailer ends the part with), and as the text part what mail
// clients derive from that HTML.
mail::RenderedEmail revoked_key_email(const std::string& description,
                                      const std::string& project_name) {
  mail::RenderedEmail e;
  e.subject = "API Key Revoked: " + description;
  const std::string p = "<p style=\"color: #555; font-size: 16px; line-height: 1.5;\">\n          ";
  e.html =
      "\n      <div style=\"font-family: Arial, sans-serif; max-width: 600px; margin: 0 auto; "
      "padding: 20px;\">\n        <h2 style=\"color: #333;\">API Key Revoked</h2>\n        " +
      p + "Your API key \"" + mail::html_escape(description) + "\" for " +
      mail::html_escape(project_name) +
      " has been automatically revoked because it was found in a public repository.\n        "
      "</p>\n        " +
      p +
      "This is an automated security measure to protect your api keys from being leaked. If "
      "you believe this was a mistake, please contact support.\n        </p>\n        " +
      p + "Please create a new API key if needed.\n        </p>\n      </div>\n    \n";
  e.text =
      "---------------\nAPI Key Revoked\n---------------\n\nYour API key \"" + description +
      "\" for " + project_name +
      " has been automatically revoked because it was found in a public repository.\n\nThis is "
      "an automated security measure to protect your api keys from being leaked. If you believe "
      "this was a mistake, please contact support.\n\nPlease create a new API key if needed.";
  return e;
}

}  // namespace

std::string_view api_key_type_name(ApiKeyType type) {
  return type == ApiKeyType::kUser ? "user" : "team";
}

std::string make_api_key_value(const std::string& id, bool is_public, bool cloud, ApiKeyType type) {
  std::string id_part;
  for (char c : id)
    if (c != '-') id_part += c;
  // Crockford base32 digit of (1 unless cloud) + (2 if public): 0–3 are
  // the digits themselves.
  const char flag = static_cast<char>('0' + (cloud ? 0 : 1) + (is_public ? 2 : 0));
  std::string key = std::string(is_public ? "pk" : "sk") + "_" + random_secret45() + id_part +
                    std::string(api_key_type_name(type)) + flag + std::string(kMarker);
  return key + checksum_of(key);
}

bool is_well_formed_api_key(std::string_view key) {
  const size_t tail =
      kSecretLength + kIdLength + kTypeLength + 1 + kMarker.size() + kChecksumLength;
  const size_t underscore = key.find('_');
  // The prefix (letters, digits, underscores) ends at the last underscore
  // that leaves exactly the fixed-length tail behind it.
  if (underscore == std::string_view::npos || key.size() < tail + 2) return false;
  const size_t prefix_end = key.size() - tail - 1;
  if (key[prefix_end] != '_' || prefix_end == 0) return false;
  for (char c : key)
    if (!is_key_char(c)) return false;
  std::string_view body = key.substr(0, key.size() - kChecksumLength);
  std::string_view type = key.substr(prefix_end + 1 + kSecretLength + kIdLength, kTypeLength);
  std::string_view marker =
      key.substr(key.size() - kChecksumLength - kMarker.size(), kMarker.size());
  if ((type != "user" && type != "team") || marker != kMarker) return false;
  return constant_time_equals(checksum_of(body), key.substr(key.size() - kChecksumLength));
}

std::string api_key_digest(std::string_view key) { return sha256_hex(key); }

Json api_key_view(const store::OwnedApiKey& k, const std::optional<std::string>& value) {
  Json j;
  j["id"] = k.id;
  j["description"] = k.description;
  j["is_public"] = k.is_public;
  j["created_at_millis"] = k.created_at_millis;
  if (k.expires_at_millis) j["expires_at_millis"] = *k.expires_at_millis;
  if (k.manually_revoked_at_millis) j["manually_revoked_at_millis"] = *k.manually_revoked_at_millis;
  if (value)
    j["value"] = *value;
  else
    j["value"] = Json{{"last_four", k.last_four}};
  if (k.user_id) {
    j["user_id"] = *k.user_id;
    j["type"] = "user";
  } else {
    j["team_id"] = k.team_id.value_or("");
    j["type"] = "team";
  }
  return j;
}

Json create_api_key(store::Store& store, const Clock& clock, const store::Project& project,
                    const ApiKeyCaller& caller, const NewApiKey& in) {
  require_enabled(project, in.type);
  require_can_manage(store, project.id, caller, in.type, in.owner_id);
  store::OwnedApiKey k;
  k.project_id = project.id;
  k.id = random_uuid();
  k.description = in.description;
  k.is_public = in.is_public;
  if (in.type == ApiKeyType::kUser)
    k.user_id = in.owner_id;
  else
    k.team_id = in.owner_id;
  k.created_at_millis = clock.now_millis();
  k.expires_at_millis = in.expires_at_millis;
  const std::string value = make_api_key_value(k.id, in.is_public, in.cloud, in.type);
  k.last_four = value.substr(value.size() - 4);
  if (store.api_keys().create_api_key(k, api_key_digest(value)) ==
      store::CreateApiKeyStatus::kOwnerNotFound) {
    if (in.type == ApiKeyType::kUser) throw errors::user_not_found();
    throw errors::team_not_found(in.owner_id);
  }
  return api_key_view(k, value);
}

Json list_api_keys(store::Store& store, const store::Project& project, const ApiKeyCaller& caller,
                   ApiKeyType type, const std::optional<std::string>& owner_id) {
  require_enabled(project, type);
  if (!owner_id)
    throw errors::schema_error(std::string(api_key_type_name(type)) + "_id is required for " +
                               std::string(api_key_type_name(type)) + " API keys");
  require_can_manage(store, project.id, caller, type, *owner_id);
  return list_view(type == ApiKeyType::kUser
                       ? store.api_keys().list_user_api_keys(project.id, *owner_id)
                       : store.api_keys().list_team_api_keys(project.id, *owner_id));
}

Json get_api_key(store::Store& store, const store::Project& project, const ApiKeyCaller& caller,
                 ApiKeyType type, const std::string& id) {
  require_enabled(project, type);
  return api_key_view(managed_key(store, project, caller, type, id), std::nullopt);
}

Json update_api_key(store::Store& store, const Clock& clock, const store::Project& project,
                    const ApiKeyCaller& caller, ApiKeyType type, const std::string& id,
                    const std::optional<std::string>& description, bool revoke) {
  require_enabled(project, type);
  managed_key(store, project, caller, type, id);
  std::optional<int64_t> revoke_at;
  if (revoke) revoke_at = clock.now_millis();
  auto updated = store.api_keys().update_api_key(project.id, id, description, revoke_at);
  if (!updated) throw errors::api_key_not_found();  // deleted meanwhile (with its owner)
  return api_key_view(*updated, std::nullopt);
}

Json check_api_key(store::Store& store, const Clock& clock, const store::Project& project,
                   ApiKeyType type, std::string_view key) {
  require_enabled(project, type);
  if (!is_well_formed_api_key(key)) throw errors::api_key_not_found();
  auto k = store.api_keys().find_api_key_by_digest(project.id, api_key_digest(key));
  if (!k) throw errors::api_key_not_found();
  if (type_of(*k) != type)
    throw errors::wrong_api_key_type(api_key_type_name(type), api_key_type_name(type_of(*k)));
  if (k->manually_revoked_at_millis) throw errors::api_key_revoked();
  if (k->expires_at_millis && *k->expires_at_millis < clock.now_millis())
    throw errors::api_key_expired();
  return api_key_view(*k, std::nullopt);
}

void revoke_leaked_api_key(store::Store& store, const Clock& clock, mail::Mailer& mailer,
                           std::string_view key) {
  std::optional<store::OwnedApiKey> k;
  if (is_well_formed_api_key(key))
    k = store.api_keys().find_api_key_by_digest_in_any_project(api_key_digest(key));
  if (!k) throw errors::api_key_not_found();
  if (k->is_public) throw errors::public_api_key_cannot_be_revoked();
  if (k->expires_at_millis && *k->expires_at_millis < clock.now_millis())
    throw errors::api_key_expired();
  // Only the report that revokes the key notifies its owners.
  if (!store.api_keys().revoke_api_key(k->project_id, k->id, clock.now_millis())) return;

  auto project = store.projects().get_project(k->project_id);
  if (!project) return;  // deleted meanwhile, with its keys
  std::vector<std::string> owners = k->user_id
                                        ? std::vector<std::string>{*k->user_id}
                                        : key_managers_of_team(store, k->project_id, *k->team_id);
  std::vector<std::string> addresses;
  for (const auto& user_id : owners) {
    auto u = store.users().get_user(k->project_id, user_id);
    if (u && u->primary_email &&
        std::find(addresses.begin(), addresses.end(), *u->primary_email) == addresses.end())
      addresses.push_back(*u->primary_email);
  }
  const mail::RenderedEmail content = revoked_key_email(k->description, project->display_name);
  for (const auto& address : addresses) {
    mail::OutgoingEmail e;
    e.to = address;
    e.content = content;
    try {
      // A notice of the platform, as Stack sends it: through the shared
      // server under the name "Stack Auth", whatever the project's own server.
      mailer.send_shared_as(*project, "Stack Auth", e);
    } catch (const std::exception& ex) {
      spdlog::error("the notice of revoked API key {} (project {}) to {} was not sent: {}", k->id,
                    k->project_id, address, ex.what());
    }
  }
}

}  // namespace latchkey::core
