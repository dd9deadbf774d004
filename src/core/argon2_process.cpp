#include "core/argon2_process.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace latchkey::core {
namespace {

// Requests: op ('H' hash, 'V' verify), opslimit and memlimit (u64 each),
// then two length-prefixed (u32) strings: the password and, for 'V', the
// encoded hash. Answers: status ('1' yes / done, '0' no, 'E' failed), then
// one length-prefixed string (the encoded hash for 'H', else empty).
// Integers travel in host order: both ends are the same binary.
constexpr uint32_t kMaxField = 1 << 20;

bool write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool read_all(int fd, void* data, size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool write_field(int fd, std::string_view s) {
  auto n = static_cast<uint32_t>(s.size());
  return write_all(fd, &n, sizeof n) && write_all(fd, s.data(), s.size());
}

bool read_field(int fd, std::string& out) {
  uint32_t n = 0;
  if (!read_all(fd, &n, sizeof n) || n > kMaxField) return false;
  out.resize(n);
  return read_all(fd, out.data(), n);
}

void wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

}  // namespace

std::string argon2id_hash(std::string_view password, unsigned long long opslimit, size_t memlimit) {
  char out[crypto_pwhash_argon2id_STRBYTES];
  if (crypto_pwhash_argon2id_str(out, password.data(), password.size(), opslimit, memlimit) != 0)
    throw std::runtime_error("argon2id hashing failed (out of memory)");
  return std::string(out);
}

bool argon2id_verify(const std::string& encoded, std::string_view password) {
  // libsodium compares the derived key in constant time.
  return crypto_pwhash_argon2id_str_verify(encoded.c_str(), password.data(), password.size()) == 0;
}

int serve_argon2_requests(int in_fd, int out_fd) {
  if (sodium_init() < 0) return 1;
  std::string password, encoded;
  for (;;) {
    char op = 0;
    uint64_t limits[2];
    if (!read_all(in_fd, &op, 1)) return 0;  // the parent is gone: done
    if (!read_all(in_fd, limits, sizeof limits) || !read_field(in_fd, password) ||
        !read_field(in_fd, encoded) || (op != 'H' && op != 'V'))
      return 1;
    char status = 'E';
    std::string result;
    try {
      if (op == 'H') {
        result = argon2id_hash(password, limits[0], static_cast<size_t>(limits[1]));
        status = '1';
      } else {
        status = argon2id_verify(encoded, password) ? '1' : '0';
      }
    } catch (const std::exception&) {
      status = 'E';
    }
    wipe(password);
    if (!write_all(out_fd, &status, 1) || !write_field(out_fd, result)) return 0;
  }
}

Argon2Process::Argon2Process(std::vector<std::string> command) : command_(std::move(command)) {}

Argon2Process::Argon2Process(int to_child, int from_child)
    : to_child_(to_child), from_child_(from_child) {}

Argon2Process::~Argon2Process() { stop(); }

void Argon2Process::start() {
  if (command_.empty()) throw std::runtime_error("the password hashing process has ended");
  int to[2], from[2];
  if (pipe2(to, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (pipe2(from, O_CLOEXEC) != 0) {
    ::close(to[0]);
    ::close(to[1]);
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from[1], 1);
  // Nothing else of the server (sockets, database files) reaches the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  std::vector<char*> argv;
  for (auto& a : command_) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(to[0]);
  ::close(from[1]);
  if (rc != 0) {
    ::close(to[1]);
    ::close(from[0]);
    throw std::runtime_error(std::string("could not start the password hashing process: ") +
                             std::strerror(rc));
  }
  pid_ = pid;
  to_child_ = to[1];
  from_child_ = from[0];
}

void Argon2Process::stop() {
  if (to_child_ >= 0) ::close(to_child_);
  if (from_child_ >= 0) ::close(from_child_);
  to_child_ = from_child_ = -1;
  if (pid_ > 0) {
    // Closing its input ends the child; reap it so no zombie stays.
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
}

std::pair<char, std::string> Argon2Process::call(char op, unsigned long long opslimit,
                                                 size_t memlimit, std::string_view first,
                                                 std::string_view second) {
  uint64_t limits[2] = {opslimit, memlimit};
  char status = 0;
  std::string payload;
  // A child that died (killed, out of memory) is replaced and the request
  // sent again: a hash or a verification changes nothing, so running it
  // twice is harmless. A second failure in a row is an error.
  for (int attempt = 0;; ++attempt) {
    if (to_child_ < 0) start();
    bool ok = write_all(to_child_, &op, 1) && write_all(to_child_, limits, sizeof limits) &&
              write_field(to_child_, first) && write_field(to_child_, second) &&
              read_all(from_child_, &status, 1) && read_field(from_child_, payload);
    if (ok) break;
    stop();
    if (attempt == 1 || command_.empty())
      throw std::runtime_error("the password hashing process ended unexpectedly");
  }
  if (status == 'E') throw std::runtime_error("argon2id hashing failed in the hashing process");
  return {status, std::move(payload)};
}

std::string Argon2Process::hash(std::string_view password, unsigned long long opslimit,
                                size_t memlimit) {
  return call('H', opslimit, memlimit, password, {}).second;
}

bool Argon2Process::verify(const std::string& encoded, std::string_view password) {
  return call('V', 0, 0, password, encoded).first == '1';
}

}  // namespace latchkey::core
