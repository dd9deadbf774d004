// The running server's services, built once at start and shared (read-only
// after start) by every request.
#pragma once
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/tokens.hpp"
#include "store/store.hpp"

namespace latchkey {

struct Config {
  std::string host = "127.0.0.1";
  int port = 8102;
  std::string public_url;  // NEXT_PUBLIC_STACK_API_URL; default http://localhost:PORT
  std::string database = "./latchkey.db";
  std::string log_level = "info";
  bool test_mode = false;  // enables /latchkey-test/* routes
  int io_threads = 2;
  int worker_threads = 8;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  int read_timeout_seconds = 30;
};

struct App {
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<core::OffsetClock> clock;
  std::unique_ptr<core::TokenService> tokens;
};

// Opens the database, runs migrations, loads or creates the server secret
// and seeds the internal project. Throws std::runtime_error with a clear
// message on bad configuration.
std::unique_ptr<App> make_app(Config config);

}  // namespace latchkey
