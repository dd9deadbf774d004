#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "store/store.hpp"

namespace latchkey::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

struct Server::Impl {
  App& app;
  const Pipeline& pipeline;
  // One io_context per I/O thread: a connection lives on one thread for its
  // whole life, so its handlers never wake another thread (a shared
  // multi-threaded io_context spent a fifth of the CPU in the scheduler).
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  asio::io_context& ioc;
  asio::thread_pool workers;
  tcp::acceptor acceptor{ioc};
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};

  Impl(App& a, const Pipeline& p)
      : app(a), pipeline(p), iocs(make_iocs(a.config.io_threads)), ioc(*iocs.front()),
        workers(a.config.worker_threads) {}

  static std::vector<std::unique_ptr<asio::io_context>> make_iocs(int n) {
    std::vector<std::unique_ptr<asio::io_context>> v;
    for (int i = 0; i < std::max(1, n); ++i) v.push_back(std::make_unique<asio::io_context>(1));
    return v;
  }

  static Request to_request(bhttp::request<bhttp::string_body>& msg, const tcp::endpoint& peer) {
    Request req;
    req.method_text = std::string(msg.method_string());
    req.method = parse_method(req.method_text);
    req.target = std::string(msg.target());
    auto q = req.target.find('?');
    req.path = url_decode(std::string_view(req.target).substr(0, q), false);
    if (q != std::string::npos) req.query = parse_query(std::string_view(req.target).substr(q + 1));
    for (const auto& f : msg) req.headers.add(f.name_string(), f.value());
    if (auto h = req.headers.get("host")) req.host = std::string(*h);
    req.body = std::move(msg.body());
    req.remote_ip = peer.address().to_string();
    return req;
  }

  static bhttp::response<bhttp::string_body> to_beast(Response&& r, unsigned version,
                                                      bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
    for (auto& [k, v] : r.headers) res.set(k, v);
    if (r.content_type) res.set(bhttp::field::content_type, *r.content_type);
    res.body() = std::move(r.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    tcp::endpoint peer;
    try {
      peer = stream.socket().remote_endpoint();
    } catch (...) {
    }
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(app.config.max_header_bytes));
      parser.body_limit(app.config.max_body_bytes);
      // A client gets this long to send a whole request (slow-client limit).
      stream.expires_after(std::chrono::seconds(app.config.read_timeout_seconds));
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser,
                                                asio::as_tuple(asio::use_awaitable));
      if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
          ec == beast::error::timeout || ec == asio::error::connection_reset ||
          ec == asio::error::operation_aborted)
        break;
      if (ec) {
        int status = ec == bhttp::error::body_limit ? 413
                     : ec == bhttp::error::header_limit ? 431
                                                        : 400;
        Response r = Response::text(status, status == 413   ? "Request body too large"
                                            : status == 431 ? "Request header fields too large"
                                                            : "Bad request");
        auto res = to_beast(std::move(r), 11, false);
        stream.expires_after(std::chrono::seconds(5));
        co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        break;
      }
      auto msg = parser.release();
      bool keep_alive = msg.keep_alive() && !stopping.load();
      unsigned version = msg.version();
      Request req = to_request(msg, peer);
      ++in_flight;
      // The pipeline may touch the database or hash a password: run it on a
      // worker and resume here when it is done.
      // Reads are first tried right here from memory (caches, no database);
      // anything that needs the database, a hash or the network runs on a
      // worker and resumes here when done.
      std::optional<Response> r;
      if (req.method == Method::kGet || req.method == Method::kHead ||
          req.method == Method::kOptions) {
        store::NonBlockingScope non_blocking;
        try {
          r = pipeline.handle(req);
        } catch (const store::NeedsWorker&) {
          if (std::getenv("LK_DEBUG_FALLBACK")) spdlog::warn("fallback {}", req.path);
        }
      }
      if (!r) {
        r = co_await asio::co_spawn(
            workers,
            [this, &req]() -> asio::awaitable<Response> { co_return pipeline.handle(req); },
            asio::use_awaitable);
      }
      if (r->send_delay_millis > 0) {
        asio::steady_timer delay(stream.get_executor(),
                                 std::chrono::milliseconds(r->send_delay_millis));
        co_await delay.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      auto res = to_beast(std::move(*r), version, keep_alive);
      stream.expires_after(std::chrono::seconds(app.config.read_timeout_seconds));
      beast::error_code wec;
      if (req.method == Method::kHead) {
        // A HEAD response ends after its headers (RFC 9112 §6.3); the
        // Content-Length still describes the body a GET would carry.
        bhttp::response_serializer<bhttp::string_body> sr(res);
        std::tie(wec, std::ignore) =
            co_await bhttp::async_write_header(stream, sr, asio::as_tuple(asio::use_awaitable));
      } else {
        std::tie(wec, std::ignore) =
            co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      }
      --in_flight;
      if (wec || !keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> accept_loop() {
    size_t next = 0;
    for (;;) {
      asio::io_context& target = *iocs[next++ % iocs.size()];
      auto [ec, socket] =
          co_await acceptor.async_accept(target, asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        continue;
      }
      socket.set_option(tcp::no_delay(true));
      asio::co_spawn(target, session(std::move(socket)), asio::detached);
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

void Server::run() {
  auto& I = *impl_;
  asio::co_spawn(I.ioc, I.accept_loop(), asio::detached);
  asio::signal_set signals(I.ioc, SIGTERM, SIGINT);
  signals.async_wait([&](const beast::error_code&, int sig) {
    spdlog::info("signal {}: no longer accepting; draining in-flight requests", sig);
    I.stopping = true;
    beast::error_code ec;
    I.acceptor.close(ec);
    // Give in-flight requests up to 10 s to finish, then stop.
    auto timer = std::make_shared<asio::steady_timer>(I.ioc);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [&I, timer, deadline, poll]() {
      if (I.in_flight.load() == 0 || std::chrono::steady_clock::now() > deadline) {
        for (auto& c : I.iocs) c->stop();
        return;
      }
      timer->expires_after(std::chrono::milliseconds(20));
      timer->async_wait([poll](const beast::error_code&) { (*poll)(); });
    };
    (*poll)();
  });
  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : I.iocs) guards.push_back(asio::make_work_guard(*c));
  for (size_t i = 1; i < I.iocs.size(); ++i) threads.emplace_back([&, i] { I.iocs[i]->run(); });
  I.ioc.run();
  for (auto& t : threads) t.join();
  I.workers.join();
  spdlog::info("stopped");
}

}  // namespace latchkey::http
