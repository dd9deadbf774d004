// SessionStore contract, on both engines: sessions are created only for
// existing users, found by digest and id, listed oldest first, deleted one
// by one or per user, revoked atomically with a password change, and their
// activity only ever moves forward.
#include <gtest/gtest.h>

#include "core/crypto.hpp"
#include "store/sql/sql.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

class SessionStoreContract : public testing::UserEngineTest {
 protected:
  SessionStore& sessions() { return store().sessions(); }
};

TEST_P(SessionStoreContract, ASessionIsFoundByDigestAndById) {
  Session s = session(project_, user_, 5);
  s.expires_at_millis = 99;
  s.is_impersonation = true;
  ASSERT_TRUE(sessions().create_session(s));
  auto by_digest = sessions().find_session_by_token_digest(s.refresh_token_digest);
  ASSERT_TRUE(by_digest);
  EXPECT_EQ(by_digest->id, s.id);
  EXPECT_EQ(by_digest->user_id, user_);
  EXPECT_EQ(by_digest->expires_at_millis, 99);
  EXPECT_TRUE(by_digest->is_impersonation);
  EXPECT_FALSE(by_digest->last_used_at_millis);
  auto by_id = sessions().get_session(project_, s.id);
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->refresh_token_digest, s.refresh_token_digest);
  EXPECT_FALSE(sessions().find_session_by_token_digest("unknown"));
  EXPECT_FALSE(sessions().get_session(project_, core::random_uuid()));
  EXPECT_FALSE(sessions().get_session(core::random_uuid(), s.id));
}

TEST_P(SessionStoreContract, NoSessionForAMissingUserAndDigestsAreUnique) {
  EXPECT_FALSE(sessions().create_session(session(project_, core::random_uuid(), 1)));
  Session a = session(project_, user_, 1);
  ASSERT_TRUE(sessions().create_session(a));
  Session b = session(project_, user_, 2);
  b.refresh_token_digest = a.refresh_token_digest;
  EXPECT_THROW(sessions().create_session(b), sql::ConstraintError);
  EXPECT_FALSE(sessions().get_session(project_, b.id));
}

TEST_P(SessionStoreContract, ListsOldestFirstThenByInsertion) {
  std::vector<std::string> ids;
  for (int64_t created : {20, 10, 10, 30}) {
    Session s = session(project_, user_, created);
    ASSERT_TRUE(sessions().create_session(s));
    ids.push_back(s.id);
  }
  sessions().create_session(session(project_, new_user(project_), 1));  // another user's
  auto listed = sessions().list_sessions(project_, user_);
  ASSERT_EQ(listed.size(), 4u);
  EXPECT_EQ(listed[0].id, ids[1]);
  EXPECT_EQ(listed[1].id, ids[2]);
  EXPECT_EQ(listed[2].id, ids[0]);
  EXPECT_EQ(listed[3].id, ids[3]);
}

TEST_P(SessionStoreContract, DeletesOneOrAllButOne) {
  Session a = session(project_, user_, 1), b = session(project_, user_, 2),
          c = session(project_, user_, 3);
  for (auto* s : {&a, &b, &c}) ASSERT_TRUE(sessions().create_session(*s));
  EXPECT_TRUE(sessions().delete_session(project_, a.id));
  EXPECT_FALSE(sessions().delete_session(project_, a.id));
  EXPECT_EQ(sessions().delete_user_sessions(project_, user_, c.id), 1);
  auto left = sessions().list_sessions(project_, user_);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, c.id);
  EXPECT_EQ(sessions().delete_user_sessions(project_, user_, std::nullopt), 1);
  EXPECT_TRUE(sessions().list_sessions(project_, user_).empty());
}

TEST_P(SessionStoreContract, DeletingTheUserDeletesItsSessions) {
  Session s = session(project_, user_, 1);
  ASSERT_TRUE(sessions().create_session(s));
  ASSERT_TRUE(store().users().delete_user(project_, user_));
  EXPECT_FALSE(sessions().find_session_by_token_digest(s.refresh_token_digest));
}

TEST_P(SessionStoreContract, APasswordChangesOnlyFromTheExpectedHashAndRevokesAtomically) {
  std::string u = new_user(project_, {.password_hash = "old"});
  Session keep = session(project_, u, 1), drop = session(project_, u, 2);
  ASSERT_TRUE(sessions().create_session(keep));
  ASSERT_TRUE(sessions().create_session(drop));
  EXPECT_FALSE(sessions().compare_and_set_password(project_, u, "stale", "new", true, keep.id));
  EXPECT_EQ(sessions().list_sessions(project_, u).size(), 2u);  // nothing revoked
  EXPECT_FALSE(sessions().compare_and_set_password(project_, u, std::nullopt, "new", true, {}));
  EXPECT_TRUE(sessions().compare_and_set_password(project_, u, "old", "new", true, keep.id));
  EXPECT_EQ(store().users().get_user(project_, u)->password_hash, "new");
  auto left = sessions().list_sessions(project_, u);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, keep.id);

  // A user without a password gets one only from nullopt; no revocation asked.
  EXPECT_TRUE(sessions().compare_and_set_password(project_, user_, std::nullopt, "h", false, {}));
  EXPECT_EQ(store().users().get_user(project_, user_)->password_hash, "h");
  EXPECT_FALSE(sessions().compare_and_set_password(project_, core::random_uuid(), std::nullopt, "h",
                                                   false, {}));
}

TEST_P(SessionStoreContract, ActivityOnlyMovesForwardAndSkipsMissingRows) {
  Session s = session(project_, user_, 1);
  ASSERT_TRUE(sessions().create_session(s));
  uint64_t general = store().write_generation(), activity = store().activity_generation();
  sessions().record_activity({{project_, s.id, 500, "1.2.3.4", "ua \xff"}},
                             {{project_, user_, 5000}, {project_, core::random_uuid(), 9}});
  EXPECT_GT(store().activity_generation(), activity);
  EXPECT_EQ(store().write_generation(), general);  // cached projects and keys stay valid
  auto read = sessions().get_session(project_, s.id);
  EXPECT_EQ(read->last_used_at_millis, 500);
  EXPECT_EQ(read->last_used_ip, "1.2.3.4");
  EXPECT_EQ(read->last_used_user_agent, "ua \xef\xbf\xbd");  // invalid UTF-8 replaced
  EXPECT_EQ(store().users().get_user(project_, user_)->last_active_at_millis, 5000);

  sessions().record_activity({{project_, s.id, 400, "5.6.7.8", "older"}},
                             {{project_, user_, 4000}});
  read = sessions().get_session(project_, s.id);
  EXPECT_EQ(read->last_used_at_millis, 500);
  EXPECT_EQ(read->last_used_ip, "1.2.3.4");
  EXPECT_EQ(store().users().get_user(project_, user_)->last_active_at_millis, 5000);

  // The same millisecond from another client replaces the details.
  sessions().record_activity({{project_, s.id, 500, "9.9.9.9", "same time"}}, {});
  EXPECT_EQ(sessions().get_session(project_, s.id)->last_used_ip, "9.9.9.9");
  sessions().record_activity({}, {});
}

TEST_P(SessionStoreContract, AnotherInstanceSeesASignOutAtOnce) {
  Session s = session(project_, user_, 1);
  ASSERT_TRUE(sessions().create_session(s));
  auto other = open_again();
  ASSERT_TRUE(other->sessions().find_session_by_token_digest(s.refresh_token_digest));
  ASSERT_TRUE(sessions().delete_session(project_, s.id));
  EXPECT_FALSE(other->sessions().find_session_by_token_digest(s.refresh_token_digest));
}

INSTANTIATE_TEST_SUITE_P(Engines, SessionStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
