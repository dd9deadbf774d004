#include "mail/mailer.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <cstdlib>

#include "core/crypto.hpp"
#include "core/metrics.hpp"
#include "mail/log_secrets.hpp"
#include "mail/mime.hpp"

namespace latchkey::mail {
namespace {

std::atomic<bool> g_log_secrets{true};

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

constexpr int kMaxAttempts = 3;
constexpr std::chrono::seconds kBackoffBase{2};
// No retry starts unless it can finish within this budget, so one send never
// holds a worker for longer (emails.md §4.3 retries, bounded).
constexpr std::chrono::seconds kSendBudget{20};

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  std::string d = at == std::string::npos ? "" : address.substr(at + 1);
  return d.empty() ? "latchkey.invalid" : d;
}

Json json_or_null(const std::optional<std::string>& s) { return s ? Json(*s) : Json(); }

std::string redacted(std::string s, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = s.find(secret); pos != std::string::npos; pos = s.find(secret, pos))
      s.replace(pos, secret.size(), "[redacted]");
  }
  return s;
}

}  // namespace

SharedSmtpSettings SharedSmtpSettings::from_env() {
  SharedSmtpSettings s;
  s.host = env("STACK_EMAIL_HOST");
  s.sender = env("STACK_EMAIL_SENDER");
  s.username = env("STACK_EMAIL_USERNAME").value_or("");
  s.password = env("STACK_EMAIL_PASSWORD").value_or("");
  if (auto p = env("STACK_EMAIL_PORT")) {
    int port = 0;
    auto [ptr, ec] = std::from_chars(p->data(), p->data() + p->size(), port);
    if (ec == std::errc() && ptr == p->data() + p->size() && port >= 1 && port <= 65535)
      s.port = port;
    else
      s.problems.push_back("STACK_EMAIL_PORT is not a port number: " + *p);
  }
  if (!s.host) return s;  // log-only mode: nothing else matters
  if (!is_valid_smtp_host(*s.host)) s.problems.push_back("STACK_EMAIL_HOST is not a host name");
  if (!s.port && s.problems.empty()) s.problems.push_back("STACK_EMAIL_PORT is not set");
  if (!s.sender) s.problems.push_back("STACK_EMAIL_SENDER is not set");
  return s;
}

Mailer::Mailer(SharedSmtpSettings shared, store::Store& store, const core::Clock& clock,
               size_t max_background_jobs)
    : shared_(std::move(shared)), store_(store), clock_(clock), max_jobs_(max_background_jobs) {
  for (int i = 0; i < kBackgroundThreads; ++i) threads_.emplace_back([this] { background_loop(); });
}

Mailer::~Mailer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (!jobs_.empty())
      spdlog::warn("dropping {} background e-mail job(s) at shutdown", jobs_.size());
    jobs_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void set_log_email_secrets(bool on) { g_log_secrets = on; }

void Mailer::log_configuration() const {
  if (shared_.log_only()) {
    spdlog::warn(
        "E-mail: no SMTP server configured (STACK_EMAIL_HOST is unset). E-mails of projects "
        "using the shared e-mail config are written to this log instead of being sent.");
    return;
  }
  for (const auto& p : shared_.problems)
    spdlog::error("E-mail: {}; sending through the shared SMTP server will fail", p);
  if (shared_.problems.empty())
    spdlog::info("E-mail: shared SMTP server {}:{} ({}), sender {}{}", *shared_.host, *shared_.port,
                 *shared_.port == 465 ? "implicit TLS" : "STARTTLS when offered", *shared_.sender,
                 shared_.username.empty() ? ", no credentials" : "");
}

void Mailer::record(const store::Project& project, const OutgoingEmail& email,
                    const Json& sender_config, const Json& error) {
  store::SentEmail row;
  row.id = core::random_uuid();
  row.project_id = project.id;
  row.sent_at_millis = clock_.now_millis();
  row.to = Json::array({email.to});
  row.subject = email.content.subject;
  row.html = redacted(email.content.html, email.redact);
  row.text = redacted(email.content.text, email.redact);
  row.sender_config = sender_config;
  row.error = error;
  try {
    store_.sent_emails().insert_sent_email(row);
  } catch (const std::exception& e) {
    // The log row is bookkeeping: failing to write it must not change the
    // outcome of the delivery it describes.
    spdlog::error("could not record a sent e-mail for project {}: {}", project.id, e.what());
  }
}

struct Mailer::Route {
  SmtpServer server;
  std::string sender_name;
  std::string sender_email;
  Json sender_config;  // as logged: never the password
  bool log_only = false;
  std::optional<std::string> problem;  // the shared server is misconfigured
};

Mailer::Route Mailer::standard_route(const StandardSmtpConfig& c) const {
  Route r;
  r.server = {c.host, c.port, c.username, c.password};
  r.sender_name = c.sender_name;
  r.sender_email = c.sender_email;
  r.sender_config = Json{{"type", "standard"},
                         {"host", c.host},
                         {"port", c.port},
                         {"username", c.username},
                         {"sender_name", c.sender_name},
                         {"sender_email", c.sender_email}};
  return r;
}

Mailer::Route Mailer::shared_route(const std::string& sender_name) const {
  Route r;
  r.sender_name = sender_name;
  r.sender_email = shared_.sender.value_or("noreply@localhost");
  r.sender_config = Json{{"type", "shared"},
                         {"host", json_or_null(shared_.host)},
                         {"port", shared_.port ? Json(*shared_.port) : Json()},
                         {"username", shared_.username.empty() ? Json() : Json(shared_.username)},
                         {"sender_name", r.sender_name},
                         {"sender_email", r.sender_email}};
  r.log_only = shared_.log_only();
  if (!r.log_only && !shared_.problems.empty()) r.problem = shared_.problems.front();
  if (!r.log_only && !r.problem)
    r.server = {*shared_.host, *shared_.port, shared_.username, shared_.password};
  return r;
}

std::string Mailer::message_for(const Route& route, const OutgoingEmail& email) const {
  MimeMessage m;
  m.from_name = route.sender_name;
  m.from_address = route.sender_email;
  m.to = email.to;
  m.subject = email.content.subject;
  m.text = email.content.text;
  m.html = email.content.html;
  m.date_millis = clock_.now_millis();
  m.message_id = core::random_uuid() + "@" + domain_of(route.sender_email);
  m.boundary = "=_latchkey_" + core::random_request_id();
  return render_mime(m);
}

void Mailer::send(const store::Project& project, const OutgoingEmail& email) {
  Json ec = project.config.is_object() ? project.config.value("email_config", Json::object())
                                       : Json::object();
  if (ec.is_object() && ec.value("type", "") == "standard") {
    StandardSmtpConfig c;
    c.host = ec.value("host", "");
    c.port = ec.contains("port") && ec["port"].is_number_integer() ? ec["port"].get<int>() : 0;
    c.username = ec.value("username", "");
    c.password = ec.value("password", "");
    c.sender_name = ec.value("sender_name", "");
    c.sender_email = ec.value("sender_email", "");
    deliver(project, standard_route(c), email);
  } else {
    deliver(project, shared_route(project.display_name), email);
  }
}

void Mailer::send_shared_as(const store::Project& log_project, const std::string& sender_name,
                            const OutgoingEmail& email) {
  deliver(log_project, shared_route(sender_name), email);
}

SmtpOutcome Mailer::try_once(const store::Project& project, const StandardSmtpConfig& server,
                             const OutgoingEmail& email, const SmtpTimeouts& timeouts) {
  const Route route = standard_route(server);
  SmtpOutcome r =
      smtp_send(route.server, route.sender_email, email.to, message_for(route, email), timeouts);
  record(project, email, route.sender_config,
         r.ok
             ? Json()
             : Json{{"message", r.error}, {"smtp_code", r.smtp_code ? Json(r.smtp_code) : Json()}});
  if (!r.ok)
    spdlog::info("test e-mail to {} via {}:{} failed: {}", email.to, server.host, server.port,
                 r.error);
  return r;
}

void Mailer::deliver(const store::Project& project, const Route& route,
                     const OutgoingEmail& email) {
  auto emails = [](const char* outcome) -> metrics::Counter& {
    return metrics::counter("latchkey_emails_total",
                            "E-mails by outcome: sent (accepted by the SMTP server), failed "
                            "(given up after retries), logged (log-only mode, not sent).",
                            {{"outcome", outcome}});
  };
  static auto& sent = emails("sent");
  static auto& failed = emails("failed");
  static auto& logged = emails("logged");
  if (route.log_only) {
    logged.inc();
    spdlog::info("E-mail (log only, not sent) for project {}\nTo: {}\nSubject: {}\n\n{}",
                 project.id, email.to, email.content.subject,
                 g_log_secrets ? email.content.text : redacted(email.content.text, email.redact));
    record(project, email, route.sender_config, Json());
    return;
  }
  if (route.problem) {
    std::string why = "the shared SMTP server is misconfigured: " + *route.problem;
    record(project, email, route.sender_config, Json{{"message", why}});
    spdlog::error("e-mail to {} for project {} not sent: {}", email.to, project.id, why);
    failed.inc();
    throw DeliveryError("Failed to send email: " + why);
  }
  const SmtpServer& server = route.server;
  const std::string message = message_for(route, email);

  const auto start = std::chrono::steady_clock::now();
  const SmtpTimeouts timeouts;
  std::string last_error;
  for (int attempt = 1;; ++attempt) {
    SmtpOutcome r = smtp_send(server, route.sender_email, email.to, message, timeouts);
    if (r.ok) {
      sent.inc();
      record(project, email, route.sender_config, Json());
      spdlog::info("e-mail \"{}\" sent to {} via {}:{}", email.content.subject, email.to,
                   server.host, server.port);
      return;
    }
    last_error = r.error;
    Json error{{"message", r.error},
               {"smtp_code", r.smtp_code ? Json(r.smtp_code) : Json()},
               {"attempt", attempt}};
    record(project, email, route.sender_config, error);
    spdlog::warn("e-mail to {} via {}:{} failed (attempt {}): {}", email.to, server.host,
                 server.port, attempt, r.error);
    if (!r.transient || attempt >= kMaxAttempts) break;
    auto backoff = kBackoffBase * (1 << (attempt - 1));
    auto elapsed = std::chrono::steady_clock::now() - start;
    if (elapsed + backoff + timeouts.total > kSendBudget) break;
    std::this_thread::sleep_for(backoff);
  }
  failed.inc();
  throw DeliveryError("Failed to send email: " + last_error);
}

void Mailer::run_in_background(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (jobs_.size() >= max_jobs_) {
      spdlog::error("background e-mail queue full ({} jobs): dropping an e-mail", jobs_.size());
      return;
    }
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Mailer::background_loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("background e-mail job failed: {}", e.what());
    }
  }
}

}  // namespace latchkey::mail
