// Webhooks as Stack Auth sends them, delivered by Latchkey itself and
// wire-compatible with Svix: the events (Stack's types and payloads), Svix's
// ids, endpoint secrets and signatures, and the retry schedule.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::core::webhooks {

// Stack's event types (apps/backend/src/lib/webhooks.tsx at a5734defb).
inline constexpr const char* kUserCreated = "user.created";
inline constexpr const char* kUserUpdated = "user.updated";
inline constexpr const char* kUserDeleted = "user.deleted";
inline constexpr const char* kTeamCreated = "team.created";
inline constexpr const char* kTeamUpdated = "team.updated";
inline constexpr const char* kTeamDeleted = "team.deleted";
inline constexpr const char* kTeamMembershipCreated = "team_membership.created";
inline constexpr const char* kTeamMembershipDeleted = "team_membership.deleted";
inline constexpr const char* kTeamPermissionCreated = "team_permission.created";
inline constexpr const char* kTeamPermissionDeleted = "team_permission.deleted";
inline constexpr const char* kProjectPermissionCreated = "project_permission.created";
inline constexpr const char* kProjectPermissionDeleted = "project_permission.deleted";

// A Svix-style id: `prefix` + "_" + 27 base62 characters that sort by
// creation time (milliseconds, then random), so ids order lists and page
// cursors as Svix's KSUIDs do.
std::string svix_id(std::string_view prefix, int64_t now_millis);

// One event: payload {"type": type, "data": data}, serialised once, at
// the wall-clock time (Svix's message timestamp).
store::WebhookEvent event(const std::string& project_id, std::string_view type, const Json& data);

// The events' data, as Stack's webhooks carry it.
Json membership_data(const std::string& team_id, const std::string& user_id);
Json team_permission_data(const std::string& permission_id, const std::string& team_id,
                          const std::string& user_id);
Json project_permission_data(const std::string& permission_id, const std::string& user_id);
// A member joining a team (POST /team-memberships, an accepted invitation):
// team_membership.created, then team_permission.created for each direct
// permission granted on joining.
store::WebhookEvents member_joined_events(const std::string& project_id, const std::string& team_id,
                                          const std::string& user_id,
                                          const std::vector<std::string>& permission_ids);
// user.deleted: the user's id and the teams it was a member of.
Json user_deleted_data(const std::string& user_id, const std::vector<std::string>& team_ids);

// A new endpoint secret: "whsec_" + base64 of 24 random bytes (Svix's form).
std::string new_endpoint_secret();
// Svix's signature header value for one delivery: "v1," + base64 of
// HMAC-SHA256(key, "<msg_id>.<timestamp>.<body>"), the key being the
// base64-decoded part of the secret after "whsec_". nullopt for a secret
// that is not of that form.
std::optional<std::string> signature(std::string_view secret, std::string_view msg_id,
                                     int64_t timestamp_seconds, std::string_view body);

// Svix's retry schedule: the wait before attempt n + 1 after n failed
// attempts (the first attempt is immediate); nullopt once all 8 attempts
// have failed.
std::optional<int64_t> retry_delay_millis(int64_t failed_attempts);
// An endpoint whose deliveries have all failed this long is disabled (Svix).
inline constexpr int64_t kDisableFailingEndpointAfterMillis = 5LL * 24 * 3600 * 1000;

}  // namespace latchkey::core::webhooks
