// Reads on an I/O thread without blocking it: one libpq connection per
// io_context in non-blocking pipeline mode. Reads queued while the thread
// serves other requests go out together, behind one Sync, and come back
// together, so a burst of refreshes costs PostgreSQL one wake-up instead of
// one per request and the request never changes threads.
#pragma once
#include <memory>

#include "store/postgres/pg_db.hpp"
#include "store/store.hpp"

namespace latchkey::store::postgres {

struct AsyncReadOptions {
  PoolOptions pool;
  // Requests in flight on the connection at most; beyond it a read fails at
  // once (and its request takes a worker).
  size_t max_in_flight = 1024;
  // After a failed connection attempt, reads fail at once for this long
  // instead of each trying to connect again.
  int retry_after_millis = 1000;
};

std::unique_ptr<AsyncReads> make_async_reads(boost::asio::io_context& io,
                                             const AsyncReadOptions& options);

}  // namespace latchkey::store::postgres
