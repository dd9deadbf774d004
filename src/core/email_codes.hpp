// E-mails that carry a verification code (emails.md §1–§2): create the code,
// build the link from the caller's callback URL, render the template and
// deliver it — shared by OTP sign-in, password reset, e-mail verification
// and team invitations.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/rate_limits.hpp"
#include "core/verification_codes.hpp"
#include "mail/mailer.hpp"
#include "mail/templates.hpp"
#include "store/store.hpp"

namespace latchkey::core {

struct EmailServices {
  store::Store& store;
  const Clock& clock;
  mail::Mailer& mailer;
  // The e-mails-per-address and code-sends-per-address throttles, and the
  // client address a request counts under ("": per address only); null:
  // not counted (mail the server sends on its own, tests).
  RateLimits* limits = nullptr;
  std::string client_ip = {};
};

// The project's most recently sent e-mails, newest first (GET /internal/emails).
std::vector<store::SentEmail> recent_sent_emails(store::Store& store, const std::string& project_id,
                                                 int limit);
// A page of them (GET /internal/emails?limit=&cursor=): at most `limit`,
// from the e-mail `cursor` (inclusive; the newest without one); next_cursor
// names the first e-mail of the next page, if there is one.
struct SentEmailPage {
  std::vector<store::SentEmail> items;
  std::optional<std::string> next_cursor;
};
SentEmailPage sent_email_page(store::Store& store, const std::string& project_id, int limit,
                              const std::optional<std::string>& cursor);
// Counts one code e-mail asked for `address` (normalised) in `project` by
// the request's client; throws errors::too_many_requests when either limit
// is reached.
void count_email_request(const EmailServices& s, const store::Project& project,
                         const std::string& address);

struct CodeEmail {
  NewCode code;  // redirect_url defaults to callback_url
  mail::TemplateType template_type = mail::TemplateType::kEmailVerification;
  mail::TemplateVars vars;  // everything but the link (and the OTP, added here)
  std::string link_var;     // e.g. "magicLink"
  std::string recipient;
  std::string callback_url;  // already checked against the trusted domains
  bool legacy_magic_link = false;
  // The caller has already counted it (count_email_request).
  bool counted = false;
};

// Counts the e-mail (unless e.counted), creates the code, then sends it. When delivery fails the
// code is deleted again before mail::DeliveryError propagates, so a failed send leaves no usable
// code behind (should the delete itself fail, the code is 45 random characters nobody was shown:
// harmless, it expires).
IssuedCode send_code_email(const EmailServices& s, const store::Project& project,
                           const std::string& branch_id, CodeEmail e);

}  // namespace latchkey::core
