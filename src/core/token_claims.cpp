#include "core/token_claims.hpp"

#include "core/users.hpp"

namespace latchkey::core {

TokenClaims::TokenClaims(const store::User& u, const Json& project_config)
    : id(u.id),
      display_name(u.display_name),
      primary_email(u.primary_email),
      selected_team_id(u.selected_team_id),
      primary_email_verified(u.primary_email.has_value() && u.primary_email_verified),
      signed_up_at_millis(u.created_at_millis),
      is_anonymous(u.is_anonymous),
      requires_totp_mfa(u.requires_totp_mfa) {
  if (auto reason = core::restricted_reason(u, project_config))
    restricted_reason = std::string(restricted_reason_type(*reason));
}

TokenUser TokenClaims::claims() const {
  TokenUser t;
  t.id = id;
  t.display_name = display_name;
  t.primary_email = primary_email;
  t.primary_email_verified = primary_email_verified;
  t.selected_team_id = selected_team_id;
  t.signed_up_at_millis = signed_up_at_millis;
  t.is_anonymous = is_anonymous;
  t.restricted_reason = restricted_reason;
  t.requires_totp_mfa = requires_totp_mfa;
  return t;
}

std::shared_ptr<const TokenClaims> TokenClaimsCache::load(const std::string& project_id,
                                                          const std::string& user_id) {
  if (reads_) {
    auto project = reads_->get_project(project_id);
    auto user = project ? reads_->get_user(project_id, user_id) : nullptr;
    if (!user) return nullptr;
    return std::make_shared<const TokenClaims>(*user, project->config);
  }
  auto project = store_.projects().get_project(project_id);
  auto user = project ? store_.users().get_user(project_id, user_id) : std::nullopt;
  if (!user) return nullptr;
  return std::make_shared<const TokenClaims>(*user, project->config);
}

std::shared_ptr<const TokenClaims> TokenClaimsCache::peek(const std::string& project_id,
                                                          const std::string& user_id,
                                                          uint64_t generation) {
  if (ttl_.count() <= 0) return nullptr;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(project_id + '\n' + user_id);
  if (it != entries_.end() && it->second.generation == generation && now - it->second.loaded < ttl_)
    return it->second.value;
  return nullptr;
}

std::shared_ptr<const TokenClaims> TokenClaimsCache::peek(const std::string& project_id,
                                                          const std::string& user_id) {
  return peek(project_id, user_id, store_.write_generation());
}

std::shared_ptr<const TokenClaims> TokenClaimsCache::get(const std::string& project_id,
                                                         const std::string& user_id) {
  if (ttl_.count() <= 0) return load(project_id, user_id);
  // Read before loading: a write during the load leaves the entry stale.
  uint64_t generation = store_.write_generation();
  if (auto hit = peek(project_id, user_id, generation)) return hit;
  auto now = std::chrono::steady_clock::now();
  auto value = load(project_id, user_id);
  if (!value) return nullptr;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[project_id + '\n' + user_id] = Entry{value, generation, now};
  return value;
}

}  // namespace latchkey::core
