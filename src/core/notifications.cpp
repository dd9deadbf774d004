#include "core/notifications.hpp"

#include <algorithm>
#include <cctype>

#include "core/crypto.hpp"
#include "core/errors.hpp"

namespace latchkey::core {
namespace {

void require_user(store::Store& store, const std::string& project_id, const std::string& user_id) {
  if (!store.users().get_user(project_id, user_id)) throw errors::user_not_found();
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

const std::vector<NotificationCategory>& notification_categories() {
  static const std::vector<NotificationCategory> kCategories{
      {"7bb82d33-2f54-4a3d-9d23-82739e0d66ef", "Transactional", true, false},
      {"4f6f8873-3d04-46bd-8bef-18338b1a1b4c", "Marketing", true, true},
  };
  return kCategories;
}

const NotificationCategory* find_category_by_id(std::string_view id) {
  for (const auto& c : notification_categories())
    if (c.id == id) return &c;
  return nullptr;
}

const NotificationCategory* find_category_by_name(std::string_view name) {
  for (const auto& c : notification_categories())
    if (c.name == name) return &c;
  return nullptr;
}

Json preference_view(const NotificationCategory& c, bool enabled) {
  return Json{{"notification_category_id", std::string(c.id)},
              {"notification_category_name", std::string(c.name)},
              {"enabled", enabled},
              {"can_disable", c.can_disable}};
}

std::vector<std::pair<const NotificationCategory*, bool>> list_preferences(
    store::Store& store, const std::string& project_id, const std::string& user_id) {
  require_user(store, project_id, user_id);
  auto stored = store.emails().list_notification_preferences(project_id, user_id);
  std::vector<std::pair<const NotificationCategory*, bool>> out;
  for (const auto& c : notification_categories()) {
    bool enabled = c.default_enabled;
    for (const auto& p : stored)
      if (p.category_id == c.id) enabled = p.enabled;
    out.emplace_back(&c, enabled);
  }
  return out;
}

bool notification_enabled(store::Store& store, const std::string& project_id,
                          const std::string& user_id, const NotificationCategory& c) {
  for (const auto& p : store.emails().list_notification_preferences(project_id, user_id))
    if (p.category_id == c.id) return p.enabled;
  return c.default_enabled;
}

const NotificationCategory& set_preference(store::Store& store, const Clock& clock,
                                           const std::string& project_id,
                                           const std::string& user_id,
                                           const std::string& category_id, bool enabled) {
  const NotificationCategory* c = find_category_by_id(category_id);
  if (!c) throw PlainError(404, "Notification category not found");
  if (!store.emails().set_notification_preference(project_id, user_id, std::string(c->id), enabled,
                                                  clock.now_millis()))
    throw errors::user_not_found();
  return *c;
}

std::string create_unsubscribe_code(store::Store& store, const Clock& clock,
                                    const std::string& project_id, const std::string& user_id,
                                    const NotificationCategory& c) {
  const std::string code = random_secret45();
  store::UnsubscribeCode row;
  row.code_digest = sha256_hex(code);
  row.project_id = project_id;
  row.user_id = user_id;
  row.category_id = std::string(c.id);
  row.created_at_millis = clock.now_millis();
  row.expires_at_millis = row.created_at_millis + kUnsubscribeCodeLifetimeMillis;
  if (!store.emails().insert_unsubscribe_code(row)) throw errors::user_not_found();
  return code;
}

std::string unsubscribe_link(std::string_view api_url, std::string_view code) {
  std::string base(api_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/api/v1/emails/unsubscribe-link?code=" + std::string(code);
}

UnsubscribeOutcome unsubscribe(store::Store& store, const Clock& clock, std::string_view code) {
  if (code.size() != 45) throw PlainError(400, "Invalid code");
  // Codes are handed out in lower case; a mail client may change the case.
  switch (store.emails().use_unsubscribe_code(sha256_hex(lower(code)), clock.now_millis())) {
    case store::UseUnsubscribeStatus::kNotFound:
      throw errors::verification_code_not_found();
    case store::UseUnsubscribeStatus::kExpired:
      throw errors::verification_code_expired();
    case store::UseUnsubscribeStatus::kAlreadyUsed:
      return UnsubscribeOutcome::kAlreadyUsed;
    case store::UseUnsubscribeStatus::kUnsubscribed:
      break;
  }
  return UnsubscribeOutcome::kUnsubscribed;
}

}  // namespace latchkey::core
