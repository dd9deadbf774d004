// What access tokens say about their users (TokenUser), kept between
// issuances so that a refresh finds it in memory, on the I/O thread too.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/json.hpp"
#include "core/tokens.hpp"
#include "store/read_cache.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// A user as their access tokens describe them (owned strings; claims()
// views them).
struct TokenClaims {
  std::string id;
  std::optional<std::string> display_name, primary_email, selected_team_id;
  bool primary_email_verified = false;
  int64_t signed_up_at_millis = 0;
  bool is_anonymous = false;
  std::optional<std::string> restricted_reason;  // Stack's restricted_reason.type
  bool requires_totp_mfa = false;

  TokenClaims(const store::User& u, const Json& project_config);
  TokenUser claims() const;
};

// An entry is used while no write went through the store since it was read
// and it is younger than the TTL (writes by other instances sharing the
// database show within it). Unlike the read cache's users, activity batches
// leave entries alone: no claim shows activity, so refreshes under steady
// traffic (which make those batches) keep finding their user here.
class TokenClaimsCache {
 public:
  // `reads` (optional) is where misses read the user and project, else the
  // store; ttl 0 caches nothing.
  TokenClaimsCache(store::Store& store, store::ReadCache* reads, std::chrono::milliseconds ttl)
      : store_(store), reads_(reads), ttl_(ttl) {}

  // nullptr when there is no such user or project.
  std::shared_ptr<const TokenClaims> get(const std::string& project_id, const std::string& user_id);
  // The cached entry, or nullptr (missing or stale): never reads the store.
  std::shared_ptr<const TokenClaims> peek(const std::string& project_id,
                                          const std::string& user_id);

 private:
  std::shared_ptr<const TokenClaims> peek(const std::string& project_id, const std::string& user_id,
                                          uint64_t generation);
  std::shared_ptr<const TokenClaims> load(const std::string& project_id,
                                          const std::string& user_id);
  struct Entry {
    std::shared_ptr<const TokenClaims> value;
    uint64_t generation;
    std::chrono::steady_clock::time_point loaded;
  };
  static constexpr size_t kMaxEntries = 100000;
  store::Store& store_;
  store::ReadCache* reads_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace latchkey::core
