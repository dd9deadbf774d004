#include "store/postgres/pg_db.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstring>

#include "store/sql/pool_metrics.hpp"

namespace latchkey::store::postgres {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// PostgreSQL text can hold neither NUL nor invalid UTF-8 (SQLite stores
// any bytes). Such input can only come from request headers or odd JSON
// strings; it is stored with U+FFFD in place of each bad byte rather than
// failing the request.
bool valid_utf8_without_nul(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Continuation bytes after a lead byte; overlong forms, surrogates and
    // values past U+10FFFF are invalid.
    size_t n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 0;
    if (n == 0 || c > 0xF4 || i + n >= s.size()) return false;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 > 0x8F))
      return false;
    for (size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t len = 1;
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (i + len <= s.size() && valid_utf8_without_nul(s.substr(i, len))) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

std::string error_field(const PGresult* r, int field) {
  const char* v = r ? PQresultErrorField(r, field) : nullptr;
  return v ? v : "";
}

// libpq's messages end with a newline.
std::string without_trailing_space(std::string msg) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string connection_error_message(const PGconn* conn) {
  return conn ? without_trailing_space(PQerrorMessage(conn)) : "out of memory";
}

void on_notice(void* broken, const PGresult* r) {
  std::string severity = error_field(r, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity == "FATAL" || severity == "PANIC") *static_cast<bool*>(broken) = true;
  spdlog::debug("PostgreSQL: {}", PQresultErrorMessage(r));
}

ConnectSpec::ConnectSpec(const PoolOptions& o)
    : conninfo_(o.conninfo), timeout_(std::to_string(o.connect_timeout_seconds)) {
  settings_sql_ = "SELECT set_config('statement_timeout', '" +
                  std::to_string(o.statement_timeout_millis) +
                  "', false), set_config('idle_in_transaction_session_timeout', '" +
                  std::to_string(o.statement_timeout_millis * 2) +
                  "', false), set_config('bytea_output', 'hex', false), "
                  "set_config('client_min_messages', 'warning', false)";
}

ErrorKind classify_sqlstate(std::string_view s) {
  if (s.empty()) return ErrorKind::kUnavailable;  // no answer from the server
  if (starts_with(s, "23")) return ErrorKind::kConstraint;
  // Connection exceptions, shutdown/crash/startup, statement timeout,
  // insufficient resources, system errors, and the transient concurrency
  // failures (serialization, deadlock, lock timeout): worth retrying later.
  if (starts_with(s, "08") || starts_with(s, "53") || starts_with(s, "58") || s == "57P01" ||
      s == "57P02" || s == "57P03" || s == "57014" || s == "40001" || s == "40P01" ||
      s == "55P03" || s == "25P03")
    return ErrorKind::kUnavailable;
  return ErrorKind::kOther;
}

namespace {

// A result's rows (sql::Rows::Cursor): row -1 until the first next().
class PgCursor final : public sql::Rows::Cursor {
 public:
  explicit PgCursor(Result r) : r_(std::move(r)) {}
  bool next() override { return ++row_ < PQntuples(r_.get()); }
  int affected() override {
    const char* n = PQcmdTuples(r_.get());
    int v = 0;
    if (n && *n) std::from_chars(n, n + std::strlen(n), v);
    return v;
  }
  bool is_null(int col) const override { return PQgetisnull(r_.get(), row_, col) != 0; }
  std::string_view text(int col) const override {
    return {PQgetvalue(r_.get(), row_, col), static_cast<size_t>(PQgetlength(r_.get(), row_, col))};
  }
  int64_t int64(int col) const override {
    auto v = text(col);
    int64_t out = 0;
    auto [_, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc()) throw std::runtime_error("PostgreSQL: not an integer column");
    return out;
  }
  bool boolean(int col) const override { return text(col) == "t"; }
  // bytea_output is set to hex for every connection.
  std::string blob(int col) const override {
    auto v = text(col);
    if (!starts_with(v, "\\x") || v.size() % 2 != 0)
      throw std::runtime_error("PostgreSQL: unexpected bytea format");
    std::string out;
    out.reserve(v.size() / 2 - 1);
    for (size_t i = 2; i < v.size(); i += 2) {
      int hi = hex_digit(v[i]), lo = hex_digit(v[i + 1]);
      if (hi < 0 || lo < 0) throw std::runtime_error("PostgreSQL: unexpected bytea format");
      out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
  }

 private:
  Result r_;
  int row_ = -1;
};

}  // namespace

sql::Rows rows_of(Result r) { return sql::Rows(std::make_unique<PgCursor>(std::move(r))); }

Connection::Connection(const PoolOptions& o, std::atomic<uint64_t>* writes) : writes_(writes) {
  ConnectSpec spec(o);
  conn_ = PQconnectdbParams(spec.keys(), spec.values(), 1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = connection_error_message(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw StoreUnavailable("cannot connect to PostgreSQL: " + msg);
  }
  PQsetNoticeReceiver(conn_, &on_notice, &broken_);
  try {
    exec_script(spec.settings_sql());
  } catch (...) {
    PQfinish(conn_);
    throw;
  }
}

Connection::~Connection() { PQfinish(conn_); }

void Connection::fail(PGresult* r, const char* what) {
  std::string state = error_field(r, PG_DIAG_SQLSTATE);
  std::string constraint = error_field(r, PG_DIAG_CONSTRAINT_NAME);
  std::string msg = without_trailing_space(r ? PQresultErrorMessage(r) : "");
  if (msg.empty()) msg = connection_error_message(conn_);
  PQclear(r);
  msg = std::string("PostgreSQL ") + what + ": " + msg;
  if (PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    throw StoreUnavailable(msg);
  }
  switch (classify_sqlstate(state)) {
    case ErrorKind::kConstraint:
      throw ConstraintError(msg, constraint);
    case ErrorKind::kUnavailable:
      if (state.empty() || starts_with(state, "08") || starts_with(state, "57P")) broken_ = true;
      throw StoreUnavailable(msg);
    case ErrorKind::kOther:
      break;
  }
  throw std::runtime_error(msg + " (SQLSTATE " + state + ")");
}

sql::Rows Connection::run(const sql::Sql& statement, sql::Params params) {
  const std::string& text = statement.text(sql::Engine::kPostgres);
  auto it = prepared_.find(text);
  if (it == prepared_.end()) {
    std::string name = "lk" + std::to_string(prepared_.size() + 1);
    PGresult* r = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) fail(r, "prepare");
    PQclear(r);
    it = prepared_.emplace(text, std::move(name)).first;
  }
  // Text format for every value, binary for bytea. PostgreSQL text can hold
  // neither NUL nor invalid UTF-8 (SQLite stores any bytes): such input can
  // only come from request headers or odd JSON strings, and is stored with
  // U+FFFD in place of each bad byte rather than failing the request.
  const auto& values = params.values();
  const size_t n = values.size();
  std::vector<std::string> converted(n);
  std::vector<const char*> ptrs(n);
  std::vector<int> lengths(n), formats(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& v = values[i];
    const std::string* bytes = &v.text;
    switch (v.kind) {
      case sql::Params::Kind::kNull:
        continue;  // ptrs[i] stays null
      case sql::Params::Kind::kText:
        if (!valid_utf8_without_nul(v.text)) bytes = &(converted[i] = sanitize_utf8(v.text));
        break;
      case sql::Params::Kind::kInt:
        bytes = &(converted[i] = std::to_string(v.number));
        break;
      case sql::Params::Kind::kBool:
        bytes = &(converted[i] = v.number ? "t" : "f");
        break;
      case sql::Params::Kind::kBlob:
        formats[i] = 1;
        break;
    }
    ptrs[i] = bytes->c_str();
    lengths[i] = static_cast<int>(bytes->size());
  }
  PGresult* r = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(n), ptrs.data(),
                               lengths.data(), formats.data(), 0);
  auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(r, "query");
  auto rows = rows_of(own(r));
  // The write generation tells caches that what they hold may have changed:
  // a statement that changed no row (e.g. an UPDATE whose values were
  // already there) leaves it alone.
  std::string_view tag = PQcmdStatus(r);
  if ((starts_with(tag, "INSERT") || starts_with(tag, "UPDATE") || starts_with(tag, "DELETE")) &&
      rows.affected() > 0)
    note_write();
  return rows;
}

std::string Connection::exec_command(const char* sql) {
  PGresult* r = PQexec(conn_, sql);
  auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(r, "statement");
  std::string tag = PQcmdStatus(r);
  PQclear(r);
  return tag;
}

void Connection::commit() {
  // A transaction that failed earlier answers COMMIT with ROLLBACK: never
  // report that as written.
  if (exec_command("COMMIT") != "COMMIT")
    throw std::runtime_error("PostgreSQL: the transaction was rolled back");
  // Readers may have cached what they saw while this transaction was open:
  // moving the generation after the commit makes those entries stale.
  note_write();
}

void Connection::rollback() noexcept {
  if (!alive()) return;
  try {
    exec_command("ROLLBACK");
  } catch (...) {
    // The connection is marked broken and will be dropped by the pool.
  }
}

bool Connection::alive() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

bool Connection::healthy() {
  if (broken_ || PQstatus(conn_) != CONNECTION_OK) return false;
  // Reads (without blocking) whatever the server sent while the connection
  // sat idle: a server that shut down sent a FATAL notice (on_notice marks
  // the connection broken) or closed the stream (libpq marks it bad).
  if (!PQconsumeInput(conn_)) return false;
  PQisBusy(conn_);  // parses what was read
  return !broken_ && PQstatus(conn_) == CONNECTION_OK;
}

bool Connection::reusable() const {
  return !broken_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

sql::Lease Pool::acquire() {
  static auto& timeouts =
      metrics::counter("latchkey_db_pool_timeouts_total",
                       "Requests that found no free database connection in time (answered 503).");
  metrics::ScopedTimer timed(sql::acquire_wait());
  auto give_back = [this](std::unique_ptr<sql::Connection> c) { release(std::move(c)); };
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.acquire_timeout_millis);
  std::unique_lock lock(mutex_);
  for (;;) {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      if (c->healthy()) {
        sql::connections_in_use().inc();
        return sql::Lease(std::move(c), give_back);
      }
      c.reset();  // closed outside the lock
      lock.lock();
      --open_;
    }
    if (open_ < options_.max_connections) {
      ++open_;
      lock.unlock();
      try {
        sql::Lease lease(std::make_unique<Connection>(options_, &general_writes_), give_back);
        sql::connections_in_use().inc();
        return lease;
      } catch (...) {
        lock.lock();
        --open_;
        freed_.notify_one();
        throw;
      }
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.max_connections) {
      timeouts.inc();
      throw StoreUnavailable("no free PostgreSQL connection within " +
                             std::to_string(options_.acquire_timeout_millis) + " ms (all " +
                             std::to_string(options_.max_connections) + " in use)");
    }
  }
}

std::unique_ptr<sql::Connection> Pool::open_unpooled() {
  return std::make_unique<Connection>(options_, &unpooled_writes_);
}

void Pool::release(std::unique_ptr<sql::Connection> base) {
  sql::connections_in_use().dec();
  std::unique_ptr<Connection> c(static_cast<Connection*>(base.release()));
  if (!c->reusable()) {
    c.reset();
    std::lock_guard lock(mutex_);
    --open_;
  } else {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
  }
  freed_.notify_one();
}

}  // namespace latchkey::store::postgres
