// ActivityRecorder against a real store: nothing is written until a flush, a
// flush writes everything at once, activity never moves backwards, readers
// see what is not written yet, a stop writes what is left and a failed flush
// keeps its entries. On SQLite always; on PostgreSQL too when
// LATCHKEY_TEST_DATABASE_URL names a server (each test in a schema of its
// own), so that both engines' batch statements are held to the same rules.
#include "core/activity.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/crypto.hpp"
#include "core/projects.hpp"
#include "core/users.hpp"
#include "store/postgres/test_server.hpp"

namespace latchkey::core {
namespace {

using std::chrono::milliseconds;

// Long enough that the writer thread never flushes during a test: the tests
// call flush() themselves.
constexpr milliseconds kNeverByItself{3600 * 1000};

using store::postgres::testing::Admin;
using store::postgres::testing::server_url;

class Activity : public ::testing::TestWithParam<std::string> {
 protected:
  bool postgres() const { return GetParam() == "postgres"; }

  void SetUp() override {
    if (postgres()) {
      std::string url = server_url();
      if (url.empty()) GTEST_SKIP() << "LATCHKEY_TEST_DATABASE_URL is not a postgres:// URL";
      schema_ = "activity_test_" + random_uuid().substr(0, 8);
      admin_ = std::make_unique<Admin>(url);
      ASSERT_TRUE(admin_->ok());
      ASSERT_TRUE(admin_->exec("CREATE SCHEMA " + schema_));
      url += (url.find('?') == std::string::npos ? "?" : "&");
      url += "options=-csearch_path%3D" + schema_;
      store::StoreOptions options;
      // A blocked write fails after a second (AFailedFlush...).
      options.statement_timeout_millis = 1000;
      store_ = store::open_store(url, options);
    } else {
      dir_ = std::filesystem::temp_directory_path() / ("latchkey-activity-test-" + random_uuid());
      std::filesystem::create_directories(dir_);
      store_ = store::open_store(sqlite_path());
    }
    store_->migrate();
    NewProject np;
    np.display_name = "test";
    project_ = create_project(*store_, clock_, np).id;
  }
  void TearDown() override {
    store_.reset();
    if (admin_) admin_->exec("DROP SCHEMA " + schema_ + " CASCADE");
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string sqlite_path() const { return (dir_ / "test.db").string(); }

  // Another client holds the write lock of the tables the flush writes, so
  // that it fails (SQLite: busy timeout; PostgreSQL: statement timeout).
  class WriteLock {
   public:
    explicit WriteLock(Activity& t) : t_(t) {
      if (t_.postgres()) {
        EXPECT_TRUE(t_.admin_->exec("BEGIN"));
        EXPECT_TRUE(t_.admin_->exec("LOCK TABLE " + t_.schema_ + ".users, " + t_.schema_ +
                                    ".sessions IN EXCLUSIVE MODE"));
      } else {
        EXPECT_EQ(sqlite3_open(t_.sqlite_path().c_str(), &db_), SQLITE_OK);
        EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
      }
    }
    ~WriteLock() {
      if (t_.postgres()) {
        t_.admin_->exec("ROLLBACK");
      } else {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(db_);
      }
    }

   private:
    Activity& t_;
    sqlite3* db_ = nullptr;
  };

  std::unique_ptr<ActivityRecorder> recorder(ActivityOptions options = {
                                                 .flush_interval = kNeverByItself}) {
    return std::make_unique<ActivityRecorder>(*store_, options);
  }
  std::string user() {
    NewUser n;
    n.display_name = "someone";
    return create_user(*store_, clock_, project_, n).id;
  }
  // A session row as create_session writes it: no use recorded yet.
  std::string session(const std::string& user_id) {
    store::Session s;
    s.id = random_uuid();
    s.project_id = project_;
    s.user_id = user_id;
    s.refresh_token_digest = sha256_hex(random_uuid());
    s.created_at_millis = clock_.now_millis();
    EXPECT_TRUE(store_->sessions().create_session(s));
    return s.id;
  }
  store::Session stored_session(const std::string& id) {
    return *store_->sessions().get_session(project_, id);
  }
  int64_t stored_last_active(const std::string& user_id) {
    return store_->users().get_user(project_, user_id)->last_active_at_millis;
  }

  std::filesystem::path dir_;
  std::string schema_;
  std::unique_ptr<Admin> admin_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::string project_;
};

INSTANTIATE_TEST_SUITE_P(Engines, Activity, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(Activity, RecordWritesNothingUntilAFlush) {
  auto u = user();
  auto s = session(u);
  int64_t signed_up = stored_last_active(u);
  auto a = recorder();
  uint64_t generation = store_->activity_generation();
  clock_.advance(5000);
  a->record(project_, s, u, clock_.now_millis(), "10.0.0.1", "agent/1");

  EXPECT_EQ(store_->activity_generation(), generation);  // cached users stay valid
  EXPECT_FALSE(stored_session(s).last_used_at_millis);
  EXPECT_EQ(stored_last_active(u), signed_up);
  EXPECT_EQ(a->pending_sessions(), 1u);

  ASSERT_TRUE(a->flush());
  auto row = stored_session(s);
  EXPECT_EQ(row.last_used_at_millis, clock_.now_millis());
  EXPECT_EQ(row.last_used_ip, "10.0.0.1");
  EXPECT_EQ(row.last_used_user_agent, "agent/1");
  EXPECT_EQ(stored_last_active(u), clock_.now_millis());
  EXPECT_EQ(a->pending_sessions(), 0u);
  EXPECT_NE(store_->activity_generation(), generation);  // cached users reload
}

TEST_P(Activity, OneFlushWritesEveryPendingUseAndMovesTheActivityGenerationOnlyThen) {
  auto u1 = user(), u2 = user();
  auto s1 = session(u1), s2 = session(u1), s3 = session(u2);
  auto a = recorder();
  uint64_t generation = store_->activity_generation();
  uint64_t writes = store_->write_generation();
  // Many issuances, three sessions, two users.
  for (int i = 0; i < 50; ++i) {
    clock_.advance(10);
    a->record(project_, s1, u1, clock_.now_millis(), "10.0.0.1", "");
    a->record(project_, s2, u1, clock_.now_millis() - 5, "10.0.0.2", "");
    a->record(project_, s3, u2, clock_.now_millis() - 7, "10.0.0.3", "");
  }
  EXPECT_EQ(store_->activity_generation(), generation);
  EXPECT_EQ(a->pending_sessions(), 3u);

  ASSERT_TRUE(a->flush());
  // Activity moves its own generation: cached projects and keys stay valid.
  EXPECT_GT(store_->activity_generation(), generation);
  EXPECT_EQ(store_->write_generation(), writes);
  int64_t now = clock_.now_millis();
  EXPECT_EQ(stored_session(s1).last_used_at_millis, now);
  EXPECT_EQ(stored_session(s2).last_used_at_millis, now - 5);
  EXPECT_EQ(stored_session(s3).last_used_at_millis, now - 7);
  EXPECT_EQ(stored_session(s3).last_used_ip, "10.0.0.3");
  EXPECT_FALSE(stored_session(s3).last_used_user_agent);  // empty = none
  EXPECT_EQ(stored_last_active(u1), now);                 // the latest of its two sessions
  EXPECT_EQ(stored_last_active(u2), now - 7);
  // Nothing left: a flush without news writes nothing.
  uint64_t after = store_->activity_generation();
  ASSERT_TRUE(a->flush());
  EXPECT_EQ(store_->activity_generation(), after);
  // Any other write still moves the general generation (and not activity's).
  user();
  EXPECT_GT(store_->write_generation(), writes);
  EXPECT_EQ(store_->activity_generation(), after);
}

TEST_P(Activity, ActivityNeverMovesBackwards) {
  auto u = user();
  auto s = session(u);
  auto a = recorder();
  int64_t t = clock_.now_millis() + 1000;
  // Out of order in memory: the later use stays.
  a->record(project_, s, u, t, "10.0.0.2", "later");
  a->record(project_, s, u, t - 500, "10.0.0.1", "earlier");
  EXPECT_EQ(a->last_active(project_, u), t);
  EXPECT_EQ(a->last_use(project_, s)->ip, "10.0.0.2");
  ASSERT_TRUE(a->flush());
  EXPECT_EQ(stored_session(s).last_used_at_millis, t);
  EXPECT_EQ(stored_session(s).last_used_user_agent, "later");

  // Out of order across flushes (as from another instance sharing the
  // database): the stored later use is kept.
  a->record(project_, s, u, t - 200, "10.0.0.9", "stale");
  ASSERT_TRUE(a->flush());
  EXPECT_EQ(stored_session(s).last_used_at_millis, t);
  EXPECT_EQ(stored_session(s).last_used_ip, "10.0.0.2");
  EXPECT_EQ(stored_last_active(u), t);
}

TEST_P(Activity, ReadersSeeUnwrittenActivityUntilTheFlushAfterItsWrite) {
  auto u = user();
  auto s = session(u);
  auto other = session(user());
  auto a = recorder();
  EXPECT_FALSE(a->last_active(project_, u));
  EXPECT_FALSE(a->last_use(project_, s));

  clock_.advance(1000);
  a->record(project_, s, u, clock_.now_millis(), "10.0.0.1", "agent");
  auto use = a->last_use(project_, s);
  ASSERT_TRUE(use);
  EXPECT_EQ(use->at_millis, clock_.now_millis());
  EXPECT_EQ(use->ip, "10.0.0.1");
  EXPECT_EQ(a->last_active(project_, u), clock_.now_millis());
  EXPECT_FALSE(a->last_use(project_, other));       // only what was recorded
  EXPECT_FALSE(a->last_use("another-project", s));  // keyed by project too

  // Written, and still answered until the next flush completes: a reader
  // that loaded the row just before the commit sees no step back.
  ASSERT_TRUE(a->flush());
  EXPECT_EQ(a->last_active(project_, u), clock_.now_millis());
  ASSERT_TRUE(a->flush());
  EXPECT_FALSE(a->last_active(project_, u));
  EXPECT_FALSE(a->last_use(project_, s));
  EXPECT_EQ(stored_last_active(u), clock_.now_millis());

  // The user-facing rendering takes the newer of stored and recorded.
  clock_.advance(1000);
  a->record(project_, s, u, clock_.now_millis(), "10.0.0.1", "agent");
  auto stored = *store_->users().get_user(project_, u);
  EXPECT_LT(stored.last_active_at_millis, clock_.now_millis());
  Json config = Json::object();
  EXPECT_EQ(user_view(stored, true, {config, *a})["last_active_at_millis"], clock_.now_millis());
  EXPECT_FALSE(user_view(stored, false, {config, *a}).contains("last_active_at_millis"));
}

TEST_P(Activity, StopWritesWhatIsPendingAndLaterRecordsAreWrittenAtOnce) {
  auto u = user();
  auto s = session(u);
  auto a = recorder({.flush_interval = milliseconds(50)});
  clock_.advance(1000);
  a->record(project_, s, u, clock_.now_millis(), "10.0.0.1", "agent");
  a->stop();
  EXPECT_EQ(stored_session(s).last_used_at_millis, clock_.now_millis());
  EXPECT_EQ(stored_last_active(u), clock_.now_millis());
  EXPECT_EQ(a->pending_sessions(), 0u);

  clock_.advance(1000);
  a->record(project_, s, u, clock_.now_millis(), "10.0.0.2", "agent");
  EXPECT_EQ(stored_session(s).last_used_at_millis, clock_.now_millis());
  a->stop();  // idempotent
}

TEST_P(Activity, TheWriterThreadFlushesByItself) {
  auto u = user();
  auto s = session(u);
  auto a = recorder({.flush_interval = milliseconds(20)});
  a->record(project_, s, u, clock_.now_millis() + 1, "10.0.0.1", "agent");
  // Bounded wait for the background write; no timing is asserted.
  for (int i = 0; i < 500 && !stored_session(s).last_used_at_millis; ++i)
    std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(stored_session(s).last_used_at_millis, clock_.now_millis() + 1);
}

TEST_P(Activity, ZeroIntervalWritesInsideRecord) {
  auto u = user();
  auto s = session(u);
  auto a = recorder({.flush_interval = milliseconds(0)});
  clock_.advance(1000);
  uint64_t generation = store_->activity_generation();
  a->record(project_, s, u, clock_.now_millis(), "10.0.0.1", "agent");
  EXPECT_NE(store_->activity_generation(), generation);
  EXPECT_EQ(stored_session(s).last_used_at_millis, clock_.now_millis());
  EXPECT_EQ(stored_last_active(u), clock_.now_millis());
  EXPECT_EQ(a->pending_sessions(), 0u);
  EXPECT_FALSE(a->last_use(project_, s));
}

TEST_P(Activity, AFailedFlushKeepsItsEntriesForTheNextOne) {
  auto u = user();
  auto s1 = session(u), s2 = session(u);
  auto a = recorder();
  int64_t t = clock_.now_millis() + 1000;
  a->record(project_, s1, u, t, "10.0.0.1", "agent");

  {
    WriteLock lock(*this);
    EXPECT_FALSE(a->flush());
    EXPECT_EQ(a->pending_sessions(), 1u);
    EXPECT_EQ(a->last_use(project_, s1)->at_millis, t);  // still answered

    // Recorded meanwhile: merged with what was kept.
    a->record(project_, s1, u, t + 10, "10.0.0.3", "agent");
    a->record(project_, s2, u, t + 5, "10.0.0.2", "agent");
    EXPECT_EQ(a->pending_sessions(), 2u);
  }

  ASSERT_TRUE(a->flush());
  EXPECT_EQ(stored_session(s1).last_used_at_millis, t + 10);
  EXPECT_EQ(stored_session(s1).last_used_ip, "10.0.0.3");
  EXPECT_EQ(stored_session(s2).last_used_at_millis, t + 5);
  EXPECT_EQ(stored_last_active(u), t + 10);
  EXPECT_EQ(a->pending_sessions(), 0u);
}

TEST_P(Activity, BeyondTheBoundNewSessionsAreDroppedAndPendingOnesStillMove) {
  auto u = user();
  auto s1 = session(u), s2 = session(u), s3 = session(u);
  auto a = recorder({.flush_interval = kNeverByItself, .max_pending_sessions = 2});
  int64_t t = clock_.now_millis() + 1000;
  a->record(project_, s1, u, t, "10.0.0.1", "");
  a->record(project_, s2, u, t, "10.0.0.1", "");
  a->record(project_, s3, u, t + 1, "10.0.0.1", "");  // over the bound
  EXPECT_EQ(a->dropped_sessions(), 1u);
  EXPECT_FALSE(a->last_use(project_, s3));
  // Reaching the bound wakes the writer, which may already be writing s1
  // and s2: s1's next use is kept either way (pending, or room again).
  a->record(project_, s1, u, t + 2, "10.0.0.1", "");
  EXPECT_EQ(a->dropped_sessions(), 1u);

  ASSERT_TRUE(a->flush());
  EXPECT_EQ(stored_session(s1).last_used_at_millis, t + 2);
  EXPECT_FALSE(stored_session(s3).last_used_at_millis);
  // Room again after the write.
  a->record(project_, s3, u, t + 3, "10.0.0.1", "");
  ASSERT_TRUE(a->flush());
  EXPECT_EQ(stored_session(s3).last_used_at_millis, t + 3);
  EXPECT_EQ(stored_last_active(u), t + 3);
}

TEST_P(Activity, ByteBoundCountsLargeUserAgents) {
  auto u = user();
  auto s1 = session(u), s2 = session(u);
  auto a = recorder({.flush_interval = kNeverByItself, .max_pending_bytes = 10000});
  a->record(project_, s1, u, clock_.now_millis(), "10.0.0.1", std::string(6000, 'a'));
  a->record(project_, s2, u, clock_.now_millis(), "10.0.0.1", std::string(6000, 'b'));
  EXPECT_EQ(a->dropped_sessions(), 1u);
  // The bound woke the writer, so s1 may be pending or already written;
  // either way this process still shows it, and never s2.
  EXPECT_TRUE(a->last_use(project_, s1));
  EXPECT_FALSE(a->last_use(project_, s2));
}

TEST_P(Activity, InvalidUtf8InAUserAgentDoesNotFailTheBatch) {
  auto u = user();
  auto s1 = session(u), s2 = session(u);
  auto a = recorder();
  a->record(project_, s1, u, clock_.now_millis() + 1, "10.0.0.1", "bad \xff\xfe agent");
  a->record(project_, s2, u, clock_.now_millis() + 1, "10.0.0.1", "good agent");
  ASSERT_TRUE(a->flush());
  EXPECT_EQ(stored_session(s1).last_used_user_agent, "bad \xEF\xBF\xBD\xEF\xBF\xBD agent");
  EXPECT_EQ(stored_session(s2).last_used_user_agent, "good agent");
}

TEST_P(Activity, DeletedSessionsAndUsersAreSkipped) {
  auto u = user();
  auto s = session(u), gone = session(u);
  auto a = recorder();
  a->record(project_, gone, u, clock_.now_millis() + 1, "10.0.0.1", "");
  a->record(project_, s, u, clock_.now_millis() + 2, "10.0.0.1", "");
  ASSERT_TRUE(store_->sessions().delete_session(project_, gone));
  ASSERT_TRUE(a->flush());
  EXPECT_FALSE(store_->sessions().get_session(project_, gone));
  EXPECT_EQ(stored_session(s).last_used_at_millis, clock_.now_millis() + 2);
}

}  // namespace
}  // namespace latchkey::core
