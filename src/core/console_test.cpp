#include "core/console.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/projects.hpp"
#include "core/users.hpp"

namespace latchkey::core {
namespace {

class ConsoleSetup : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("latchkey-console-test-" + random_uuid());
    std::filesystem::create_directories(dir_);
    store_ = store::open_store((dir_ / "test.db").string());
    store_->migrate();
    NewProject internal;
    internal.id = "internal";
    internal.display_name = "Stack Dashboard";
    create_project(*store_, clock_, internal);
    NewProject other;
    other.display_name = "other";
    other_ = create_project(*store_, clock_, other);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static PasswordHasherOptions cheap() {
    PasswordHasherOptions o;
    o.threads = 1;
    o.opslimit = 1;
    o.memlimit = 8192;
    return o;
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  store::Project other_;
  PasswordHasher hasher_{cheap()};
};

TEST_F(ConsoleSetup, ClientKeyIsMadeOnceInAKeySetOfItsOwn) {
  std::string key = ensure_console_client_key(*store_, clock_);
  EXPECT_EQ(key.rfind("pck_", 0), 0u);
  EXPECT_EQ(ensure_console_client_key(*store_, clock_), key);
  int console_sets = 0;
  for (const auto& set : list_key_sets(*store_, "internal")) {
    if (set.description.rfind("Latchkey console", 0) != 0) continue;
    ++console_sets;
    EXPECT_EQ(set.publishable_client_key_digest, sha256_hex(key));
    EXPECT_FALSE(set.secret_server_key_digest);
    EXPECT_FALSE(set.super_secret_admin_key_digest);
  }
  EXPECT_EQ(console_sets, 1);
}

TEST_F(ConsoleSetup, UserManagesTheProjectsGiven) {
  NewConsoleUser n{"Admin@Example.com", "long-enough-1", {other_.id, other_.id, "internal"}};
  auto user = create_console_user(*store_, clock_, hasher_, n);
  EXPECT_EQ(user.primary_email, "admin@example.com");
  EXPECT_TRUE(user.primary_email_verified);
  EXPECT_EQ(user.server_metadata["managedProjectIds"], Json::array({other_.id, "internal"}));
  ASSERT_TRUE(user.password_hash);
  EXPECT_TRUE(hasher_.verify("long-enough-1", user.password_hash));
}

TEST_F(ConsoleSetup, UserIsRefusedWithoutChangingAnything) {
  EXPECT_THROW(create_console_user(*store_, clock_, hasher_, {"a@example.com", "short", {}}),
               std::invalid_argument);
  EXPECT_THROW(
      create_console_user(*store_, clock_, hasher_, {"a@example.com", "long-enough-1", {"nope"}}),
      std::invalid_argument);
  EXPECT_THROW(create_console_user(*store_, clock_, hasher_, {"no-at-sign", "long-enough-1", {}}),
               std::invalid_argument);
  create_console_user(*store_, clock_, hasher_, {"a@example.com", "long-enough-1", {}});
  EXPECT_THROW(
      create_console_user(*store_, clock_, hasher_, {"A@example.com", "long-enough-2", {}}),
      KnownError);
}

}  // namespace
}  // namespace latchkey::core
