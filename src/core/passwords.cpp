#include "core/passwords.hpp"

#include <crypt.h>
#include <sodium.h>

#include <charconv>
#include <memory>
#include <stdexcept>

#include "core/argon2_process.hpp"
#include "core/crypto.hpp"
#include "core/metrics.hpp"
#include "core/users.hpp"

namespace latchkey::core {
namespace {

// Jobs waiting for a hashing thread, across hashers (the server has one).
metrics::Gauge& queue_depth() {
  static auto& g =
      metrics::gauge("latchkey_password_hash_queue_depth",
                     "Password hashes and verifications waiting for a hashing thread.");
  return g;
}

// Imported hashes are data from outside; refuse parameters that would let
// one stored hash pin a hashing thread for seconds.
constexpr int kMaxBcryptCost = 16;  // auth-endpoints.md §1.2
constexpr unsigned long kMaxArgon2MemoryKiB = 256 * 1024;
constexpr unsigned long kMaxArgon2Passes = 10;
constexpr unsigned long kMaxArgon2Lanes = 4;

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_bcrypt(std::string_view h) {
  return starts_with(h, "$2a$") || starts_with(h, "$2b$") || starts_with(h, "$2y$");
}

// "$2b$10$<53 chars>" → 10; nullopt when malformed.
std::optional<int> bcrypt_cost(std::string_view h) {
  if (h.size() != 60 || !is_bcrypt(h) || h[6] != '$') return std::nullopt;
  int cost = 0;
  auto [p, ec] = std::from_chars(h.data() + 4, h.data() + 6, cost);
  if (ec != std::errc() || p != h.data() + 6) return std::nullopt;
  return cost;
}

// The value of `key=` in "m=19456,t=2,p=1".
std::optional<unsigned long> argon2_param(std::string_view params, char key) {
  size_t pos = 0;
  while (pos < params.size()) {
    size_t end = params.find(',', pos);
    if (end == std::string_view::npos) end = params.size();
    std::string_view item = params.substr(pos, end - pos);
    if (item.size() > 2 && item[0] == key && item[1] == '=') {
      unsigned long v = 0;
      auto [p, ec] = std::from_chars(item.data() + 2, item.data() + item.size(), v);
      if (ec == std::errc() && p == item.data() + item.size()) return v;
      return std::nullopt;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

bool argon2_params_acceptable(std::string_view params) {
  auto m = argon2_param(params, 'm');
  auto t = argon2_param(params, 't');
  auto p = argon2_param(params, 'p');
  return m && t && p && *m <= kMaxArgon2MemoryKiB && *t >= 1 && *t <= kMaxArgon2Passes && *p >= 1 &&
         *p <= kMaxArgon2Lanes;
}

// The hashing process of the calling hashing thread, if it has one.
thread_local Argon2Process* t_process = nullptr;

void ensure_sodium() {
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

std::optional<VerificationRecord> describe_password_hash(std::string_view h) {
  if (starts_with(h, "$argon2id$")) {
    // $argon2id$v=19$m=…,t=…,p=…$salt$hash
    std::string_view rest = h.substr(10);
    size_t v_end = rest.find('$');
    if (v_end == std::string_view::npos || !starts_with(rest, "v=")) return std::nullopt;
    rest = rest.substr(v_end + 1);
    size_t p_end = rest.find('$');
    if (p_end == std::string_view::npos) return std::nullopt;
    return VerificationRecord{"argon2id", std::string(rest.substr(0, p_end))};
  }
  if (auto cost = bcrypt_cost(h))
    return VerificationRecord{"bcrypt", "cost=" + std::to_string(*cost)};
  return std::nullopt;
}

PasswordHasher::PasswordHasher(PasswordHasherOptions options, VerifyHook hook)
    : options_(options), hook_(std::move(hook)) {
  ensure_sodium();
  if (options_.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      options_.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN)
    throw std::invalid_argument("argon2id parameters below libsodium's minimum");
  // The dummy's password is random and thrown away: nothing can match it,
  // it only has to cost what a real verification costs.
  dummy_hash_ = hash_now(base64url_encode(random_bytes(32)));
  unsigned n = options_.threads ? options_.threads : std::thread::hardware_concurrency();
  if (n == 0) n = 1;
  workers_.reserve(n);
  for (unsigned i = 0; i < n; ++i) workers_.emplace_back([this] { run_worker(); });
  metrics::gauge("latchkey_password_hash_queue_limit",
                 "Most hashes that may wait; beyond it requests get 503.")
      .set(static_cast<int64_t>(options_.max_queue));
  metrics::gauge("latchkey_password_hash_threads", "Hashing threads.")
      .set(static_cast<int64_t>(workers_.size()));
}

PasswordHasher::~PasswordHasher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void PasswordHasher::run_worker() {
  std::optional<Argon2Process> process;
  if (!options_.process_command.empty()) {
    process.emplace(options_.process_command);
    t_process = &*process;
  }
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Jobs already accepted still run at shutdown: someone waits on them.
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      queue_depth().dec();
    }
    job();
  }
}

void PasswordHasher::enqueue(std::function<void()> job) {
  static auto& rejected = metrics::counter(
      "latchkey_password_hash_rejected_total",
      "Hash and verification requests refused (503) because the hashing queue was full.");
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw Overloaded();
    if (queue_.size() >= options_.max_queue) {
      rejected.inc();
      throw Overloaded();
    }
    queue_.push_back(std::move(job));
    queue_depth().inc();
  }
  cv_.notify_one();
}

std::future<std::string> PasswordHasher::submit_hash(std::string password) {
  static auto& seconds = metrics::histogram(
      "latchkey_password_hash_seconds",
      "Time of one password hash or verification on a hashing thread (queue wait excluded).",
      {{"op", "hash"}});
  auto task = std::make_shared<std::packaged_task<std::string()>>([this, pw = std::move(password)] {
    metrics::ScopedTimer timed(seconds);
    return hash_now(pw);
  });
  auto future = task->get_future();
  enqueue([task] { (*task)(); });
  return future;
}

std::future<bool> PasswordHasher::submit_verify(std::string password,
                                                std::optional<std::string> stored_hash) {
  static auto& seconds = metrics::histogram(
      "latchkey_password_hash_seconds",
      "Time of one password hash or verification on a hashing thread (queue wait excluded).",
      {{"op", "verify"}});
  auto task = std::make_shared<std::packaged_task<bool()>>(
      [this, pw = std::move(password), h = std::move(stored_hash)] {
        metrics::ScopedTimer timed(seconds);
        return verify_now(pw, h);
      });
  auto future = task->get_future();
  enqueue([task] { (*task)(); });
  return future;
}

std::string PasswordHasher::hash(std::string_view password) {
  return submit_hash(std::string(password)).get();
}

bool PasswordHasher::verify(std::string_view password,
                            const std::optional<std::string>& stored_hash) {
  return submit_verify(std::string(password), stored_hash).get();
}

std::string PasswordHasher::hash_now(std::string_view password) const {
  if (t_process) return t_process->hash(password, options_.opslimit, options_.memlimit);
  return argon2id_hash(password, options_.opslimit, options_.memlimit);
}

bool PasswordHasher::argon2id_verify_now(const std::string& encoded,
                                         std::string_view password) const {
  return t_process ? t_process->verify(encoded, password) : argon2id_verify(encoded, password);
}

bool PasswordHasher::verify_now(std::string_view password,
                                const std::optional<std::string>& stored_hash) const {
  auto record = stored_hash ? describe_password_hash(*stored_hash) : std::nullopt;
  bool usable = false;
  if (record && record->algorithm == "argon2id") {
    usable = stored_hash->size() < crypto_pwhash_argon2id_STRBYTES &&
             argon2_params_acceptable(record->parameters);
  } else if (record && record->algorithm == "bcrypt") {
    // crypt() reads a C string: a NUL inside the password would silently
    // truncate it, so such a password never matches a bcrypt hash.
    usable = *bcrypt_cost(*stored_hash) <= kMaxBcryptCost &&
             password.find('\0') == std::string_view::npos;
  }

  if (!usable) {
    // No account, no password, or a hash we refuse: spend what a real
    // verification spends, then fail.
    auto dummy = *describe_password_hash(dummy_hash_);
    if (hook_) hook_(dummy);
    [[maybe_unused]] bool matched = argon2id_verify_now(dummy_hash_, password);
    return false;
  }
  if (hook_) hook_(*record);

  if (record->algorithm == "argon2id") return argon2id_verify_now(*stored_hash, password);
  auto data = std::make_unique<crypt_data>();  // zeroed, as crypt_rn expects
  std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), stored_hash->c_str(), data.get(), sizeof(*data));
  bool ok = out != nullptr && out[0] != '*' && constant_time_equals(out, *stored_hash);
  sodium_memzero(phrase.data(), phrase.size());
  return ok;
}

bool PasswordHasher::needs_rehash(std::string_view hash) const {
  if (!starts_with(hash, "$argon2id$") || hash.size() >= crypto_pwhash_argon2id_STRBYTES)
    return true;
  std::string h(hash);
  return crypto_pwhash_argon2id_str_needs_rehash(h.c_str(), options_.opslimit, options_.memlimit) !=
         0;
}

std::optional<store::User> authenticate_with_password(store::Store& store, PasswordHasher& hasher,
                                                      const std::string& project_id,
                                                      std::string_view email,
                                                      std::string_view password) {
  auto user = store.users().find_user_by_auth_email(project_id, normalize_email(email));
  std::optional<std::string> stored = user ? user->password_hash : std::nullopt;
  if (!hasher.verify(password, stored)) return std::nullopt;
  if (hasher.needs_rehash(*stored)) {
    // Best effort: a busy hasher or a concurrent password change only means
    // the upgrade happens on a later sign-in.
    try {
      std::string fresh = hasher.hash(password);
      if (store.sessions().compare_and_set_password(project_id, user->id, stored, fresh, false,
                                                    std::nullopt))
        user->password_hash = fresh;
    } catch (const Overloaded&) {
    }
  }
  return user;
}

void change_password(store::Store& store, PasswordHasher& hasher, const store::User& user,
                     std::string_view old_password, std::string_view new_password,
                     const std::optional<std::string>& keep_session_id) {
  if (!user.password_hash) throw errors::user_does_not_have_password();
  if (!hasher.verify(old_password, user.password_hash))
    throw errors::password_confirmation_mismatch();
  std::string hash = hasher.hash(new_password);
  // If the hash changed since it was verified, the old password is no
  // longer the current one.
  if (!store.sessions().compare_and_set_password(user.project_id, user.id, user.password_hash, hash,
                                                 /*revoke_sessions=*/true, keep_session_id))
    throw errors::password_confirmation_mismatch();
}

void set_first_password(store::Store& store, PasswordHasher& hasher, const store::User& user,
                        std::string_view password) {
  const PlainError already_set(400, "User already has a password set.");
  if (user.password_hash) throw already_set;
  std::string hash = hasher.hash(password);
  if (!store.sessions().compare_and_set_password(user.project_id, user.id, std::nullopt, hash,
                                                 /*revoke_sessions=*/false, std::nullopt))
    throw already_set;
}

}  // namespace latchkey::core
