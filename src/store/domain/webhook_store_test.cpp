// WebhookStore contract, on both engines: events fan out to the enabled
// endpoints whose filter takes them, in the transaction of the change (a
// write that fails leaves none); claims never hand one delivery to two
// workers and run out; attempts move deliveries on and disable an endpoint
// that keeps failing; lists page newest first.
#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "core/webhooks.hpp"
#include "store/testing/engine_fixture.hpp"

namespace latchkey::store {
namespace {

namespace wh = core::webhooks;

class WebhookStoreContract : public testing::ProjectEngineTest {
 protected:
  WebhookStore& hooks() { return store().webhooks(); }

  WebhookEndpoint endpoint(Json filter = nullptr, bool disabled = false) {
    WebhookEndpoint e;
    e.project_id = project_;
    e.id = wh::svix_id("ep", ++clock_);
    e.url = "https://example.com/" + e.id;
    e.filter_types = std::move(filter);
    e.disabled = disabled;
    e.metadata = Json::object();
    e.secret = wh::new_endpoint_secret();
    e.created_at_millis = e.updated_at_millis = clock_;
    EXPECT_EQ(hooks().insert_endpoint(e), EndpointWriteStatus::kDone);
    return e;
  }

  WebhookEvent event(const std::string& type) {
    auto e = wh::event(project_, type, Json{{"n", ++clock_}});
    e.created_at_millis = 1000;  // due at once for claims at `now`
    return e;
  }

  std::vector<ClaimedDelivery> claim(int limit = 100, int64_t now = 2000) {
    return hooks().claim_deliveries(now, now + 30000, limit);
  }

  DeliveryOutcome outcome(const ClaimedDelivery& d, bool delivered, int64_t at,
                          std::optional<int64_t> retry_at = std::nullopt) {
    DeliveryOutcome o;
    o.attempt.project_id = project_;
    o.attempt.id = wh::svix_id("atmpt", ++clock_);
    o.attempt.msg_id = d.message.id;
    o.attempt.endpoint_id = d.endpoint_id;
    o.attempt.url = d.url;
    o.attempt.status = delivered ? 0 : 2;
    o.attempt.response_status_code = delivered ? 200 : 500;
    o.attempt.created_at_millis = at;
    o.delivered = delivered;
    o.retry_at_millis = retry_at;
    o.disable_after_millis = 10000;
    return o;
  }

  int64_t clock_ = 1000;
};

TEST_P(WebhookStoreContract, EventsFanOutToEnabledEndpointsWhoseFilterTakesThem) {
  auto all = endpoint();
  auto teams_only = endpoint(Json::array({"team.created"}));
  endpoint(nullptr, /*disabled=*/true);
  hooks().insert_events({event("user.created"), event("team.created")});
  std::multiset<std::pair<std::string, std::string>> got;
  for (const auto& d : claim()) got.insert({d.endpoint_id, d.message.type});
  EXPECT_EQ(
      got,
      (std::multiset<std::pair<std::string, std::string>>{
          {all.id, "user.created"}, {all.id, "team.created"}, {teams_only.id, "team.created"}}));
  EXPECT_EQ(hooks().list_messages(project_, {}, std::nullopt).size(), 2u);
  EXPECT_EQ(hooks().list_messages(project_, {}, std::string("team.created")).size(), 1u);
}

TEST_P(WebhookStoreContract, ClaimedPayloadSecretAndAddressAreTheEndpoints) {
  auto e = endpoint();
  auto ev = event("user.created");
  hooks().insert_events({ev});
  auto claimed = claim();
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].message.payload, ev.payload);
  EXPECT_EQ(claimed[0].message.id, ev.id);
  EXPECT_EQ(claimed[0].secret, e.secret);
  EXPECT_EQ(claimed[0].url, e.url);
  EXPECT_EQ(claimed[0].attempts, 0);
}

TEST_P(WebhookStoreContract, AFailedStoreWriteLeavesNoEvent) {
  endpoint();
  // A team whose creator does not exist: nothing is written, events included.
  Team t;
  t.id = core::random_uuid();
  t.project_id = project_;
  t.display_name = "t";
  EXPECT_EQ(store().teams().create_team(t, NewTeamMember{core::random_uuid(), {}, 1},
                                        {event("team.created")}),
            CreateTeamStatus::kUserNotFound);
  // A user whose OAuth account is taken: its row and events were written,
  // then rolled back.
  User first;
  first.id = core::random_uuid();
  first.project_id = project_;
  first.oauth_providers = {{"github", "gh-1", std::nullopt}};
  NewUserExtras extras;
  extras.events = {event("user.created")};
  ASSERT_EQ(store().users().create_user(first, extras), CreateUserStatus::kCreated);
  User second = first;
  second.id = core::random_uuid();
  extras.events = {event("user.created")};
  EXPECT_EQ(store().users().create_user(second, extras), CreateUserStatus::kOAuthAccountInUse);
  auto messages = hooks().list_messages(project_, {}, std::nullopt);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(claim().size(), 1u);
}

TEST_P(WebhookStoreContract, UserDeletionEventsSeeTheTeamsItLeft) {
  auto user = new_user(project_);
  Team t;
  t.id = core::random_uuid();
  t.project_id = project_;
  t.display_name = "t";
  ASSERT_EQ(store().teams().create_team(t, NewTeamMember{user, {}, 1}), CreateTeamStatus::kCreated);
  std::vector<std::string> seen;
  ASSERT_TRUE(store().users().delete_user(project_, user, [&](const auto& teams) {
    seen = teams;
    return WebhookEvents{event("user.deleted")};
  }));
  EXPECT_EQ(seen, std::vector<std::string>{t.id});
  EXPECT_EQ(hooks().list_messages(project_, {}, std::nullopt).size(), 1u);
  EXPECT_FALSE(store().users().delete_user(
      project_, user, [&](const auto&) { return WebhookEvents{event("user.deleted")}; }));
  EXPECT_EQ(hooks().list_messages(project_, {}, std::nullopt).size(), 1u);
}

TEST_P(WebhookStoreContract, AClaimIsHeldUntilItRunsOut) {
  endpoint();
  hooks().insert_events({event("user.created")});
  ASSERT_EQ(claim(100, 2000).size(), 1u);
  EXPECT_TRUE(claim(100, 2000 + 29999).empty());
  // A crashed worker's claim: taken again once its lease has passed.
  EXPECT_EQ(claim(100, 2000 + 30000).size(), 1u);
}

TEST_P(WebhookStoreContract, ConcurrentClaimsNeverShareADelivery) {
  endpoint();
  WebhookEvents events;
  for (int i = 0; i < 40; ++i) events.push_back(event("user.created"));
  hooks().insert_events(events);
  auto other = open_again();
  std::mutex mu;
  std::multiset<std::string> taken;
  concurrently([&] {
    bool any = false;
    for (int round = 0; round < 20; ++round) {
      auto& s = round % 2 ? *other : store();
      for (const auto& d : s.webhooks().claim_deliveries(2000, 32000, 2)) {
        std::lock_guard lock(mu);
        taken.insert(d.message.id);
        any = true;
      }
    }
    return any;
  });
  EXPECT_EQ(taken.size(), 40u);
  EXPECT_EQ(std::set<std::string>(taken.begin(), taken.end()).size(), 40u);
}

TEST_P(WebhookStoreContract, AttemptsRetryDeliverAndAreListed) {
  auto e = endpoint();
  hooks().insert_events({event("user.created")});
  auto d = claim().at(0);
  hooks().record_attempts({outcome(d, false, 2100, 7100)});
  EXPECT_TRUE(claim(100, 7099).empty());
  auto again = claim(100, 7100);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 1);
  hooks().record_attempts({outcome(again[0], true, 7200)});
  EXPECT_TRUE(claim(100, 1'000'000).empty());
  auto by_endpoint = hooks().list_attempts_by_endpoint(project_, e.id, {});
  ASSERT_EQ(by_endpoint.size(), 2u);
  EXPECT_EQ(by_endpoint[0].status, 0);  // newest first
  EXPECT_EQ(by_endpoint[1].status, 2);
  EXPECT_EQ(hooks().list_attempts_by_message(project_, d.message.id, {}).size(), 2u);
  // Delivered: the failure run is over.
  EXPECT_FALSE(hooks().get_endpoint(project_, e.id)->failing_since_millis);
}

TEST_P(WebhookStoreContract, AnEndpointFailingTooLongIsDisabled) {
  auto e = endpoint();
  hooks().insert_events({event("user.created"), event("user.updated")});
  auto claimed = claim();
  ASSERT_EQ(claimed.size(), 2u);
  hooks().record_attempts({outcome(claimed[0], false, 3000, 8000)});
  EXPECT_FALSE(hooks().get_endpoint(project_, e.id)->disabled);
  // 10 s (the outcome's limit) after the first failure.
  hooks().record_attempts({outcome(claimed[1], false, 13000, 18000)});
  auto after = hooks().get_endpoint(project_, e.id);
  EXPECT_TRUE(after->disabled);
  // Its pending deliveries stop, and new events skip it.
  EXPECT_TRUE(claim(100, 1'000'000).empty());
  hooks().insert_events({event("team.created")});
  EXPECT_TRUE(claim(100, 1'000'000).empty());
}

TEST_P(WebhookStoreContract, ABatchOfAttemptsIsRecordedTogetherAndADeletedMessageSkipped) {
  auto e = endpoint();
  // A second project whose message is deleted (with the project) between
  // the claim and the record.
  const std::string mine = project_;
  project_ = new_project();
  auto other = endpoint();
  hooks().insert_events({event("user.created")});
  project_ = mine;
  hooks().insert_events({event("user.created"), event("user.updated")});
  auto claimed = claim();
  ASSERT_EQ(claimed.size(), 3u);
  std::vector<DeliveryOutcome> batch;
  std::string gone;
  for (const auto& d : claimed) {
    batch.push_back(outcome(d, true, 2100));
    batch.back().attempt.project_id = d.message.project_id;
    if (d.endpoint_id == other.id) gone = d.message.project_id;
  }
  ASSERT_FALSE(gone.empty());
  ASSERT_TRUE(store().projects().delete_project(gone));
  hooks().record_attempts(batch);
  EXPECT_EQ(hooks().list_attempts_by_endpoint(project_, e.id, {}).size(), 2u);
  EXPECT_TRUE(claim(100, 1'000'000).empty());  // both delivered, none left
}

TEST_P(WebhookStoreContract, ReleasedClaimsAreDueAgainAtOnce) {
  endpoint();
  hooks().insert_events({event("user.created"), event("user.updated")});
  auto claimed = claim();
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_TRUE(claim().empty());  // held by the claim until 32000
  hooks().release_claims({claimed[1]});
  auto again = claim();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].message.id, claimed[1].message.id);
  EXPECT_EQ(again[0].attempts, 0);  // released, not attempted
}

TEST_P(WebhookStoreContract, EndpointsPageNewestFirstAndFindByUid) {
  auto a = endpoint();
  auto b = endpoint();
  auto c = endpoint();
  WebhookPage page;
  page.limit = 2;
  EXPECT_EQ(ids(hooks().list_endpoints(project_, page)), (std::vector<std::string>{c.id, b.id}));
  page.iterator = b.id;
  EXPECT_EQ(ids(hooks().list_endpoints(project_, page)), (std::vector<std::string>{a.id}));
  a.uid = "mine";
  EXPECT_EQ(hooks().update_endpoint(a), EndpointWriteStatus::kDone);
  EXPECT_EQ(hooks().get_endpoint(project_, "mine")->id, a.id);
  b.uid = "mine";
  EXPECT_EQ(hooks().update_endpoint(b), EndpointWriteStatus::kUidTaken);
  EXPECT_TRUE(hooks().delete_endpoint(project_, c.id));
  EXPECT_FALSE(hooks().get_endpoint(project_, c.id));
}

TEST_P(WebhookStoreContract, TokensAndTheApplication) {
  WebhookApp app{project_, wh::svix_id("app", 1), "n", 1, 1};
  auto first = hooks().get_or_create_app(app);
  app.id = wh::svix_id("app", 2);
  EXPECT_EQ(hooks().get_or_create_app(app).id, first.id);
  hooks().insert_token("digest", project_, 5000);
  EXPECT_EQ(hooks().project_of_token("digest", 4999), project_);
  EXPECT_FALSE(hooks().project_of_token("digest", 5000));
  EXPECT_FALSE(hooks().project_of_token("other", 0));
}

INSTANTIATE_TEST_SUITE_P(Engines, WebhookStoreContract, LATCHKEY_BOTH_ENGINES);

}  // namespace
}  // namespace latchkey::store
