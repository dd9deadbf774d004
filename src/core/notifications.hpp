// Notification categories, users' preferences and one-click unsubscribe
// (emails.md §5.3–§5.5). The categories are fixed, as in the reference.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/store.hpp"

namespace latchkey::core {

struct NotificationCategory {
  std::string_view id;
  std::string_view name;
  bool default_enabled;
  bool can_disable;
};

// Transactional (cannot be disabled) and Marketing, in that order.
const std::vector<NotificationCategory>& notification_categories();
const NotificationCategory* find_category_by_id(std::string_view id);
const NotificationCategory* find_category_by_name(std::string_view name);

// {"notification_category_id", "notification_category_name", "enabled", "can_disable"}.
Json preference_view(const NotificationCategory& c, bool enabled);

// Every category with the user's choice or its default. The user must exist
// (404 USER_NOT_FOUND).
std::vector<std::pair<const NotificationCategory*, bool>> list_preferences(
    store::Store& store, const std::string& project_id, const std::string& user_id);

// Whether the user receives e-mails of `c` (its stored choice, else the default).
bool notification_enabled(store::Store& store, const std::string& project_id,
                          const std::string& user_id, const NotificationCategory& c);

// Stores the user's choice for the category with `category_id`: plain 404
// "Notification category not found" for an unknown category, 404
// USER_NOT_FOUND for an unknown user.
const NotificationCategory& set_preference(store::Store& store, const Clock& clock,
                                           const std::string& project_id,
                                           const std::string& user_id,
                                           const std::string& category_id, bool enabled);

// Unsubscribe codes live this long. The reference creates them with its
// default of 7 days; a link in a newsletter that stops working after a week
// surprises its reader, so Latchkey keeps them 30 days.
inline constexpr int64_t kUnsubscribeCodeLifetimeMillis = 30LL * 24 * 3600 * 1000;

// A new single-use code for the user and category (stored as a digest); the
// 45-character code. Throws USER_NOT_FOUND when the user is gone.
std::string create_unsubscribe_code(store::Store& store, const Clock& clock,
                                    const std::string& project_id, const std::string& user_id,
                                    const NotificationCategory& c);

// `<api_url>/api/v1/emails/unsubscribe-link?code=<code>`.
std::string unsubscribe_link(std::string_view api_url, std::string_view code);

enum class UnsubscribeOutcome { kUnsubscribed, kAlreadyUsed };
// GET /emails/unsubscribe-link: plain 400 "Invalid code" unless 45
// characters; VERIFICATION_CODE_NOT_FOUND / _EXPIRED.
UnsubscribeOutcome unsubscribe(store::Store& store, const Clock& clock, std::string_view code);

}  // namespace latchkey::core
