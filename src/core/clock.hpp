// Injected time source, so tests can expire tokens and codes without sleeping.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>

namespace latchkey::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_millis() const = 0;
  int64_t now_seconds() const { return now_millis() / 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t now_millis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// System time plus an offset that tests move forward (the test-only
// `POST /latchkey-test/clock/advance` route, enabled by --test-mode).
class OffsetClock final : public Clock {
 public:
  int64_t now_millis() const override { return base_.now_millis() + offset_.load(); }
  void advance(int64_t millis) { offset_ += millis; }
  int64_t offset() const { return offset_.load(); }

 private:
  SystemClock base_;
  std::atomic<int64_t> offset_{0};
};

// A clock that moves only when told to: unit tests that compare expiries to
// the millisecond must not see real time pass between two steps.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_millis = 1750000000000) : now_(start_millis) {}
  int64_t now_millis() const override { return now_.load(); }
  void advance(int64_t millis) { now_ += millis; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace latchkey::core
