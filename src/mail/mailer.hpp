// Delivers the server's e-mails (emails.md §4): through the deployment's
// shared SMTP server (STACK_EMAIL_*) or the project's own (`email_config`
// of type standard), or — with no SMTP configured — into the log. Every
// attempt is recorded in the sent-e-mail log.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "mail/smtp.hpp"
#include "mail/templates.hpp"
#include "store/store.hpp"

namespace latchkey::mail {

// The shared server from the environment (emails.md §4.2).
struct SharedSmtpSettings {
  std::optional<std::string> host;    // STACK_EMAIL_HOST; unset = log only
  std::optional<int> port;            // STACK_EMAIL_PORT
  std::string username;               // STACK_EMAIL_USERNAME
  std::string password;               // STACK_EMAIL_PASSWORD
  std::optional<std::string> sender;  // STACK_EMAIL_SENDER
  std::vector<std::string> problems;  // missing or invalid variables

  static SharedSmtpSettings from_env();
  bool log_only() const { return !host; }
};

// A send that failed: the request answers 500 and the cause goes to the log.
class DeliveryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OutgoingEmail {
  std::string to;
  RenderedEmail content;
  // Secrets in the bodies (a verification code): replaced by "[redacted]" in
  // the stored sent-e-mail log, which must not hold usable codes.
  std::vector<std::string> redact;
};

// A project's own SMTP server (email_config of type standard, or the server
// POST /internal/send-test-email is asked to try).
struct StandardSmtpConfig {
  std::string host;
  int port = 0;
  std::string username;
  std::string password;
  std::string sender_name;
  std::string sender_email;
};

class Mailer {
 public:
  Mailer(SharedSmtpSettings shared, store::Store& store, const core::Clock& clock,
         size_t max_background_jobs = 256);
  ~Mailer();
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  // One log line at start saying how mail will be delivered.
  void log_configuration() const;

  // Delivers `email` for `project` (its email_config decides the server),
  // retrying transient failures within a bounded time (at most ~20 s in
  // all). Blocking: call it from a worker thread. Throws DeliveryError.
  void send(const store::Project& project, const OutgoingEmail& email);

  // Delivers through the shared server with `sender_name` as the From name
  // (the failed-e-mails digest and the notice of a revoked leaked API key,
  // sent "as Stack Auth", whatever the project's own server), recorded in
  // `log_project`'s log. Retries and throws as send() does.
  void send_shared_as(const store::Project& log_project, const std::string& sender_name,
                      const OutgoingEmail& email);

  // One attempt through `server`, never retried, bounded by `timeouts`
  // (POST /internal/send-test-email: 10 s in all), recorded in `project`'s
  // log. Returns the outcome instead of throwing.
  SmtpOutcome try_once(const store::Project& project, const StandardSmtpConfig& server,
                       const OutgoingEmail& email, const SmtpTimeouts& timeouts);

  // Runs `job` on one of the mailer's own threads, for sends that must
  // neither delay nor fail a response (the sign-up verification e-mail). A
  // full queue drops the job with a log line; jobs still queued at shutdown
  // are dropped.
  void run_in_background(std::function<void()> job);

  const SharedSmtpSettings& shared() const { return shared_; }

 private:
  struct Route;  // the server and sender one send goes through
  Route standard_route(const StandardSmtpConfig& c) const;
  Route shared_route(const std::string& sender_name) const;
  void deliver(const store::Project& project, const Route& route, const OutgoingEmail& email);
  std::string message_for(const Route& route, const OutgoingEmail& email) const;
  void record(const store::Project& project, const OutgoingEmail& email, const Json& sender_config,
              const Json& error);
  void background_loop();

  SharedSmtpSettings shared_;
  store::Store& store_;
  const core::Clock& clock_;
  size_t max_jobs_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  // Several, so that one slow SMTP server (a send may retry for ~20 s) does
  // not hold up every other background e-mail behind it.
  static constexpr int kBackgroundThreads = 4;
  std::vector<std::thread> threads_;
};

}  // namespace latchkey::mail
