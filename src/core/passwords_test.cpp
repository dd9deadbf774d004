#include "core/passwords.hpp"

#include <crypt.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <latch>
#include <mutex>

#include "core/crypto.hpp"
#include "core/projects.hpp"
#include "core/users.hpp"

namespace latchkey::core {
namespace {

// libsodium's minimum cost keeps most tests fast; the parameter tests use
// the production defaults.
PasswordHasherOptions cheap() {
  PasswordHasherOptions o;
  o.threads = 2;
  o.opslimit = 1;
  o.memlimit = 8192;
  return o;
}

// Records every verification the hasher performs.
struct Recorder {
  std::mutex mutex;
  std::vector<VerificationRecord> records;
  PasswordHasher::VerifyHook hook() {
    return [this](const VerificationRecord& r) {
      std::lock_guard lock(mutex);
      records.push_back(r);
    };
  }
  std::vector<VerificationRecord> take() {
    std::lock_guard lock(mutex);
    return std::exchange(records, {});
  }
};

std::string bcrypt_hash(std::string_view password, const char* prefix, int cost) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  std::string rnd = random_bytes(16);
  if (!crypt_gensalt_rn(prefix, cost, rnd.data(), static_cast<int>(rnd.size()), setting,
                        sizeof(setting)))
    throw std::runtime_error("crypt_gensalt_rn failed");
  crypt_data data{};
  std::string pw(password);
  const char* out = crypt_rn(pw.c_str(), setting, &data, sizeof(data));
  if (!out) throw std::runtime_error("crypt_rn failed");
  return out;
}

TEST(PasswordHasher, NewHashesAreArgon2idWithOwaspParameters) {
  PasswordHasher hasher;  // production parameters
  std::string h = hasher.hash("correct horse battery");
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << h;
  EXPECT_TRUE(hasher.verify("correct horse battery", h));
  EXPECT_FALSE(hasher.verify("correct horse batterY", h));
  EXPECT_FALSE(hasher.verify("", h));
  EXPECT_FALSE(hasher.needs_rehash(h));
  // Same password, different salt.
  EXPECT_NE(h, hasher.hash("correct horse battery"));
}

// The unknown-e-mail path must cost what a wrong password costs: one full
// argon2id verification with the parameters of real hashes. Proven by
// counting what the hasher computes, not by timing.
TEST(PasswordHasher, UnknownAccountCostsOneFullVerificationWithTheSameParameters) {
  Recorder rec;
  PasswordHasher hasher({}, rec.hook());
  std::string real = hasher.hash("the real password");
  auto real_params = describe_password_hash(real);
  ASSERT_TRUE(real_params);
  rec.take();

  EXPECT_FALSE(hasher.verify("a wrong password", real));
  auto wrong_password = rec.take();
  EXPECT_FALSE(hasher.verify("a wrong password", std::nullopt));
  auto unknown_account = rec.take();

  ASSERT_EQ(wrong_password.size(), 1u);
  ASSERT_EQ(unknown_account.size(), 1u);
  EXPECT_EQ(unknown_account[0].algorithm, "argon2id");
  EXPECT_EQ(unknown_account[0].algorithm, wrong_password[0].algorithm);
  EXPECT_EQ(unknown_account[0].parameters, wrong_password[0].parameters);
  EXPECT_EQ(unknown_account[0].parameters, "m=19456,t=2,p=1");
  // The dummy really is a hash with those parameters (what libsodium runs).
  EXPECT_EQ(describe_password_hash(hasher.dummy_hash())->parameters, real_params->parameters);
  EXPECT_FALSE(hasher.needs_rehash(hasher.dummy_hash()));
}

TEST(PasswordHasher, HashingProcessesGiveTheSameAnswersAsHashingInProcess) {
  PasswordHasherOptions o = cheap();
  o.process_command = {LATCHKEY_BINARY, "hash-worker"};
  Recorder rec;
  PasswordHasher in_processes(o, rec.hook());
  PasswordHasher in_threads(cheap());
  std::string h = in_processes.hash("shared password");
  EXPECT_TRUE(in_threads.verify("shared password", h));
  EXPECT_TRUE(in_processes.verify("shared password", in_threads.hash("shared password")));
  EXPECT_FALSE(in_processes.verify("other password", h));
  rec.take();
  // An unknown account still costs one dummy argon2id verification.
  EXPECT_FALSE(in_processes.verify("shared password", std::nullopt));
  auto records = rec.take();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].algorithm, "argon2id");
}

TEST(PasswordHasher, UnusableHashesAlsoCostADummyVerification) {
  Recorder rec;
  PasswordHasher hasher(cheap(), rec.hook());
  auto dummy_params = describe_password_hash(hasher.dummy_hash())->parameters;
  const std::string too_costly = bcrypt_hash("pw", "$2b$", 4).replace(4, 2, "17");
  for (const std::string& bad :
       {std::string(""), std::string("plaintext"), std::string("$2b$10$short"),
        std::string("$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA"), too_costly,
        std::string("$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo")}) {
    EXPECT_FALSE(hasher.verify("pw", bad)) << bad;
    auto r = rec.take();
    ASSERT_EQ(r.size(), 1u) << bad;
    EXPECT_EQ(r[0].algorithm, "argon2id") << bad;
    EXPECT_EQ(r[0].parameters, dummy_params) << bad;
  }
}

// Known-answer vectors from Openwall's crypt_blowfish test suite.
TEST(PasswordHasher, VerifiesBcryptVectors) {
  PasswordHasher hasher(cheap());
  struct V {
    const char* hash;
    const char* password;
  } vectors[] = {
      {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
      {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", "U*U*"},
      {"$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a", "U*U*U"},
      {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy", ""},
  };
  for (const auto& v : vectors) {
    EXPECT_TRUE(hasher.verify(v.password, std::string(v.hash))) << v.hash;
    EXPECT_FALSE(hasher.verify(std::string(v.password) + "x", std::string(v.hash))) << v.hash;
    // $2b$ and $2y$ are the same algorithm for these passwords.
    std::string b(v.hash), y(v.hash);
    b[2] = 'b';
    y[2] = 'y';
    EXPECT_TRUE(hasher.verify(v.password, b)) << b;
    EXPECT_TRUE(hasher.verify(v.password, y)) << y;
    EXPECT_TRUE(hasher.needs_rehash(v.hash));
  }
}

TEST(PasswordHasher, VerifiesFreshBcryptHashesAndRefusesNulBytes) {
  Recorder rec;
  PasswordHasher hasher(cheap(), rec.hook());
  std::string h = bcrypt_hash("s3cret password", "$2b$", 10);
  EXPECT_TRUE(hasher.verify("s3cret password", h));
  EXPECT_FALSE(hasher.verify("s3cret passwore", h));
  auto r = rec.take();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].algorithm, "bcrypt");
  EXPECT_EQ(r[0].parameters, "cost=10");
  // crypt() would stop at the NUL and compare only "abc".
  std::string with_nul("abc\0def", 7);
  EXPECT_FALSE(hasher.verify(with_nul, bcrypt_hash("abc", "$2b$", 4)));
}

TEST(PasswordHasher, NeedsRehash) {
  PasswordHasher cheap_hasher(cheap());
  PasswordHasher hasher;
  EXPECT_TRUE(hasher.needs_rehash(bcrypt_hash("x", "$2b$", 4)));
  EXPECT_TRUE(hasher.needs_rehash(cheap_hasher.hash("x")));  // weaker parameters
  EXPECT_FALSE(hasher.needs_rehash(hasher.hash("x")));
  EXPECT_TRUE(hasher.needs_rehash("garbage"));
}

TEST(PasswordHasher, FullQueueThrowsOverloadedAndAcceptedJobsStillFinish) {
  std::latch started(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first{true};
  PasswordHasherOptions o = cheap();
  o.threads = 1;
  o.max_queue = 2;
  PasswordHasher hasher(o, [&](const VerificationRecord&) {
    if (first.exchange(false)) {
      started.count_down();
      released.wait();  // hold the only thread
    }
  });
  std::string h = hasher.hash("pw");

  auto running = hasher.submit_verify("pw", h);
  started.wait();
  auto queued1 = hasher.submit_verify("pw", h);
  auto queued2 = hasher.submit_hash("pw2");
  try {
    hasher.submit_verify("pw", h);
    FAIL() << "expected Overloaded";
  } catch (const Overloaded& e) {
    EXPECT_EQ(e.status(), 503);
  }
  EXPECT_THROW(hasher.submit_hash("pw"), Overloaded);

  release.set_value();
  EXPECT_TRUE(running.get());
  EXPECT_TRUE(queued1.get());
  EXPECT_TRUE(hasher.verify("pw2", queued2.get()));
}

// authenticate_with_password against a real SQLite store.
class PasswordSignIn : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("latchkey-passwords-test-" + random_uuid());
    std::filesystem::create_directories(dir_);
    store_ = store::open_store((dir_ / "test.db").string());
    store_->migrate();
    NewProject np;
    np.display_name = "test";
    project_id_ = create_project(*store_, clock_, np).id;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  store::User make_user(const std::string& email, std::optional<std::string> hash) {
    NewUser n;
    n.primary_email = email;
    n.primary_email_auth_enabled = true;
    n.password_hash = std::move(hash);
    return create_user(*store_, clock_, project_id_, n);
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::string project_id_;
};

TEST_F(PasswordSignIn, BcryptHashIsUpgradedToArgon2idOnSuccess) {
  PasswordHasher hasher(cheap());
  auto u = make_user("imported@example.com", bcrypt_hash("legacy password", "$2a$", 4));
  EXPECT_FALSE(authenticate_with_password(*store_, hasher, project_id_, "imported@example.com",
                                          "wrong password"));
  EXPECT_EQ(store_->users().get_user(project_id_, u.id)->password_hash->rfind("$2a$", 0), 0u);

  auto signed_in = authenticate_with_password(*store_, hasher, project_id_,
                                              " Imported@Example.COM ", "legacy password");
  ASSERT_TRUE(signed_in);
  EXPECT_EQ(signed_in->id, u.id);
  auto stored = *store_->users().get_user(project_id_, u.id)->password_hash;
  EXPECT_EQ(stored.rfind("$argon2id$", 0), 0u) << stored;
  EXPECT_FALSE(hasher.needs_rehash(stored));
  // The new hash is the same password.
  EXPECT_TRUE(authenticate_with_password(*store_, hasher, project_id_, "imported@example.com",
                                         "legacy password"));
  EXPECT_EQ(*store_->users().get_user(project_id_, u.id)->password_hash, stored);
}

TEST_F(PasswordSignIn, UnknownEmailAndPasswordlessUserCostOneVerificationEach) {
  Recorder rec;
  PasswordHasher hasher(cheap(), rec.hook());
  make_user("nopassword@example.com", std::nullopt);
  make_user("user@example.com", hasher.hash("right password"));
  rec.take();
  EXPECT_FALSE(authenticate_with_password(*store_, hasher, project_id_, "nobody@example.com",
                                          "whatever password"));
  EXPECT_FALSE(authenticate_with_password(*store_, hasher, project_id_, "nopassword@example.com",
                                          "whatever password"));
  EXPECT_FALSE(authenticate_with_password(*store_, hasher, project_id_, "user@example.com",
                                          "wrong password"));
  auto r = rec.take();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].parameters, r[2].parameters);
  EXPECT_EQ(r[1].parameters, r[2].parameters);
}

TEST_F(PasswordSignIn, StaleRehashDoesNotOverwriteAConcurrentPasswordChange) {
  PasswordHasher hasher(cheap());
  std::string old_hash = bcrypt_hash("old password", "$2b$", 4);
  auto u = make_user("race@example.com", old_hash);
  // Someone changes the password between our verification and our write.
  std::string changed = hasher.hash("new password");
  ASSERT_TRUE(store_->sessions().compare_and_set_password(project_id_, u.id, old_hash, changed,
                                                          false, std::nullopt));
  EXPECT_FALSE(store_->sessions().compare_and_set_password(
      project_id_, u.id, old_hash, hasher.hash("old password"), false, std::nullopt));
  EXPECT_EQ(*store_->users().get_user(project_id_, u.id)->password_hash, changed);
}

}  // namespace
}  // namespace latchkey::core
