// The engines' write counters (Store::write_generation and
// Store::activity_generation): each connection counts its completed writes
// in the counter it points at, the pool's general one unless a
// CountWritesIn scope points it elsewhere.
#pragma once
#include <atomic>
#include <cstdint>
#include <utility>

namespace latchkey::store {

class WriteCounters {
 public:
  std::atomic<uint64_t>& general() { return general_; }
  std::atomic<uint64_t>& activity() { return activity_; }
  uint64_t general_value() const { return general_.load(std::memory_order_acquire); }
  uint64_t activity_value() const { return activity_.load(std::memory_order_acquire); }

 private:
  std::atomic<uint64_t> general_{0};
  std::atomic<uint64_t> activity_{0};
};

// While alive, the writes on connection `c` (an engine's Connection, with
// swap_write_counter) count in `counter`; declare it before the transaction
// so that the commit counts there too.
template <typename Conn>
class CountWritesIn {
 public:
  CountWritesIn(Conn& c, std::atomic<uint64_t>& counter)
      : c_(c), saved_(c.swap_write_counter(&counter)) {}
  ~CountWritesIn() { c_.swap_write_counter(saved_); }
  CountWritesIn(const CountWritesIn&) = delete;

 private:
  Conn& c_;
  std::atomic<uint64_t>* saved_;
};

}  // namespace latchkey::store
