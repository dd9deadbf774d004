#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>
#include <tuple>

#include "core/metrics.hpp"
#include "core/sessions.hpp"
#include "http/json_log.hpp"
#include "http/metrics.hpp"
#include "http/request_reader.hpp"
#include "store/store.hpp"

namespace latchkey::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Counts a request as in flight for as long as it lives: from the parsed
// request until its response is written, or until whatever ends it sooner
// (an exception from the pipeline or the serialisation). SIGTERM's drain
// waits for the count to reach zero.
// The metrics' gauge, when given, follows the count.
class InFlight {
 public:
  InFlight(std::atomic<int>& count, metrics::Gauge* gauge) : count_(count), gauge_(gauge) {
    ++count_;
    if (gauge_) gauge_->inc();
  }
  ~InFlight() {
    --count_;
    if (gauge_) gauge_->dec();
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<int>& count_;
  metrics::Gauge* gauge_;
};

}  // namespace

struct Server::Impl {
  App& app;
  const Pipeline& pipeline;
  // One io_context per I/O thread: a connection lives on one thread for its
  // whole life, so its handlers never wake another thread (a shared
  // multi-threaded io_context spent a fifth of the CPU in the scheduler).
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  asio::io_context& ioc;
  // Per I/O thread (same index as iocs): the store's non-blocking reads, or
  // null (SQLite). Declared after iocs so they go first.
  std::vector<std::unique_ptr<store::AsyncReads>> reads;
  // Requests that wait on the database only, and those that may wait longer
  // (router.hpp Runs::kLong): the long waits never hold up the quick ones.
  asio::thread_pool workers;
  asio::thread_pool long_workers;
  tcp::acceptor acceptor{ioc};
  // Set by listen_metrics(): requests are measured only when someone can
  // read the figures.
  std::unique_ptr<HttpMetrics> http_metrics;
  tcp::acceptor metrics_acceptor{ioc};
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};

  // Stops every I/O thread once nothing is in flight or at `deadline`,
  // checking every 20 ms. Each wait's handler holds the timer and nothing
  // holds the handler afterwards (a self-referencing callback would leak).
  void drain_then_stop(std::shared_ptr<asio::steady_timer> timer,
                       std::chrono::steady_clock::time_point deadline) {
    if (in_flight.load() == 0 || std::chrono::steady_clock::now() > deadline) {
      for (auto& c : iocs) c->stop();
      return;
    }
    timer->expires_after(std::chrono::milliseconds(20));
    timer->async_wait(
        [this, timer, deadline](const beast::error_code&) { drain_then_stop(timer, deadline); });
  }

  Impl(App& a, const Pipeline& p)
      : app(a),
        pipeline(p),
        iocs(make_iocs(a.config.io_threads)),
        ioc(*iocs.front()),
        workers(static_cast<size_t>(a.config.quick_workers())),
        long_workers(static_cast<size_t>(a.config.long_worker_threads)) {
    // Cached reads are renewed in the background by the quick workers, so
    // requests served from memory rarely wait on the database.
    app.cache->set_scheduler(
        [this](std::function<void()> job) { asio::post(workers, std::move(job)); });
    for (auto& c : iocs) reads.push_back(app.store->open_async_reads(*c));
  }

  ~Impl() { app.cache->set_scheduler(nullptr); }

  static std::vector<std::unique_ptr<asio::io_context>> make_iocs(int n) {
    std::vector<std::unique_ptr<asio::io_context>> v;
    for (int i = 0; i < std::max(1, n); ++i) v.push_back(std::make_unique<asio::io_context>(1));
    return v;
  }

  // The session of `digest`, read by `reads` without blocking this thread;
  // an exception_ptr when the read failed.
  static auto async_find_session(store::AsyncReads& reads, const std::string& digest) {
    using Signature = void(std::exception_ptr, std::optional<store::Session>);
    auto token = asio::as_tuple(asio::use_awaitable);
    return asio::async_initiate<decltype(token), Signature>(
        [&reads, &digest](auto handler) {
          auto h = std::make_shared<decltype(handler)>(std::move(handler));
          reads.find_session_by_token_digest(
              digest, [h](std::exception_ptr e, std::optional<store::Session> s) {
                (*h)(std::move(e), std::move(s));
              });
        },
        token);
  }

  // Reads the session of the refresh token that `match`'s session hint
  // finds in `req`, without blocking, into `read`; then runs `req` here, in
  // memory, with that row at hand. nullopt: it runs on a worker (no token
  // in the request, the read failed and the worker's own read reports why,
  // or something is missing from the read cache).
  asio::awaitable<std::optional<Response>> read_then_handle(const Request& req,
                                                            const Router::Match& match,
                                                            store::AsyncReads& reads,
                                                            std::optional<SessionRead>& read) {
    auto token = match.route->session_hint(req);
    if (!token) co_return std::nullopt;
    auto [error, session] = co_await async_find_session(reads, core::refresh_token_digest(*token));
    if (error) co_return std::nullopt;
    read.emplace(SessionRead{std::move(*token), std::move(session)});
    co_return pipeline.handle(req, match, /*in_memory=*/true, &*read);
  }

  // The response to `req`, whose route is `match` (matched once, by the
  // caller; every run below uses it), run where runs() says: here, on this
  // I/O thread, from memory (kMemory; kSessionRead once its session is read
  // without blocking), or on a worker of the pool the route declares. A run
  // here that finds something missing from the read cache comes back
  // without a response, and the request runs on a worker instead.
  asio::awaitable<Response> respond(const Request& req, const Router::Match& match,
                                    store::AsyncReads* reads) {
    const Runs runs = pipeline.runs(req, match);
    std::optional<SessionRead> read;
    std::optional<Response> here;
    if (runs == Runs::kMemory)
      here = pipeline.handle(req, match, /*in_memory=*/true);
    else if (runs == Runs::kSessionRead && reads)
      here = co_await read_then_handle(req, match, *reads, read);
    if (here) co_return std::move(*here);
    auto& pool = runs == Runs::kLong ? long_workers : workers;
    const SessionRead* session_read = read ? &*read : nullptr;
    const auto which = runs == Runs::kLong ? HttpMetrics::kLong : HttpMetrics::kQuick;
    if (http_metrics) http_metrics->queued[which].inc();
    co_return co_await asio::co_spawn(
        pool,
        [this, &req, &match, session_read, which]() -> asio::awaitable<Response> {
          if (!http_metrics)
            co_return *pipeline.handle(req, match, /*in_memory=*/false, session_read);
          http_metrics->queued[which].dec();
          http_metrics->running[which].inc();
          struct Done {
            metrics::Gauge& g;
            ~Done() { g.dec(); }
          } done{http_metrics->running[which]};
          co_return *pipeline.handle(req, match, /*in_memory=*/false, session_read);
        },
        asio::use_awaitable);
  }

  asio::awaitable<void> session(tcp::socket socket, store::AsyncReads* reads) {
    if (http_metrics) http_metrics->open_connections.inc();
    struct Closed {
      HttpMetrics* m;
      ~Closed() {
        if (m) m->open_connections.dec();
      }
    } closed{http_metrics.get()};
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    std::string remote_ip;
    try {
      remote_ip = stream.socket().remote_endpoint().address().to_string();
    } catch (...) {
    }
    for (;;) {
      RequestReader parser(app.config.max_header_bytes, app.config.max_body_bytes, remote_ip);
      // A client gets this long to send a whole request (slow-client limit).
      stream.expires_after(std::chrono::seconds(app.config.read_timeout_seconds));
      auto [ec, n] =
          co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
          ec == beast::error::timeout || ec == asio::error::connection_reset ||
          ec == asio::error::operation_aborted)
        break;
      if (ec) {
        int status = ec == bhttp::error::body_limit     ? 413
                     : ec == bhttp::error::header_limit ? 431
                                                        : 400;
        Response r = Response::text(status, status == 413   ? "Request body too large"
                                            : status == 431 ? "Request header fields too large"
                                                            : "Bad request");
        std::string wire = serialize_response(r, 11, false, false);
        stream.expires_after(std::chrono::seconds(5));
        co_await asio::async_write(stream, asio::buffer(wire), asio::as_tuple(asio::use_awaitable));
        break;
      }
      bool keep_alive = parser.keep_alive() && !stopping.load();
      unsigned version = parser.version();
      Request req = std::move(parser.request());
      beast::error_code wec;
      {
        const bool measured = http_metrics || access_log_enabled();
        const int64_t started = measured ? metrics::monotonic_nanos() : 0;
        InFlight counted(in_flight, http_metrics ? &http_metrics->in_flight : nullptr);
        const Router::Match match = pipeline.match(req);
        Response r = co_await respond(req, match, reads);
        if (r.send_delay_millis > 0) {
          asio::steady_timer delay(stream.get_executor(),
                                   std::chrono::milliseconds(r.send_delay_millis));
          co_await delay.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        // One buffer, one write: the response is serialised by hand rather
        // than through Beast's header containers (a tenth of the CPU of a
        // cached GET went into building and walking those).
        std::string wire = serialize_response(r, version, keep_alive, req.method == Method::kHead);
        stream.expires_after(std::chrono::seconds(app.config.read_timeout_seconds));
        std::tie(wec, std::ignore) = co_await asio::async_write(
            stream, asio::buffer(wire), asio::as_tuple(asio::use_awaitable));
        if (measured) {
          const int status = HttpMetrics::actual_status(r);
          const int64_t nanos = metrics::monotonic_nanos() - started;
          if (http_metrics) http_metrics->record(req, match, status, nanos);
          log_access(req, match, r, status, nanos);
        }
      }
      if (wec || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // A connection whose request threw past the pipeline ends without an
  // answer (the client sees the connection close); say so in the log
  // rather than let it vanish.
  static void log_escaped(std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& err) {
      spdlog::error("connection closed: unexpected error while answering: {}", err.what());
    } catch (...) {
      spdlog::error("connection closed: unexpected error while answering");
    }
  }

  // One scrape per connection: GET /metrics, answered and closed.
  asio::awaitable<void> metrics_session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    bhttp::request_parser<bhttp::empty_body> parser;
    parser.header_limit(8192);
    stream.expires_after(std::chrono::seconds(10));
    auto [ec, n] =
        co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const auto& req = parser.get();
    Response r;
    std::string_view target(req.target().data(), req.target().size());
    target = target.substr(0, target.find('?'));
    if (target != "/metrics") {
      r = Response::text(404, "Not found: the metrics are at /metrics\n");
    } else if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
      r = Response::text(405, "Method not allowed\n");
    } else {
      r = Response::text(200, HttpMetrics::scrape());
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    }
    std::string wire =
        serialize_response(r, req.version(), false, req.method() == bhttp::verb::head);
    co_await asio::async_write(stream, asio::buffer(wire), asio::as_tuple(asio::use_awaitable));
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> metrics_accept_loop() {
    for (;;) {
      auto [ec, socket] =
          co_await metrics_acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        continue;
      }
      asio::co_spawn(ioc, metrics_session(std::move(socket)), log_escaped);
    }
  }

  asio::awaitable<void> accept_loop() {
    size_t next = 0;
    for (;;) {
      size_t i = next++ % iocs.size();
      asio::io_context& target = *iocs[i];
      auto [ec, socket] =
          co_await acceptor.async_accept(target, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        continue;
      }
      socket.set_option(tcp::no_delay(true));
      asio::co_spawn(target, session(std::move(socket), reads[i].get()), log_escaped);
    }
  }
};

Server::Server(App& app, const Pipeline& pipeline) : impl_(std::make_unique<Impl>(app, pipeline)) {}
Server::~Server() = default;

int Server::listen() {
  auto& c = impl_->app.config;
  tcp::endpoint ep(asio::ip::make_address(c.host), static_cast<unsigned short>(c.port));
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  return impl_->acceptor.local_endpoint().port();
}

int Server::listen_metrics(const std::string& host, int port) {
  tcp::endpoint ep(asio::ip::make_address(host), static_cast<unsigned short>(port));
  auto& a = impl_->metrics_acceptor;
  a.open(ep.protocol());
  a.set_option(asio::socket_base::reuse_address(true));
  a.bind(ep);
  a.listen(asio::socket_base::max_listen_connections);
  impl_->http_metrics = std::make_unique<HttpMetrics>();
  return a.local_endpoint().port();
}

void Server::run() {
  auto& I = *impl_;
  asio::co_spawn(I.ioc, I.accept_loop(), asio::detached);
  if (I.metrics_acceptor.is_open()) asio::co_spawn(I.ioc, I.metrics_accept_loop(), asio::detached);
  asio::signal_set signals(I.ioc, SIGTERM, SIGINT);
  signals.async_wait([&](const beast::error_code&, int sig) {
    spdlog::info("signal {}: no longer accepting; draining in-flight requests", sig);
    I.stopping = true;
    beast::error_code ec;
    I.acceptor.close(ec);
    I.metrics_acceptor.close(ec);
    // Give in-flight requests up to 10 s to finish, then stop.
    I.drain_then_stop(std::make_shared<asio::steady_timer>(I.ioc),
                      std::chrono::steady_clock::now() + std::chrono::seconds(10));
  });
  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : I.iocs) guards.push_back(asio::make_work_guard(*c));
  for (size_t i = 1; i < I.iocs.size(); ++i) threads.emplace_back([&, i] { I.iocs[i]->run(); });
  I.ioc.run();
  for (auto& t : threads) t.join();
  I.workers.join();
  I.long_workers.join();
  spdlog::info("stopped");
}

}  // namespace latchkey::http
