#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace latchkey::metrics {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Metrics, CounterAndGaugeRenderInTextFormat) {
  Registry r;
  r.counter("t_requests_total", "Requests.", {{"route", "/users/{user_id}"}}).inc(3);
  auto& g = r.gauge("t_depth", "Depth.");
  g.inc(5);
  g.dec(2);
  std::string text = r.render();
  EXPECT_TRUE(has_line(text, "# HELP t_requests_total Requests.")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE t_requests_total counter")) << text;
  EXPECT_TRUE(has_line(text, "t_requests_total{route=\"/users/{user_id}\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE t_depth gauge")) << text;
  EXPECT_TRUE(has_line(text, "t_depth 3")) << text;
}

TEST(Metrics, SameNameAndLabelsIsTheSameMetric) {
  Registry r;
  auto& a = r.counter("t_x_total", "X.", {{"k", "v"}});
  auto& b = r.counter("t_x_total", "X.", {{"k", "v"}});
  auto& c = r.counter("t_x_total", "X.", {{"k", "w"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  a.inc();
  c.inc(2);
  std::string text = r.render();
  // One family header for both label sets.
  EXPECT_EQ(text.find("# TYPE t_x_total"), text.rfind("# TYPE t_x_total"));
  EXPECT_TRUE(has_line(text, "t_x_total{k=\"v\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "t_x_total{k=\"w\"} 2")) << text;
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry r;
  auto& h = r.histogram("t_seconds", "Time.", {{"route", "/a"}});
  h.observe(0.0004);  // first bucket (0.0005)
  h.observe(0.003);   // 0.005
  h.observe(0.003);
  h.observe(20);  // +Inf only
  std::string text = r.render();
  EXPECT_TRUE(has_line(text, "# TYPE t_seconds histogram")) << text;
  EXPECT_TRUE(has_line(text, "t_seconds_bucket{route=\"/a\",le=\"0.0005\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "t_seconds_bucket{route=\"/a\",le=\"0.0025\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "t_seconds_bucket{route=\"/a\",le=\"0.005\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "t_seconds_bucket{route=\"/a\",le=\"10\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "t_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4")) << text;
  EXPECT_TRUE(has_line(text, "t_seconds_count{route=\"/a\"} 4")) << text;
  EXPECT_NEAR(h.sum_seconds(), 20.0064, 1e-6);
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(format_labels({{"a", "x\"y\\z\nw"}}), "{a=\"x\\\"y\\\\z\\nw\"}");
  EXPECT_EQ(format_labels({}), "");
}

TEST(Metrics, CollectorsRunAtEachScrapeUntilTheirSubscriptionGoes) {
  Registry r;
  int calls = 0;
  {
    auto sub = r.add_collector([&](Samples& out) {
      ++calls;
      out.gauge("t_queue", "Queue.", {}, 7);
    });
    EXPECT_TRUE(has_line(r.render(), "t_queue 7"));
    EXPECT_EQ(calls, 1);
  }
  EXPECT_EQ(r.render().find("t_queue"), std::string::npos);
  EXPECT_EQ(calls, 1);
}

TEST(Metrics, CountsFromManyThreadsAddUp) {
  Registry r;
  auto& c = r.counter("t_n_total", "N.");
  auto& h = r.histogram("t_h_seconds", "H.");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        h.observe(0.001);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
  EXPECT_EQ(h.count(), 40000u);
}

TEST(Metrics, ProcessCollectorReportsResidentMemory) {
  Samples s;
  collect_process(s);
  std::string text = s.render();
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos) << text;
  EXPECT_NE(text.find("\nprocess_open_fds "), std::string::npos) << text;
  EXPECT_NE(text.find("\nprocess_start_time_seconds "), std::string::npos) << text;
}

}  // namespace
}  // namespace latchkey::metrics
