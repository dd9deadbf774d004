// The server end to end in one process: a real listening socket, the
// pipeline and a router of test routes, stopped by SIGTERM as in production.
#include "http/server.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/crypto.hpp"
#include "core/projects.hpp"
#include "store/store.hpp"

namespace latchkey::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// A Server on a free loopback port of an SQLite store of its own, running
// on a thread of its own; stop() sends the process SIGTERM, as a process
// manager would, and waits for run() to return.
class RunningServer {
 public:
  // `cache_ttl`: the read cache's (0: off, every context read misses).
  explicit RunningServer(Router routes,
                         std::chrono::milliseconds cache_ttl = std::chrono::milliseconds(0))
      : router_(std::move(routes)) {
    auto dir = std::filesystem::path(::testing::TempDir()) /
               ("latchkey-server-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto db = dir / (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                     ".db");
    std::filesystem::remove(db);
    app_.config.port = 0;
    app_.config.io_threads = 1;
    app_.config.worker_threads = 1;
    app_.config.long_worker_threads = 1;
    app_.store = store::open_store(db.string());
    app_.store->migrate();
    app_.clock = std::make_unique<core::OffsetClock>();
    app_.cache = std::make_unique<store::ReadCache>(*app_.store, cache_ttl);
    pipeline_ = std::make_unique<Pipeline>(app_, router_);
    server_ = std::make_unique<Server>(app_, *pipeline_);
    port_ = server_->listen();
    thread_ = std::thread([this] { server_->run(); });
  }

  ~RunningServer() {
    if (thread_.joinable()) stop();
  }

  // The bytes the server sends back for `request` on a connection of its
  // own, until it closes the connection ("" when it closes without an answer).
  std::string exchange(const std::string& request) const {
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
    asio::write(socket, asio::buffer(request));
    std::string reply;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(reply), ec);  // to EOF (or a reset)
    return reply;
  }

  App& app() { return app_; }

  // SIGTERM, then the time run() took to return.
  Clock::duration stop() {
    auto start = Clock::now();
    ::kill(::getpid(), SIGTERM);
    thread_.join();
    return Clock::now() - start;
  }

 private:
  App app_;
  Router router_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
  std::thread thread_;
};

std::string request(std::string_view method, std::string_view target) {
  return std::string(method) + " " + std::string(target) +
         " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
}

std::string body_of(const std::string& reply) {
  auto at = reply.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : reply.substr(at + 4);
}

// The path is routed as sent: split at its own slashes, each segment decoded
// once (not decoded whole first, which made %2F a separator and decoded
// %252F twice).
TEST(Server, PathParametersAreDecodedOnceAfterRouting) {
  Router r;
  r.add(Method::kGet, "/echo/{a}", Access::any(),
        [](RequestContext& ctx) { return Response::text(200, "a=" + ctx.params.at("a")); });
  r.add(Method::kGet, "/echo/{a}/{b}", Access::any(), [](RequestContext& ctx) {
    return Response::text(200, "a=" + ctx.params.at("a") + " b=" + ctx.params.at("b"));
  });
  RunningServer server(std::move(r));
  EXPECT_EQ(body_of(server.exchange(request("GET", "/api/v1/echo/abc%2Fdef"))), "a=abc/def");
  EXPECT_EQ(body_of(server.exchange(request("GET", "/api/v1/echo/abc%252Fdef"))), "a=abc%2Fdef");
  EXPECT_EQ(body_of(server.exchange(request("GET", "/api/v1/echo/a%20b/c"))), "a=a b b=c");
  EXPECT_EQ(body_of(server.exchange(request("GET", "/api/v1/echo/m%65"))), "a=me");
}

bool is_ok(const std::string& reply) { return reply.rfind("HTTP/1.1 200 ", 0) == 0; }

// Not a std::exception: nothing on the way from the handler to the server
// renders it, so it leaves the pipeline (as a bug or an allocation failure
// while building or writing a response would).
struct Escapes {};

TEST(Server, AResponseThatThrowsIsNoLongerInFlight) {
  Router r;
  auto escape = [](RequestContext&) -> Response { throw Escapes{}; };
  r.add(Method::kGet, "/escapes", Access::any(), escape);   // tried on the I/O thread
  r.add(Method::kPost, "/escapes", Access::any(), escape);  // on a worker
  r.add(Method::kGet, "/ok", Access::any(), [](RequestContext&) { return Response::empty(200); });
  RunningServer server(std::move(r));

  EXPECT_EQ(server.exchange(request("GET", "/api/v1/escapes")), "");
  EXPECT_EQ(server.exchange(request("POST", "/api/v1/escapes")), "");
  // The server serves on, and has nothing in flight: SIGTERM stops it at
  // once instead of waiting out the 10 s drain for requests that ended.
  EXPECT_TRUE(is_ok(server.exchange(request("GET", "/api/v1/ok"))));
  EXPECT_LT(server.stop(), std::chrono::seconds(5));
}

// What a handler saw on one run of a request.
struct Run {
  const void* params;  // the parameters object the handler was given
  bool in_memory;
};

class RunLog {
 public:
  void add(const RequestContext& ctx) {
    std::lock_guard lock(mutex_);
    runs_.push_back({&ctx.params, ctx.in_memory});
  }
  std::vector<Run> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(runs_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<Run> runs_;
};

// A route declared kMemory is answered on the I/O thread, by one run.
TEST(Server, AMemoryRouteIsAnsweredOnTheIoThread) {
  RunLog runs;
  Router r;
  r.add(
      Method::kGet, "/here", Access::any(),
      [&](RequestContext& ctx) {
        runs.add(ctx);
        return Response::text(200, "here");
      },
      Runs::kMemory);
  RunningServer server(std::move(r));
  EXPECT_EQ(body_of(server.exchange(request("GET", "/api/v1/here"))), "here");
  server.stop();
  auto seen = runs.take();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].in_memory);
}

// Every other route runs once, on a worker: a GET too (it is not tried on
// the I/O thread first).
TEST(Server, ADatabaseRouteRunsOnceOnAWorker) {
  RunLog runs;
  Router r;
  auto handler = [&](RequestContext& ctx) {
    runs.add(ctx);
    return Response::text(200, "worker");
  };
  r.add(Method::kGet, "/reads", Access::any(), handler);
  r.add(Method::kPost, "/long", Access::any(), handler, Runs::kLong);
  RunningServer server(std::move(r));
  EXPECT_EQ(body_of(server.exchange(request("GET", "/api/v1/reads"))), "worker");
  EXPECT_EQ(body_of(server.exchange(request("POST", "/api/v1/long"))), "worker");
  server.stop();
  auto seen = runs.take();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[0].in_memory);
  EXPECT_FALSE(seen[1].in_memory);
}

// A memory run that needs the database says so (a value, not an exception)
// and the request runs again on a worker, with the very parameters the
// server matched once (before, each run matched the path anew).
TEST(Server, ARequestThatNeedsTheDatabaseRunsAgainOnAWorkerWithItsMatch) {
  RunLog runs;
  Router r;
  r.add(
      Method::kGet, "/reads/{id}", Access::any(),
      [&](RequestContext& ctx) -> std::optional<Response> {
        runs.add(ctx);
        if (ctx.in_memory) return std::nullopt;  // as a read-cache miss would
        return Response::text(200, "id=" + ctx.params.at("id"));
      },
      Runs::kMemory);
  RunningServer server(std::move(r));
  EXPECT_EQ(body_of(server.exchange(request("GET", "/api/v1/reads/a%2Fb"))), "id=a/b");
  server.stop();
  auto seen = runs.take();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[0].in_memory);
  EXPECT_FALSE(seen[1].in_memory);
  EXPECT_EQ(seen[0].params, seen[1].params);
}

// Header auth on the I/O thread only peeks at the read cache: a project and
// key not cached yet send the request to a worker, which loads them; the
// next request finds them and is answered from memory.
TEST(Server, AContextNotCachedIsResolvedOnAWorkerThenFromMemory) {
  RunLog runs;
  Router r;
  r.add(
      Method::kGet, "/projects/current", Access::client_plus(),
      [&](RequestContext& ctx) {
        runs.add(ctx);
        return Response::text(200, ctx.require_project().id);
      },
      Runs::kMemory);
  RunningServer server(std::move(r), std::chrono::seconds(60));
  auto& app = server.app();
  core::NewProject np;
  np.display_name = "p";
  std::string project = core::create_project(*app.store, *app.clock, np).id;
  core::NewKeySet nk;
  nk.has_publishable_client_key = true;
  nk.expires_at_millis = app.clock->now_millis() + 3'600'000;
  std::string key =
      *core::create_key_set(*app.store, *app.clock, project, nk).publishable_client_key;
  std::string get =
      "GET /api/v1/projects/current HTTP/1.1\r\nHost: localhost\r\n"
      "x-stack-access-type: client\r\nx-stack-project-id: " +
      project + "\r\nx-stack-publishable-client-key: " + key + "\r\nConnection: close\r\n\r\n";
  EXPECT_EQ(body_of(server.exchange(get)), project);
  EXPECT_EQ(body_of(server.exchange(get)), project);
  server.stop();
  auto seen = runs.take();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[0].in_memory);  // the handler never ran on the I/O thread's miss
  EXPECT_TRUE(seen[1].in_memory);
}

}  // namespace
}  // namespace latchkey::http
