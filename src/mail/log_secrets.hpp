// Whether an e-mail written to the log instead of sent (no SMTP server
// configured) shows its codes and links. On by default: a developer reads
// the link from the terminal. `--log-format json` turns it off (such logs
// are shipped and kept); the codes then read "[redacted]", as in the
// sent-e-mail log.
#pragma once

namespace latchkey::mail {

void set_log_email_secrets(bool on);

}  // namespace latchkey::mail
