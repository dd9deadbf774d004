#include "core/email_codes.hpp"

#include <spdlog/spdlog.h>

#include "core/email_templates.hpp"
#include "core/users.hpp"

namespace latchkey::core {

void count_email_request(const EmailServices& s, const store::Project& project,
                         const std::string& address) {
  if (!s.limits) return;
  if (!s.client_ip.empty()) s.limits->count_code_send(s.client_ip);
  s.limits->count_email({project.id, project.config}, address);
}

IssuedCode send_code_email(const EmailServices& s, const store::Project& project,
                           const std::string& branch_id, CodeEmail e) {
  if (!e.counted) count_email_request(s, project, normalize_email(e.recipient));
  if (!e.code.redirect_url) e.code.redirect_url = e.callback_url;
  // The link must be buildable before anything is written.
  auto probe = mail::build_code_link(e.callback_url, std::string(kCodeLength, '0'));
  if (!probe) throw std::invalid_argument("callback URL is not an absolute URL");

  IssuedCode issued = create_code(s.store, s.clock, project.id, branch_id, e.code);
  e.vars[e.link_var] = *mail::build_code_link(e.callback_url, issued.code);
  if (e.template_type == mail::TemplateType::kMagicLink) e.vars["otp"] = otp_of(issued.code);
  mail::OutgoingEmail email{
      e.recipient,
      render_auth_email(s.store, project, e.template_type, e.vars, e.legacy_magic_link),
      {issued.code}};
  try {
    s.mailer.send(project, email);
  } catch (const mail::DeliveryError&) {
    try {
      s.store.verification_codes().delete_code(project.id, issued.row.id);
    } catch (const std::exception& del) {
      spdlog::error("could not delete the code of an undelivered e-mail: {}", del.what());
    }
    throw;
  }
  return issued;
}

std::vector<store::SentEmail> recent_sent_emails(store::Store& store, const std::string& project_id,
                                                 int limit) {
  return store.sent_emails().list_sent_emails(project_id, limit);
}

SentEmailPage sent_email_page(store::Store& store, const std::string& project_id, int limit,
                              const std::optional<std::string>& cursor) {
  // One row more than the page tells whether there is a next one.
  SentEmailPage page;
  page.items = cursor ? store.sent_emails().list_sent_emails_from(project_id, *cursor, limit + 1)
                      : store.sent_emails().list_sent_emails(project_id, limit + 1);
  if (static_cast<int>(page.items.size()) > limit) {
    page.next_cursor = page.items[limit].id;
    page.items.resize(limit);
  }
  return page;
}

}  // namespace latchkey::core
