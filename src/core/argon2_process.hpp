// argon2id in helper processes. libsodium maps each hash's memory (19 MiB at
// the server's settings) with MAP_POPULATE and unmaps it afterwards, so half
// of a hash's time is the kernel building and tearing down page tables. Two
// hashing threads of one process then contend on that process's memory map
// and on TLB shootdowns: on a 2-core machine two threads of one process
// reached 125 hashes/s where two processes reached 145. So each hashing
// thread of the server hands its argon2id work to a child process of its own
// (`latchkey hash-worker`) over a pair of pipes.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::core {

// The argon2id primitives, in whichever process runs them (libsodium).
// argon2id_hash throws std::runtime_error when libsodium fails (memory).
std::string argon2id_hash(std::string_view password, unsigned long long opslimit, size_t memlimit);
bool argon2id_verify(const std::string& encoded, std::string_view password);

// The body of `latchkey hash-worker`: answers argon2id requests read from
// `in_fd` on `out_fd` until `in_fd` ends (the parent closed it or died).
// Returns 0 then, 1 on a malformed request.
int serve_argon2_requests(int in_fd, int out_fd);

// The parent's end of one helper process, started on first use. A child
// that died is replaced and the request sent once more (hashing changes
// nothing); a second failure in a row throws std::runtime_error. One caller
// at a time (a hashing thread owns one).
class Argon2Process {
 public:
  // `command`: the child's argv, e.g. {"/proc/self/exe", "hash-worker"}.
  explicit Argon2Process(std::vector<std::string> command);
  // Already-connected pipes (tests run serve_argon2_requests on a thread).
  Argon2Process(int to_child, int from_child);
  ~Argon2Process();
  Argon2Process(const Argon2Process&) = delete;
  Argon2Process& operator=(const Argon2Process&) = delete;

  std::string hash(std::string_view password, unsigned long long opslimit, size_t memlimit);
  bool verify(const std::string& encoded, std::string_view password);

  pid_t pid() const { return pid_; }

 private:
  // Sends one request and reads its answer: status byte and payload.
  std::pair<char, std::string> call(char op, unsigned long long opslimit, size_t memlimit,
                                    std::string_view first, std::string_view second);
  void start();
  void stop();

  std::vector<std::string> command_;
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
};

}  // namespace latchkey::core
