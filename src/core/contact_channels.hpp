// Contact channels (contact-channels.md): the read shape, the CRUD rules the
// store does not decide itself, and e-mail verification (codes, the
// verification e-mail, the sign-up e-mail sent in the background).
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/email_codes.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// §1, the same for every access type.
Json contact_channel_view(const store::ContactChannel& c);

struct NewContactChannel {
  std::string user_id;
  std::string type = "email";
  std::string value;  // normalised here
  bool used_for_auth = false;
  bool is_primary = false;
  bool is_verified = false;
};

// §3.2 steps 2–5. USER_NOT_FOUND for an unknown user; plain 400
// "Contact channel already exists"; 409
// CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE (with the value).
std::vector<store::ContactChannel> list_contact_channels(
    store::Store& store, const std::string& project_id, const std::optional<std::string>& user_id,
    const std::optional<std::string>& channel_id);
std::optional<store::ContactChannel> find_contact_channel(store::Store& store,
                                                          const std::string& project_id,
                                                          const std::string& user_id,
                                                          const std::string& channel_id);

store::ContactChannel create_contact_channel(store::Store& store, const Clock& clock,
                                             const std::string& project_id, NewContactChannel n);

// §3.4 steps 2–5 (`update.value` is normalised here). Plain 400 "Contact
// channel not found"; 409 ..._BY_SOMEONE_ELSE without the value; plain 400
// "Contact channel already exists" when the user has the new value already.
store::ContactChannel update_contact_channel(store::Store& store, const std::string& project_id,
                                             const std::string& user_id, const std::string& id,
                                             store::ContactChannelUpdate update);

// §3.5: plain 400 "Contact channel not found".
void delete_contact_channel(store::Store& store, const std::string& project_id,
                            const std::string& user_id, const std::string& id);

// §4.1 steps 2–5 for an existing user: plain 404 "Contact channel not found",
// 409 EMAIL_ALREADY_VERIFIED, 400 REDIRECT_URL_NOT_WHITELISTED, then a new
// code and the e-mail to the channel's address.
void send_contact_channel_verification(const EmailServices& s, const store::Project& project,
                                       const std::string& branch_id, const store::User& user,
                                       const std::string& channel_id,
                                       const std::string& callback_url);

// §4.4 (legacy): `email` must be the user's primary e-mail (400
// EMAIL_IS_NOT_PRIMARY_EMAIL), not yet verified (409), then as §4.1.
void send_primary_email_verification(const EmailServices& s, const store::Project& project,
                                     const std::string& branch_id, const store::User& user,
                                     const std::string& email, const std::string& callback_url);

// §4.2: uses the code, then verifies the user's channel with the code's
// address; plain 400 "Contact channel not found. Was your contact channel
// deleted?" when there is none any more (the code stays used).
void verify_contact_channel(store::Store& store, const Clock& clock, const std::string& project_id,
                            const std::string& branch_id, std::string_view code);

// §4.5: the verification e-mail of a password sign-up, created and sent on
// the mailer's background threads; failures are logged, never reported to
// the sign-up. Returns once the e-mail is handed over, or after
// kSignUpMailWait at most. The callback URL was checked by the caller.
inline constexpr std::chrono::milliseconds kSignUpMailWait{1000};
void send_sign_up_verification_email(const EmailServices& s, const store::Project& project,
                                     const std::string& branch_id, const store::User& user,
                                     const std::string& email, const std::string& callback_url);

}  // namespace latchkey::core
