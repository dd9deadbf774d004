#include "core/email_operations.hpp"

#include <spdlog/spdlog.h>

#include "core/crypto.hpp"
#include "core/email_templates.hpp"
#include "core/errors.hpp"
#include "core/trusted_urls.hpp"
#include "mail/templates.hpp"
#include "mail/themes.hpp"

namespace latchkey::core {
namespace {

constexpr int64_t kDigestWindowMillis = 24LL * 3600 * 1000;
constexpr size_t kDigestListed = 10;
constexpr size_t kDigestSubjectChars = 50;

std::string server_response(const mail::SmtpOutcome& o) {
  return "\nResponse from the email server:\n" + o.error;
}

// The first `n` characters (code points) of UTF-8 `s`.
std::string first_chars(const std::string& s, size_t n) {
  size_t i = 0;
  for (size_t count = 0; i < s.size() && count < n; ++count) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return s.substr(0, i);
}

std::string collapse_whitespace(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (space) out += ' ';
  return out;
}

std::string digest_html(const store::FailedEmailDigest& d, const DigestOptions& options) {
  std::string html =
      "<p>Thank you for using Stack Auth!</p>\n<p>We detected that, on your project, there have "
      "been " +
      std::to_string(d.failures.size()) +
      " emails that failed to deliver in the last 24 hours. Please check your email "
      "server configuration.</p>\n";
  if (options.dashboard_url) {
    std::string base = *options.dashboard_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    html += "<p><a href=\"" +
            mail::attribute_escape(base + "/projects/" + d.project_id + "/emails") +
            "\">View all email logs on the Dashboard</a></p>\n";
  }
  html += "<p>Last failing emails:</p>\n";
  size_t first = d.failures.size() > kDigestListed ? d.failures.size() - kDigestListed : 0;
  for (size_t i = first; i < d.failures.size(); ++i) {
    const auto& f = d.failures[i];
    std::string to;
    if (f.to.is_array())
      for (const auto& a : f.to) {
        if (!to.empty()) to += ", ";
        to += mail::html_escape(a.is_string() ? a.get<std::string>() : a.dump());
      }
    html += "<div><p>Subject: " +
            first_chars(collapse_whitespace(mail::html_escape(f.subject)), kDigestSubjectChars) +
            "<br />To: " + to + "</p></div>\n";
  }
  if (d.failures.size() > kDigestListed) html += "<div>...</div>\n";
  return html;
}

}  // namespace

std::string test_email_error_message(const mail::SmtpOutcome& o) {
  using F = mail::SmtpFailure;
  switch (o.failure) {
    case F::kHostNotFound:
      return "Failed to connect to the email host. Please make sure the email host configuration "
             "is correct.";
    case F::kAuth:
      return "Failed to authenticate with the email server. Please check your email credentials "
             "configuration.";
    case F::kTemporary:
      return "The email server returned a temporary error. This could be due to a temporary "
             "network issue or a temporary block on the email server. Please try again "
             "later.\n\nError: " +
             server_response(o);
    case F::kInvalidAddress:
      return "The email address provided is invalid. Please verify both the recipient and sender "
             "email addresses configuration are correct.\n\nError:" +
             server_response(o);
    case F::kRejected:
      return "The email server rejected the email. Please check your email configuration and try "
             "again later.\n\nError:" +
             server_response(o);
    case F::kTimeout:
      // Both the connect and the overall timeout are the endpoint's 10 s bound.
      return "Timed out while sending test email. Make sure the email server is running and "
             "accepting connections.";
    case F::kConnectionLost:
      return "Connection to email server was lost unexpectedly. This could be due to incorrect "
             "email server port configuration or a temporary network issue. Please verify your "
             "configuration and try again.";
    case F::kMessageRejected:
      return "Email server rejected the email: " + o.error;
    case F::kNone:
    case F::kOther:
      break;
  }
  return "Unknown error while sending test email. Make sure the email server is running and "
         "accepting connections.";
}

TestEmailResult send_test_email(const EmailServices& s, const store::Project& project,
                                const mail::StandardSmtpConfig& server,
                                const std::string& recipient) {
  mail::OutgoingEmail email{recipient,
                            {"Test Email from Stack Auth",
                             "This is a test email from Stack Auth. If you successfully received "
                             "this email, your email server configuration is working correctly.",
                             ""},
                            {}};
  const mail::SmtpTimeouts bound{std::chrono::seconds(10), std::chrono::seconds(10)};
  mail::SmtpOutcome o = s.mailer.try_once(project, server, email, bound);
  if (o.ok) return {true, std::nullopt};
  return {false, test_email_error_message(o)};
}

void send_sign_in_invitation(const EmailServices& s, const store::Project& project,
                             const std::string& email, const std::string& callback_url) {
  if (!is_trusted_url(project.config, callback_url)) throw errors::redirect_url_not_whitelisted();
  mail::TemplateVars vars{{"projectDisplayName", project.display_name},
                          {"signInInvitationLink", callback_url}};
  s.mailer.send(project,
                {email,
                 render_auth_email(s.store, project, mail::TemplateType::kSignInInvitation, vars),
                 {}});
}

DigestReport send_failed_emails_digest(const EmailServices& s, const DigestOptions& options) {
  DigestReport report;
  auto digests = s.store.emails().failed_emails_since(s.clock.now_millis() - kDigestWindowMillis);
  std::optional<store::Project> internal;
  for (const auto& d : digests) {
    Json emails = Json::array();
    for (const auto& f : d.failures) emails.push_back(Json{{"subject", f.subject}, {"to", f.to}});
    report.failed_emails_by_tenancy.push_back(Json{{"emails", emails},
                                                   {"tenant_owner_emails", d.owner_emails},
                                                   {"project_id", d.project_id},
                                                   // One tenancy (the main branch) per project.
                                                   {"tenancy_id", d.project_id}});
    if (options.dry_run || d.owner_emails.empty()) continue;
    if (!internal) internal = s.store.projects().get_project("internal");
    if (!internal) {
      spdlog::error("failed-e-mails digest: the internal project is missing");
      report.success = false;
      continue;
    }
    const std::string html = digest_html(d, options);
    for (const auto& owner : d.owner_emails) {
      try {
        s.mailer.send_shared_as(
            *internal, "Stack Auth",
            {owner, {"Failed emails digest", mail::html_to_text(html), html}, {}});
      } catch (const mail::DeliveryError& e) {
        spdlog::error("failed-e-mails digest for project {} not delivered to {}: {}", d.project_id,
                      owner, e.what());
        report.success = false;
      }
    }
  }
  return report;
}

bool is_cron_authorized(const std::optional<std::string>& cron_secret, std::string_view header) {
  if (!cron_secret || cron_secret->empty()) return false;
  return constant_time_equals(header, "Bearer " + *cron_secret);
}

}  // namespace latchkey::core
