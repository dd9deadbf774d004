#include "core/webhooks.hpp"

#include <array>

#include "core/crypto.hpp"

namespace latchkey::core::webhooks {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr size_t kIdLength = 27;
constexpr size_t kTimeDigits = 9;  // 62^9 milliseconds: far beyond year 9999

constexpr std::array<int64_t, 7> kRetryDelaysMillis = {
    5'000, 5 * 60'000, 30 * 60'000, 2 * 3'600'000, 5 * 3'600'000, 10 * 3'600'000, 10 * 3'600'000};

}  // namespace

std::string svix_id(std::string_view prefix, int64_t now_millis) {
  std::string out(prefix);
  out += '_';
  std::string time(kTimeDigits, '0');
  auto t = static_cast<uint64_t>(now_millis < 0 ? 0 : now_millis);
  for (size_t i = kTimeDigits; i-- > 0; t /= 62) time[i] = kBase62[t % 62];
  out += time;
  // 18 random base62 digits (about 107 bits); 248 is the largest multiple
  // of 62 below 256, so rejecting bytes above it keeps them uniform.
  while (out.size() < prefix.size() + 1 + kIdLength) {
    for (unsigned char b : random_bytes(32)) {
      if (b >= 248) continue;
      out += kBase62[b % 62];
      if (out.size() == prefix.size() + 1 + kIdLength) break;
    }
  }
  return out;
}

store::WebhookEvent event(const std::string& project_id, std::string_view type, const Json& data) {
  store::WebhookEvent e;
  e.created_at_millis = SystemClock().now_millis();
  e.id = svix_id("msg", e.created_at_millis);
  e.project_id = project_id;
  e.type = std::string(type);
  e.payload = Json{{"type", e.type}, {"data", data}}.dump();
  return e;
}

Json membership_data(const std::string& team_id, const std::string& user_id) {
  return Json{{"team_id", team_id}, {"user_id", user_id}};
}

Json team_permission_data(const std::string& permission_id, const std::string& team_id,
                          const std::string& user_id) {
  return Json{{"id", permission_id}, {"team_id", team_id}, {"user_id", user_id}};
}

Json project_permission_data(const std::string& permission_id, const std::string& user_id) {
  return Json{{"id", permission_id}, {"user_id", user_id}};
}

store::WebhookEvents member_joined_events(const std::string& project_id, const std::string& team_id,
                                          const std::string& user_id,
                                          const std::vector<std::string>& permission_ids) {
  store::WebhookEvents out{
      event(project_id, kTeamMembershipCreated, membership_data(team_id, user_id))};
  for (const auto& id : permission_ids)
    out.push_back(
        event(project_id, kTeamPermissionCreated, team_permission_data(id, team_id, user_id)));
  return out;
}

Json user_deleted_data(const std::string& user_id, const std::vector<std::string>& team_ids) {
  Json teams = Json::array();
  for (const auto& id : team_ids) teams.push_back(Json{{"id", id}});
  return Json{{"id", user_id}, {"teams", teams}};
}

std::string new_endpoint_secret() { return "whsec_" + base64_encode(random_bytes(24)); }

std::optional<std::string> signature(std::string_view secret, std::string_view msg_id,
                                     int64_t timestamp_seconds, std::string_view body) {
  constexpr std::string_view kPrefix = "whsec_";
  if (secret.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto key = base64_decode(secret.substr(kPrefix.size()));
  if (!key || key->empty()) return std::nullopt;
  std::string signed_text;
  signed_text.reserve(msg_id.size() + body.size() + 24);
  signed_text.append(msg_id).append(".").append(std::to_string(timestamp_seconds)).append(".");
  signed_text.append(body);
  return "v1," + base64_encode(hmac_sha256(*key, signed_text));
}

std::optional<int64_t> retry_delay_millis(int64_t failed_attempts) {
  if (failed_attempts < 1 || failed_attempts > static_cast<int64_t>(kRetryDelaysMillis.size()))
    return std::nullopt;
  return kRetryDelaysMillis[static_cast<size_t>(failed_attempts - 1)];
}

}  // namespace latchkey::core::webhooks
