#include "core/argon2_process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <thread>

namespace latchkey::core {
namespace {

// Small parameters: these tests are about the protocol, not the cost.
constexpr unsigned long long kOps = 1;
constexpr size_t kMem = 64 * 1024;

// serve_argon2_requests on a thread, connected by two pipes, as a child
// process would be.
struct Served {
  int to_child[2], from_child[2];
  std::thread server;
  int rc = -1;
  Served() {
    EXPECT_EQ(pipe(to_child), 0);
    EXPECT_EQ(pipe(from_child), 0);
    server = std::thread([this] { rc = serve_argon2_requests(to_child[0], from_child[1]); });
  }
  void end_child() {
    ::close(to_child[0]);
    ::close(from_child[1]);
  }
};

TEST(Argon2Process, HashesAndVerifiesLikeTheInProcessPrimitives) {
  Served s;
  {
    Argon2Process p(s.to_child[1], s.from_child[0]);
    std::string h = p.hash("correct horse", kOps, kMem);
    EXPECT_TRUE(h.rfind("$argon2id$v=19$m=64,t=1,p=1$", 0) == 0) << h;
    EXPECT_TRUE(argon2id_verify(h, "correct horse"));
    EXPECT_TRUE(p.verify(h, "correct horse"));
    EXPECT_FALSE(p.verify(h, "correct horsE"));
    EXPECT_TRUE(p.verify(argon2id_hash("in process", kOps, kMem), "in process"));
    // A password with a NUL byte travels whole.
    std::string with_nul("a\0b", 3);
    EXPECT_TRUE(p.verify(p.hash(with_nul, kOps, kMem), with_nul));
    EXPECT_FALSE(p.verify(p.hash(with_nul, kOps, kMem), "a"));
  }  // closing our ends ends the server loop cleanly
  s.server.join();
  EXPECT_EQ(s.rc, 0);
  s.end_child();
}

TEST(Argon2Process, ALibsodiumFailureIsAnErrorNotAnAnswer) {
  Served s;
  {
    Argon2Process p(s.to_child[1], s.from_child[0]);
    // Below libsodium's minimum memory: it refuses to hash.
    EXPECT_THROW(p.hash("x", kOps, 1), std::runtime_error);
    EXPECT_FALSE(p.verify("not a hash", "x"));
    EXPECT_TRUE(p.verify(p.hash("still serving", kOps, kMem), "still serving"));
  }
  s.server.join();
  s.end_child();
}

TEST(Argon2Process, AVanishedChildFailsTheRequestWithoutAFreshCommand) {
  std::signal(SIGPIPE, SIG_IGN);  // as the server does
  // Pipes whose child ends are already closed: nobody reads or answers.
  int to_child[2], from_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  ASSERT_EQ(pipe(from_child), 0);
  ::close(to_child[0]);
  ::close(from_child[1]);
  Argon2Process p(to_child[1], from_child[0]);
  EXPECT_THROW(p.hash("after", kOps, kMem), std::runtime_error);
}

TEST(Argon2Process, AKilledHashWorkerIsReplacedAndTheRequestSentAgain) {
  std::signal(SIGPIPE, SIG_IGN);  // as the server does
  Argon2Process p({LATCHKEY_BINARY, "hash-worker"});
  EXPECT_TRUE(p.verify(p.hash("first", kOps, kMem), "first"));
  pid_t first = p.pid();
  ASSERT_GT(first, 0);
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  // The request meets the dead child, a new one is started and answers it.
  EXPECT_TRUE(p.verify(p.hash("second", kOps, kMem), "second"));
  EXPECT_GT(p.pid(), 0);
  EXPECT_NE(p.pid(), first);
}

TEST(Argon2Process, AChildThatCannotServeIsAnErrorAfterOneRetry) {
  std::signal(SIGPIPE, SIG_IGN);
  Argon2Process p({"/bin/false"});  // exits at once, every time
  EXPECT_THROW(p.hash("x", kOps, kMem), std::runtime_error);
  EXPECT_EQ(p.pid(), -1);  // reaped: no child left behind
}

}  // namespace
}  // namespace latchkey::core
