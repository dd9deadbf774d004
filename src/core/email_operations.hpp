// Operational e-mails (emails.md §4.4, §5.2, §5.7): the SMTP test an
// administrator runs, the sign-in invitation, and the daily digest of
// failed deliveries sent to project owners.
#pragma once
#include <optional>
#include <string>

#include "core/email_codes.hpp"
#include "core/json.hpp"

namespace latchkey::core {

struct TestEmailResult {
  bool success = false;
  std::optional<std::string> error_message;  // one of Stack's texts
};

// POST /internal/send-test-email: one attempt through `server`, 10 s in all,
// recorded in the project's log; never throws for a delivery failure.
TestEmailResult send_test_email(const EmailServices& s, const store::Project& project,
                                const mail::StandardSmtpConfig& server,
                                const std::string& recipient);

// The text the test endpoint answers for a failed attempt.
std::string test_email_error_message(const mail::SmtpOutcome& outcome);

// POST /internal/send-sign-in-invitation: REDIRECT_URL_NOT_WHITELISTED for an
// untrusted callback; otherwise the sign_in_invitation e-mail with the
// callback URL as its link (no code, no user). Throws mail::DeliveryError.
void send_sign_in_invitation(const EmailServices& s, const store::Project& project,
                             const std::string& email, const std::string& callback_url);

struct DigestOptions {
  bool dry_run = false;
  // Where the digest links to the project's e-mail log (NEXT_PUBLIC_STACK_DASHBOARD_URL);
  // no link without one.
  std::optional<std::string> dashboard_url;
};

struct DigestReport {
  bool success = true;  // false when a digest could not be delivered
  // [{"emails": [{"subject", "to"}], "tenant_owner_emails", "project_id", "tenancy_id"}]
  Json failed_emails_by_tenancy = Json::array();
};

// POST /internal/failed-emails-digest: for every project with a failed
// delivery in the last 24 hours, one digest to each owner with a primary
// e-mail (none without owners), through the shared server as "Stack Auth".
DigestReport send_failed_emails_digest(const EmailServices& s, const DigestOptions& options);

// Whether the Authorization header value is "Bearer <CRON_SECRET>", compared
// in constant time; false when no secret is configured.
bool is_cron_authorized(const std::optional<std::string>& cron_secret, std::string_view header);

}  // namespace latchkey::core
