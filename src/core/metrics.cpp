#include "core/metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

namespace latchkey::metrics {

namespace {

std::string format_value(double v) {
  char buf[64];
  // Integers print as integers (counts), others with enough digits.
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 1e15 && v > -1e15)
    std::snprintf(buf, sizeof buf, "%" PRId64, static_cast<int64_t>(v));
  else
    std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

std::string escape_help(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

Labels with_label(const Labels& labels, std::string name, std::string value) {
  Labels l = labels;
  l.emplace_back(std::move(name), std::move(value));
  return l;
}

}  // namespace

void Histogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBuckets && seconds > kSecondsBuckets[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (seconds > 0)
    sum_nanos_.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

std::array<uint64_t, Histogram::kBuckets + 1> Histogram::counts() const {
  std::array<uint64_t, kBuckets + 1> out{};
  for (size_t i = 0; i <= kBuckets; ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

int64_t monotonic_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ScopedTimer::ScopedTimer(Histogram& h) : histogram_(h), start_nanos_(monotonic_nanos()) {}
ScopedTimer::~ScopedTimer() { histogram_.observe_nanos(monotonic_nanos() - start_nanos_); }

std::string format_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first;
    out += "=\"";
    for (char c : labels[i].second) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '"')
        out += "\\\"";
      else if (c == '\n')
        out += "\\n";
      else
        out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

Samples::Family& Samples::family(const std::string& name, const std::string& help,
                                 const char* type) {
  auto [it, added] = families_.try_emplace(name);
  if (added) {
    it->second.help = help;
    it->second.type = type;
  }
  return it->second;
}

void Samples::counter(const std::string& name, const std::string& help, const Labels& labels,
                      double value) {
  family(name, help, "counter")
      .lines.push_back(name + format_labels(labels) + ' ' + format_value(value));
}

void Samples::gauge(const std::string& name, const std::string& help, const Labels& labels,
                    double value) {
  family(name, help, "gauge")
      .lines.push_back(name + format_labels(labels) + ' ' + format_value(value));
}

void Samples::histogram(const std::string& name, const std::string& help, const Labels& labels,
                        const Histogram& h) {
  auto& f = family(name, help, "histogram");
  auto counts = h.counts();
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= Histogram::kBuckets; ++i) {
    cumulative += counts[i];
    std::string le = "+Inf";
    if (i < Histogram::kBuckets) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", kSecondsBuckets[i]);
      le = buf;
    }
    f.lines.push_back(name + "_bucket" + format_labels(with_label(labels, "le", le)) + ' ' +
                      std::to_string(cumulative));
  }
  // The count is the buckets' total, so _count always equals the +Inf bucket
  // even while observations land during the scrape.
  f.lines.push_back(name + "_sum" + format_labels(labels) + ' ' + format_value(h.sum_seconds()));
  f.lines.push_back(name + "_count" + format_labels(labels) + ' ' + std::to_string(cumulative));
}

std::string Samples::render() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + ' ' + escape_help(f.help) + '\n';
    out += "# TYPE " + name + ' ' + f.type + '\n';
    for (const auto& line : f.lines) (out += line) += '\n';
  }
  return out;
}

Registry::Subscription& Registry::Subscription::operator=(Subscription&& o) noexcept {
  if (this != &o) {
    release();
    registry_ = std::exchange(o.registry_, nullptr);
    id_ = o.id_;
  }
  return *this;
}

void Registry::Subscription::release() {
  if (!registry_) return;
  std::lock_guard lock(registry_->mutex_);
  registry_->collectors_.erase(id_);
  registry_ = nullptr;
}

Registry& Registry::global() {
  // Never destroyed: objects that outlive main's locals (static metrics)
  // may still hold references into it.
  static Registry* r = new Registry();
  return *r;
}

template <typename M>
M& Registry::find_or_add(std::vector<Named<M>>& list, const std::string& name,
                         const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  for (auto& n : list)
    if (n.name == name && n.labels == labels) return *n.metric;
  list.push_back(Named<M>{name, help, labels, std::make_unique<M>()});
  return *list.back().metric;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  return find_or_add(counters_, name, help, labels);
}
Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  return find_or_add(gauges_, name, help, labels);
}
Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               const Labels& labels) {
  return find_or_add(histograms_, name, help, labels);
}

Registry::Subscription Registry::add_collector(Collector collector) {
  std::lock_guard lock(mutex_);
  uint64_t id = next_id_++;
  collectors_.emplace(id, std::move(collector));
  return Subscription(this, id);
}

std::string Registry::render() const {
  Samples s;
  std::lock_guard lock(mutex_);
  for (const auto& c : counters_)
    s.counter(c.name, c.help, c.labels, static_cast<double>(c.metric->value()));
  for (const auto& g : gauges_)
    s.gauge(g.name, g.help, g.labels, static_cast<double>(g.metric->value()));
  for (const auto& h : histograms_) s.histogram(h.name, h.help, h.labels, *h.metric);
  // Collectors run under the lock, so one cannot be removed (its owner
  // destroyed) while it reads.
  for (const auto& [id, collect] : collectors_) collect(s);
  return s.render();
}

void collect_process(Samples& out) {
  long page = ::sysconf(_SC_PAGESIZE);
  std::ifstream statm("/proc/self/statm");
  long size_pages = 0, resident_pages = 0;
  if (statm >> size_pages >> resident_pages) {
    out.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
              static_cast<double>(resident_pages) * static_cast<double>(page));
    out.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
              static_cast<double>(size_pages) * static_cast<double>(page));
  }
  if (DIR* d = ::opendir("/proc/self/fd")) {
    int n = 0;
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    out.gauge("process_open_fds", "Number of open file descriptors.", {}, n - 1);  // less opendir's
  }
  // Field 22 of /proc/self/stat: start time in clock ticks after boot.
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  std::ifstream uptime_file("/proc/uptime");
  double uptime = 0;
  if (close != std::string::npos && (uptime_file >> uptime)) {
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    unsigned long long start_ticks = 0, utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
      if (i == 22) {
        start_ticks = std::stoull(field);
        break;
      }
    }
    double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    double now = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count()) /
                 1000.0;
    out.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch.", {},
              now - uptime + static_cast<double>(start_ticks) / ticks);
    out.counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", {},
                static_cast<double>(utime + stime) / ticks);
  }
}

}  // namespace latchkey::metrics
