// Contact channels (contact-channels.md): the addresses a user can be reached
// at. The user's primary e-mail is its channel with is_primary set, so the
// users store and this one share the contact_channels table.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace latchkey::store {

struct ContactChannel {
  std::string id;
  std::string project_id;
  std::string user_id;
  std::string type = "email";
  std::string value;
  bool is_primary = false;
  bool is_verified = false;
  bool used_for_auth = false;
  int64_t created_at_millis = 0;
};

// A PATCH (contact-channels.md §3.4): unset members are left alone.
struct ContactChannelUpdate {
  std::optional<std::string> value;
  std::optional<bool> is_verified;
  std::optional<bool> used_for_auth;
  std::optional<bool> is_primary;
};

enum class ContactChannelWrite {
  kOk,
  kUserNotFound,
  kNotFound,             // no such channel for that user
  kAlreadyExists,        // the user already has a channel with this (type, value)
  kUsedForAuthElsewhere  // another channel signs in with this (type, value)
};

class ContactChannelStore {
 public:
  virtual ~ContactChannelStore() = default;

  // Oldest first. Both filters optional.
  virtual std::vector<ContactChannel> list_contact_channels(
      const std::string& project_id, const std::optional<std::string>& user_id,
      const std::optional<std::string>& channel_id) = 0;
  virtual std::optional<ContactChannel> get_contact_channel(const std::string& project_id,
                                                            const std::string& user_id,
                                                            const std::string& id) = 0;
  // The channel that signs in with (type, value) in the project, if any
  // (exact match; contact-channels.md §2 invariant 3).
  virtual std::optional<ContactChannel> find_auth_channel(const std::string& project_id,
                                                          const std::string& type,
                                                          const std::string& value) = 0;

  // One transaction, checks in the order of contact-channels.md §3.2: user
  // exists, same user has (type, value), used for auth elsewhere; then the
  // insert, and when is_primary the other channels of the user stop being
  // primary.
  virtual ContactChannelWrite create_contact_channel(const ContactChannel& c) = 0;

  // One transaction (§3.4): the channel must exist for the user; the
  // resulting (type, value) may not sign in elsewhere when the result is
  // used for auth; a new value un-verifies unless is_verified is given;
  // is_primary true demotes the user's other channels. `out` receives the
  // updated channel on kOk.
  virtual ContactChannelWrite update_contact_channel(const std::string& project_id,
                                                     const std::string& user_id,
                                                     const std::string& id,
                                                     const ContactChannelUpdate& update,
                                                     ContactChannel* out) = 0;

  virtual bool delete_contact_channel(const std::string& project_id, const std::string& user_id,
                                      const std::string& id) = 0;

  // Sets is_verified on the user's channel whose value is exactly `value`;
  // false when there is none.
  virtual bool mark_contact_channel_verified(const std::string& project_id,
                                             const std::string& user_id, const std::string& type,
                                             const std::string& value) = 0;
};

}  // namespace latchkey::store
