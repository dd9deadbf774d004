// Password hashing: argon2id (libsodium) for new hashes, verification of
// argon2id and of imported bcrypt hashes, on a bounded pool of threads so
// that hashing never runs on an I/O thread and overload is a clean 503.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// Thrown by PasswordHasher::submit_* when the waiting queue is full; the http
// layer renders it as 503 with Retry-After.
class Overloaded : public PlainError {
 public:
  Overloaded() : PlainError(503, "The server is busy. Please try again shortly.") {}
};

struct PasswordHasherOptions {
  unsigned threads = 0;   // 0: one per core
  size_t max_queue = 64;  // jobs waiting for a thread; more → Overloaded
  // OWASP's argon2id minimum: m = 19 MiB, t = 2, p = 1.
  unsigned long long opslimit = 2;
  size_t memlimit = 19 * 1024 * 1024;
  // When set, each hashing thread runs its argon2id work in a child process
  // started with this argv (argon2_process.hpp says why); empty: in the
  // thread itself.
  std::vector<std::string> process_command;
};

// What one verification actually computed; reported to the hook so tests can
// prove that every sign-in attempt costs the same work.
struct VerificationRecord {
  std::string algorithm;   // "argon2id" or "bcrypt"
  std::string parameters;  // "m=19456,t=2,p=1" or "cost=10"
};

class PasswordHasher {
 public:
  // Called on the hashing thread right before each verification.
  using VerifyHook = std::function<void(const VerificationRecord&)>;

  explicit PasswordHasher(PasswordHasherOptions options = {}, VerifyHook hook = {});
  ~PasswordHasher();
  PasswordHasher(const PasswordHasher&) = delete;
  PasswordHasher& operator=(const PasswordHasher&) = delete;

  // Queue a job; throw Overloaded when the queue is full.
  std::future<std::string> submit_hash(std::string password);
  // `stored_hash` nullopt (no such account, or no password): the password is
  // verified against a dummy hash made at start with the current parameters,
  // and the result is false. The same happens for hashes this server cannot
  // or will not verify (unknown format, absurd cost), so the caller's timing
  // does not tell which case it was.
  std::future<bool> submit_verify(std::string password, std::optional<std::string> stored_hash);

  // Blocking conveniences for request handlers (which run on worker threads).
  std::string hash(std::string_view password);
  bool verify(std::string_view password, const std::optional<std::string>& stored_hash);

  // True unless `hash` is argon2id with the current parameters (bcrypt
  // hashes are always upgraded).
  bool needs_rehash(std::string_view hash) const;

  const std::string& dummy_hash() const { return dummy_hash_; }
  unsigned threads() const { return static_cast<unsigned>(workers_.size()); }

 private:
  std::string hash_now(std::string_view password) const;
  bool argon2id_verify_now(const std::string& encoded, std::string_view password) const;
  bool verify_now(std::string_view password, const std::optional<std::string>& stored_hash) const;
  void enqueue(std::function<void()> job);
  void run_worker();

  PasswordHasherOptions options_;
  VerifyHook hook_;
  std::string dummy_hash_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// "$argon2id$…" → {"argon2id", "m=…,t=…,p=…"}, "$2b$10$…" → {"bcrypt",
// "cost=10"}; nullopt for anything else.
std::optional<VerificationRecord> describe_password_hash(std::string_view hash);

// Password sign-in against the store (auth-endpoints.md §1.2): finds the
// user whose auth e-mail is `email` (normalised, §0.5), verifies the password
// (a full verification happens even when there is no such user or it has no
// password) and, when the stored hash is outdated (bcrypt), replaces it with
// an argon2id hash. nullopt = wrong e-mail or password.
std::optional<store::User> authenticate_with_password(store::Store& store, PasswordHasher& hasher,
                                                      const std::string& project_id,
                                                      std::string_view email,
                                                      std::string_view password);

// POST /auth/password/update (auth-endpoints.md §1.6) for `user` as stored
// now: the old password must match; the new hash is written only while the
// stored one is still the hash just verified, and every session but
// `keep_session_id` ends. PASSWORD_CONFIRMATION_MISMATCH otherwise.
void change_password(store::Store& store, PasswordHasher& hasher, const store::User& user,
                     std::string_view old_password, std::string_view new_password,
                     const std::optional<std::string>& keep_session_id);
// POST /auth/password/set (§1.7): for a user without a password only.
void set_first_password(store::Store& store, PasswordHasher& hasher, const store::User& user,
                        std::string_view password);

}  // namespace latchkey::core
