// Process-wide metrics in Prometheus' text format (README "Operations"):
// counters, gauges and histograms that cost a relaxed atomic add to record,
// so they can sit on every request; collectors that read values others own
// (queue lengths, RSS) when a scrape asks. Part of the base layer: the
// store, mail, core and http layers all record into it.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Monotonic count. Relaxed: a scrape needs no ordering with anything else.
// On its own cache line, so two threads counting different metrics do not
// contend.
class alignas(64) Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class alignas(64) Gauge {
 public:
  void inc(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void dec(int64_t n = 1) { value_.fetch_sub(n, std::memory_order_relaxed); }
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Upper bounds (seconds) of the latency buckets: 0.5 ms to 10 s.
inline constexpr std::array<double, 14> kSecondsBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// Durations in fixed buckets (kSecondsBuckets); observe() is one bucket
// search and three relaxed adds. The sum is kept in nanoseconds.
class Histogram {
 public:
  static constexpr size_t kBuckets = kSecondsBuckets.size();
  void observe(double seconds);
  void observe_nanos(int64_t nanos) { observe(static_cast<double>(nanos) * 1e-9); }
  // Non-cumulative counts per bucket; the last is +Inf.
  std::array<uint64_t, kBuckets + 1> counts() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum_seconds() const {
    return static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) * 1e-9;
  }

 private:
  std::array<std::atomic<uint64_t>, kBuckets + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};
};

// Records the time from construction to destruction into a histogram.
class ScopedTimer {
 public:
  explicit ScopedTimer(Histogram& h);
  ~ScopedTimer();
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  Histogram& histogram_;
  int64_t start_nanos_;
};

// Nanoseconds of a monotonic clock (steady_clock).
int64_t monotonic_nanos();

// What a scrape gathers: samples grouped into families by name, so that a
// family's HELP and TYPE are written once however many sources add to it.
class Samples {
 public:
  void counter(const std::string& name, const std::string& help, const Labels& labels,
               double value);
  void gauge(const std::string& name, const std::string& help, const Labels& labels, double value);
  void histogram(const std::string& name, const std::string& help, const Labels& labels,
                 const Histogram& h);
  // Prometheus text exposition format 0.0.4.
  std::string render() const;

 private:
  struct Family {
    std::string help, type;
    std::vector<std::string> lines;
  };
  Family& family(const std::string& name, const std::string& help, const char* type);
  std::map<std::string, Family> families_;
};

// `{a="x",b="y"}` with Prometheus' escaping (backslash, quote, newline);
// empty for no labels.
std::string format_labels(const Labels& labels);

// The process's metrics: named counters, gauges and histograms made on
// first use (take the reference once and keep it: the lookup locks), and
// collectors called at each scrape.
class Registry {
 public:
  using Collector = std::function<void(Samples&)>;

  // Removes its collector when it goes (an object that reports its own
  // state holds one).
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Registry* r, uint64_t id) : registry_(r), id_(id) {}
    Subscription(Subscription&& o) noexcept
        : registry_(std::exchange(o.registry_, nullptr)), id_(o.id_) {}
    Subscription& operator=(Subscription&& o) noexcept;
    ~Subscription() { release(); }

   private:
    void release();
    Registry* registry_ = nullptr;
    uint64_t id_ = 0;
  };

  static Registry& global();

  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels = {});
  [[nodiscard]] Subscription add_collector(Collector collector);

  // Every metric and collector's samples, in the text format.
  std::string render() const;

 private:
  template <typename M>
  struct Named {
    std::string name, help;
    Labels labels;
    std::unique_ptr<M> metric;
  };
  template <typename M>
  M& find_or_add(std::vector<Named<M>>& list, const std::string& name, const std::string& help,
                 const Labels& labels);

  mutable std::mutex mutex_;
  std::vector<Named<Counter>> counters_;
  std::vector<Named<Gauge>> gauges_;
  std::vector<Named<Histogram>> histograms_;
  std::map<uint64_t, Collector> collectors_;
  uint64_t next_id_ = 1;
};

// Shorthands on the global registry.
inline Counter& counter(const std::string& name, const std::string& help,
                        const Labels& labels = {}) {
  return Registry::global().counter(name, help, labels);
}
inline Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {}) {
  return Registry::global().gauge(name, help, labels);
}
inline Histogram& histogram(const std::string& name, const std::string& help,
                            const Labels& labels = {}) {
  return Registry::global().histogram(name, help, labels);
}

// Adds process_resident_memory_bytes, process_open_fds and
// process_start_time_seconds (Linux /proc) to `out`.
void collect_process(Samples& out);

}  // namespace latchkey::metrics
