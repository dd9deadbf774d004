#include "store/postgres/async_reads.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>

#include <boost/asio.hpp>
#include <chrono>
#include <deque>

#include "store/domain/stores.hpp"

namespace latchkey::store::postgres {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr const char* kSessionStatement = "lk_async_session_by_digest";

// What each result on the connection answers, in the order sent.
enum class Kind { kSettings, kPrepare, kSession, kSync };

struct Pending {
  Kind kind;
  std::string digest;  // kSession
  AsyncReads::SessionDone done;
};

// Epoll in Asio is edge-triggered and a wait is not speculative: readiness
// that arrives while no wait is pending is not reported again. So a wait on
// the socket is armed before the socket is drained, never after, and
// draining continues until neither the kernel nor OpenSSL (on a TLS
// connection: the rest of a record libpq did not take) holds more bytes.
// GSS-encrypted connections are not used here: their buffer is libpq's own
// and not visible.
class PgAsyncReads final : public AsyncReads {
 public:
  PgAsyncReads(asio::io_context& io, AsyncReadOptions options)
      : io_(io), options_(std::move(options)), spec_(options_.pool), socket_(io), timer_(io) {}

  ~PgAsyncReads() override { close(); }

  void find_session_by_token_digest(const std::string& digest, SessionDone done) override {
    if (state_ == State::kDisabled || (state_ == State::kFailed && Clock::now() < retry_at_) ||
        queued_.size() + in_flight_.size() >= options_.max_in_flight) {
      complete(std::move(done), unavailable(last_error_), std::nullopt);
      return;
    }
    queued_.push_back(Pending{Kind::kSession, digest, std::move(done)});
    if (state_ == State::kClosed || state_ == State::kFailed) {
      connect();
    } else if (state_ == State::kReady && !send_posted_) {
      // Everything queued before this runs goes out in one batch.
      send_posted_ = true;
      asio::post(io_, [this, gen = generation_] {
        if (gen != generation_) return;
        send_posted_ = false;
        send_queued();
      });
    }
  }

 private:
  enum class State { kClosed, kConnecting, kReady, kFailed, kDisabled };

  static std::exception_ptr unavailable(const std::string& why) {
    return std::make_exception_ptr(StoreUnavailable(why.empty() ? "PostgreSQL unavailable" : why));
  }

  void complete(SessionDone done, std::exception_ptr error, std::optional<Session> session) {
    asio::post(io_, [done = std::move(done), error, session = std::move(session)] {
      done(error, session);
    });
  }

  std::string connection_error() const { return "PostgreSQL: " + connection_error_message(conn_); }

  // --- connecting -----------------------------------------------------------

  void connect() {
    close();
    state_ = State::kConnecting;
    conn_ = PQconnectStartParams(spec_.keys(), spec_.values(), 1);
    if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) return connect_failed(connection_error());
    PQsetNoticeReceiver(conn_, &on_notice, &broken_);
    arm_timer(std::chrono::seconds(options_.pool.connect_timeout_seconds), "connecting");
    // libpq's protocol: start as if PQconnectPoll had answered "writing".
    poll_connect(PGRES_POLLING_WRITING);
  }

  void poll_connect(PostgresPollingStatusType want) {
    // libpq may move to another socket between steps (another address):
    // watch whatever it uses now.
    if (!watch(PQsocket(conn_))) return connect_failed(connection_error());
    auto type = want == PGRES_POLLING_READING ? asio::posix::descriptor_base::wait_read
                                              : asio::posix::descriptor_base::wait_write;
    socket_.async_wait(type, [this, gen = generation_](const boost::system::error_code& ec) {
      if (gen != generation_ || ec) return;
      switch (PostgresPollingStatusType s = PQconnectPoll(conn_)) {
        case PGRES_POLLING_OK:
          return connected();
        case PGRES_POLLING_FAILED:
          return connect_failed(connection_error());
        default:
          return poll_connect(s);
      }
    });
  }

  void connected() {
    if (PQgssEncInUse(conn_)) {
      spdlog::info("PostgreSQL connection is GSS-encrypted: refreshes read on worker threads");
      close();
      state_ = State::kDisabled;
      last_error_ = "GSS-encrypted connection: no non-blocking reads";
      fail_all(unavailable(last_error_));
      return;
    }
    if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1 ||
        !watch(PQsocket(conn_)))
      return connect_failed(connection_error());
    if (!last_error_.empty()) spdlog::info("PostgreSQL: non-blocking reads connected again");
    last_error_.clear();
    state_ = State::kReady;
    timer_.cancel();
    timer_armed_ = false;
    arm_read();
    if (!PQsendQueryParams(conn_, spec_.settings_sql().c_str(), 0, nullptr, nullptr, nullptr,
                           nullptr, 0) ||
        !PQsendPrepare(conn_, kSessionStatement,
                       domain::session_by_digest_sql().text(sql::Engine::kPostgres).c_str(), 1,
                       nullptr))
      return lost(connection_error());
    in_flight_.push_back(Pending{Kind::kSettings, {}, {}});
    in_flight_.push_back(Pending{Kind::kPrepare, {}, {}});
    send_queued();
  }

  void connect_failed(const std::string& why) {
    spdlog::warn("{} (non-blocking reads retry in {} ms)", why, options_.retry_after_millis);
    close();
    state_ = State::kFailed;
    last_error_ = why;
    retry_at_ = Clock::now() + std::chrono::milliseconds(options_.retry_after_millis);
    fail_all(unavailable(why));
  }

  // Points socket_ at `fd` (re-registered every time: libpq may have closed
  // the previous socket and been handed the same number for a new one).
  bool watch(int fd) {
    if (fd < 0) return false;
    if (socket_.is_open()) socket_.release();
    boost::system::error_code ec;
    socket_.assign(fd, ec);
    return !ec;
  }

  // --- sending --------------------------------------------------------------

  void send_queued() {
    if (state_ != State::kReady || queued_.empty()) return;
    for (auto& p : queued_) {
      const char* values[] = {p.digest.c_str()};
      if (!PQsendQueryPrepared(conn_, kSessionStatement, 1, values, nullptr, nullptr, 0))
        return lost(connection_error());
      in_flight_.push_back(std::move(p));
    }
    queued_.clear();
    if (!PQpipelineSync(conn_)) return lost(connection_error());
    in_flight_.push_back(Pending{Kind::kSync, {}, {}});
    if (!timer_armed_)
      arm_timer(std::chrono::milliseconds(options_.pool.statement_timeout_millis + 1000),
                "waiting for results");
    flush();
  }

  void flush() {
    int rc = PQflush(conn_);
    if (rc < 0) return lost(connection_error());
    if (rc == 0 || writing_) return;
    // The kernel's buffer is full: wait for room, then flush again.
    writing_ = true;
    socket_.async_wait(asio::posix::descriptor_base::wait_write,
                       [this, gen = generation_](const boost::system::error_code& ec) {
                         if (gen != generation_ || ec) return;
                         writing_ = false;
                         flush();
                       });
    // Room may have appeared before the wait was armed (see the class note).
    if (PQflush(conn_) < 0) lost(connection_error());
  }

  // --- receiving ------------------------------------------------------------

  void arm_read() {
    socket_.async_wait(asio::posix::descriptor_base::wait_read,
                       [this, gen = generation_](const boost::system::error_code& ec) {
                         if (gen != generation_ || ec) return;
                         arm_read();  // before draining (see the class note)
                         drain();
                       });
  }

  void drain() {
    for (;;) {
      if (!PQconsumeInput(conn_) || broken_) return lost(connection_error());
      if (!take_results()) return;
      int available = 0;
      if (::ioctl(PQsocket(conn_), FIONREAD, &available) != 0) return lost(connection_error());
      if (available == 0 && !tls_pending()) return;
    }
  }

  // Decrypted bytes OpenSSL holds for libpq (none without TLS).
  bool tls_pending() const {
    auto* tls = static_cast<SSL*>(PQsslStruct(conn_, "OpenSSL"));
    return tls && SSL_pending(tls) > 0;
  }

  // Hands out every result libpq has parsed; false when the connection was
  // given up.
  bool take_results() {
    while (!PQisBusy(conn_)) {
      PGresult* r = PQgetResult(conn_);
      if (!r) {
        // Each statement's results end with a null; nothing else to read.
        if (!awaiting_end_) return true;
        awaiting_end_ = false;
        continue;
      }
      Result result = own(r);
      progress_++;
      ExecStatusType status = PQresultStatus(r);
      if (in_flight_.empty()) {
        lost("PostgreSQL: a result nobody asked for");
        return false;
      }
      Pending p = std::move(in_flight_.front());
      in_flight_.pop_front();
      if ((status == PGRES_PIPELINE_SYNC) != (p.kind == Kind::kSync)) {
        lost("PostgreSQL: results out of step with the pipeline");
        return false;
      }
      if (p.kind == Kind::kSync) continue;
      awaiting_end_ = true;
      bool ok = status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
      if (p.kind != Kind::kSession) {
        if (!ok) {
          lost("PostgreSQL: setting up the connection failed: " +
               std::string(PQresultErrorMessage(r)));
          return false;
        }
        continue;
      }
      if (!ok) {
        std::string msg = status == PGRES_PIPELINE_ABORTED ? "an earlier statement failed"
                                                           : PQresultErrorMessage(r);
        complete(std::move(p.done), unavailable("PostgreSQL: " + msg), std::nullopt);
        continue;
      }
      try {
        auto rows = rows_of(std::move(result));
        complete(std::move(p.done), nullptr, domain::first_session(rows));
      } catch (...) {
        complete(std::move(p.done), std::current_exception(), std::nullopt);
      }
    }
    return true;
  }

  // --- timeouts and failures ------------------------------------------------

  void arm_timer(std::chrono::milliseconds after, const char* what) {
    timer_armed_ = true;
    timer_.expires_after(after);
    timer_.async_wait([this, gen = generation_, seen = progress_, what,
                       after](const boost::system::error_code& ec) {
      if (gen != generation_ || ec) return;
      timer_armed_ = false;
      if (state_ == State::kConnecting)
        return connect_failed("PostgreSQL: no connection within " +
                              std::to_string(options_.pool.connect_timeout_seconds) + " s");
      if (in_flight_.empty()) return;
      if (progress_ == seen)
        return lost(std::string("PostgreSQL: no answer within ") + std::to_string(after.count()) +
                    " ms while " + what);
      arm_timer(after, what);
    });
  }

  // The connection is given up: everything waiting fails (its request takes
  // a worker), and the next read connects again.
  void lost(const std::string& why) {
    spdlog::warn("{} (non-blocking reads reconnect on next use)", why);
    close();
    state_ = State::kClosed;
    last_error_ = why;
    fail_all(unavailable(why));
  }

  void fail_all(std::exception_ptr error) {
    auto fail = [&](std::deque<Pending>& q) {
      for (auto& p : q)
        if (p.kind == Kind::kSession) complete(std::move(p.done), error, std::nullopt);
      q.clear();
    };
    fail(in_flight_);
    fail(queued_);
  }

  void close() {
    ++generation_;  // callbacks already scheduled see they are stale
    boost::system::error_code ignored;
    timer_.cancel();
    timer_armed_ = false;
    writing_ = false;
    send_posted_ = false;
    awaiting_end_ = false;
    broken_ = false;
    if (socket_.is_open()) {
      socket_.cancel(ignored);
      socket_.release();  // libpq owns the socket and closes it
    }
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    // In-flight reads are failed by the caller, with its reason.
  }

  asio::io_context& io_;
  AsyncReadOptions options_;
  const ConnectSpec spec_;  // how to connect, and the settings once connected
  asio::posix::stream_descriptor socket_;
  asio::steady_timer timer_;
  PGconn* conn_ = nullptr;
  State state_ = State::kClosed;
  std::deque<Pending> queued_;     // not sent yet
  std::deque<Pending> in_flight_;  // sent, in order, results pending
  uint64_t generation_ = 0;
  uint64_t progress_ = 0;  // results received, for the timeout
  bool send_posted_ = false;
  bool writing_ = false;
  bool timer_armed_ = false;
  bool awaiting_end_ = false;  // the null that ends a statement's results
  bool broken_ = false;        // set by on_notice on a FATAL notice
  std::string last_error_;
  Clock::time_point retry_at_{};
};

}  // namespace

std::unique_ptr<AsyncReads> make_async_reads(asio::io_context& io,
                                             const AsyncReadOptions& options) {
  return std::make_unique<PgAsyncReads>(io, options);
}

}  // namespace latchkey::store::postgres
