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
#include <vector>

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
  explicit RunningServer(Router routes) : router_(std::move(routes)) {
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
    app_.cache = std::make_unique<store::ReadCache>(*app_.store, std::chrono::milliseconds(0));
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

// The server matches a request's route once and every run of the request
// uses that match: a GET tried on the I/O thread that turns out to need the
// database runs again on a worker with the very parameters the server
// matched (before, each run matched the path anew).
TEST(Server, ARequestRunAgainOnAWorkerKeepsItsMatch) {
  struct Run {
    const void* params;  // the parameters object the handler was given
    bool on_io_thread;
  };
  std::mutex mutex;
  std::vector<Run> runs;
  Router r;
  r.add(Method::kGet, "/reads/{id}", Access::any(), [&](RequestContext& ctx) {
    bool on_io_thread = store::on_non_blocking_thread();
    {
      std::lock_guard lock(mutex);
      runs.push_back({&ctx.params, on_io_thread});
    }
    if (on_io_thread) throw store::NeedsWorker();  // as a store read there would
    return Response::text(200, "id=" + ctx.params.at("id"));
  });
  RunningServer server(std::move(r));
  EXPECT_EQ(body_of(server.exchange(request("GET", "/api/v1/reads/a%2Fb"))), "id=a/b");
  server.stop();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_TRUE(runs[0].on_io_thread);
  EXPECT_FALSE(runs[1].on_io_thread);
  EXPECT_EQ(runs[0].params, runs[1].params);
}

}  // namespace
}  // namespace latchkey::http
