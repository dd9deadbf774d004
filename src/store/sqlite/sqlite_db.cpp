#include "store/sqlite/sqlite_db.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "store/sql/pool_metrics.hpp"
#include "store/store.hpp"

namespace latchkey::store::sqlite {
namespace {

void check(sqlite3* db, int rc, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  std::string msg = std::string("SQLite ") + what + ": " + sqlite3_errmsg(db);
  if ((rc & 0xff) == SQLITE_INTERRUPT) throw StatementTimedOut(msg);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) throw sql::ConstraintError(msg, "");
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED || (rc & 0xff) == SQLITE_IOERR ||
      (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_FULL)
    throw StoreUnavailable(msg);
  throw std::runtime_error(msg);
}

// SQLite creates a database 0644 (less the umask) and gives its -wal, -shm
// and -journal files the database's mode; creating the database first,
// 0600, makes all of them private. The umask still applies, so a stricter
// one wins.
void keep_private(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  if (errno != EEXIST) return;  // SQLite's own open reports the cause
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string file = path + suffix;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) == 0) continue;
    if (::chmod(file.c_str(), st.st_mode & 0700) == 0)
      spdlog::warn("{} was readable by other users (mode {:o}); it is now {:o}", file,
                   st.st_mode & 0777, st.st_mode & 0700);
    else
      spdlog::warn("{} is readable by other users (mode {:o}) and could not be made private: {}",
                   file, st.st_mode & 0777, std::strerror(errno));
  }
}

// How long a writer waits for its turn, as SQLite's own busy timeout.
constexpr std::chrono::milliseconds kBusyTimeout{5000};
constexpr std::chrono::milliseconds kCheckpointEvery{1000};
constexpr off_t kCheckpointAboveBytes = 4 << 20;

bool is_identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// One executed statement. The first step runs in the constructor, so the
// statement's writes (and errors) happen when Connection::run returns.
class SqliteCursor final : public sql::Rows::Cursor {
 public:
  // `in_use`: the cached statement's flag, set while this cursor holds it;
  // `owned`: a statement prepared for this cursor alone, finalized with it;
  // `writer`: the connection whose writer lock this cursor holds while it
  // lives (a write outside a transaction), or null.
  SqliteCursor(sqlite3* db, sqlite3_stmt* s, bool* in_use, bool owned, sql::Params params,
               std::atomic<uint64_t>* writes, Connection* writer)
      : db_(db),
        s_(s),
        in_use_(in_use),
        owned_(owned),
        params_(std::move(params)),
        writes_(writes) {
    if (in_use_) *in_use_ = true;
    try {
      if (writer) {
        writer->hold_writer();
        writer_ = writer;
      }
      bind();
      start_changes_ = sqlite3_total_changes64(db_);
      has_row_ = step();
    } catch (...) {
      release();
      throw;
    }
  }
  ~SqliteCursor() override { release(); }

  bool next() override {
    if (first_) {
      first_ = false;
      return has_row_;
    }
    return has_row_ = has_row_ && step();
  }
  int affected() override {
    while (has_row_) has_row_ = step();
    return sqlite3_stmt_readonly(s_) ? 0 : sqlite3_changes(db_);
  }
  bool is_null(int col) const override { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string_view text(int col) const override {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string_view(p, sqlite3_column_bytes(s_, col)) : std::string_view();
  }
  int64_t int64(int col) const override { return sqlite3_column_int64(s_, col); }
  bool boolean(int col) const override { return sqlite3_column_int64(s_, col) != 0; }
  std::string blob(int col) const override {
    auto p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    return p ? std::string(p, sqlite3_column_bytes(s_, col)) : std::string();
  }

 private:
  // Values are bound without copies: params_ lives as long as the statement
  // uses them.
  void bind() {
    const auto& values = params_.values();
    for (size_t i = 0; i < values.size(); ++i) {
      const auto& v = values[i];
      const int at = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      switch (v.kind) {
        case sql::Params::Kind::kNull:
          rc = sqlite3_bind_null(s_, at);
          break;
        case sql::Params::Kind::kText:
          rc = sqlite3_bind_text(s_, at, v.text.data(), static_cast<int>(v.text.size()),
                                 SQLITE_STATIC);
          break;
        case sql::Params::Kind::kInt:
        case sql::Params::Kind::kBool:
          rc = sqlite3_bind_int64(s_, at, v.number);
          break;
        case sql::Params::Kind::kBlob:
          rc = sqlite3_bind_blob(s_, at, v.text.data(), static_cast<int>(v.text.size()),
                                 SQLITE_STATIC);
          break;
      }
      check(db_, rc, "bind");
    }
  }

  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    check(db_, rc, "step");
    // Done: a statement that changed rows moves the write generation.
    if (sqlite3_total_changes64(db_) != start_changes_)
      writes_->fetch_add(1, std::memory_order_acq_rel);
    return false;
  }

  void release() {
    if (writer_) std::exchange(writer_, nullptr)->release_writer();
    if (!s_) return;
    if (owned_) {
      sqlite3_finalize(s_);
    } else {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
      if (in_use_) *in_use_ = false;
    }
    s_ = nullptr;
  }

  sqlite3* db_;
  sqlite3_stmt* s_;
  bool* in_use_;
  bool owned_;
  sql::Params params_;
  std::atomic<uint64_t>* writes_;
  Connection* writer_ = nullptr;
  int64_t start_changes_ = 0;
  bool has_row_ = false;
  bool first_ = true;
};

}  // namespace

std::string rewrite_for_sqlite(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    char c = in[i];
    if (c == '\'' || c == '"') {  // a literal or quoted name, copied whole
      size_t end = in.find(c, i + 1);
      end = end == std::string_view::npos ? in.size() : end + 1;
      out.append(in.substr(i, end - i));
      i = end;
    } else if (c == '$' && i + 1 < in.size() &&
               std::isdigit(static_cast<unsigned char>(in[i + 1]))) {
      out.push_back('?');
      ++i;
    } else if (c == ':' && i + 1 < in.size() && in[i + 1] == ':') {
      i += 2;
      while (i < in.size() && is_identifier_char(in[i])) ++i;
      if (in.substr(i, 2) == "[]") i += 2;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

Connection::Connection(const std::string& path, std::atomic<uint64_t>* writes,
                       std::timed_mutex* writer)
    : writes_(writes), writer_(writer) {
  int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreUnavailable("cannot open SQLite database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, static_cast<int>(kBusyTimeout.count()));
  // journal_size_limit: a write-ahead log that grew under a burst of writes
  // is cut back to 64 MiB when it restarts (Database's checkpoint makes it
  // restart).
  exec_script(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
      "PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=67108864;");
}

Connection::~Connection() {
  for (auto& [_, cached] : cache_) sqlite3_finalize(cached.statement);
  sqlite3_close(db_);
}

void Connection::set_time_limit(int64_t millis) {
  if (millis <= 0) {
    sqlite3_progress_handler(db_, 0, nullptr, nullptr);
    return;
  }
  deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(millis);
  // Every few thousand virtual-machine steps: a clock read costs far less
  // than the steps between two reads.
  sqlite3_progress_handler(db_, 4000, &Connection::past_deadline, this);
}

int Connection::past_deadline(void* self) {
  return std::chrono::steady_clock::now() > static_cast<Connection*>(self)->deadline_ ? 1 : 0;
}

void Connection::hold_writer() {
  if (writer_holds_++ > 0) return;
  if (!writer_->try_lock_for(kBusyTimeout)) {
    writer_holds_ = 0;
    throw StoreUnavailable("SQLite: timed out waiting for the database writer");
  }
}

void Connection::release_writer() noexcept {
  if (writer_holds_ > 0 && --writer_holds_ == 0) writer_->unlock();
}

sqlite3_stmt* Connection::prepared(const std::string& text) {
  sqlite3_stmt* s = nullptr;
  std::string rewritten = rewrite_for_sqlite(text);
  check(db_,
        sqlite3_prepare_v3(db_, rewritten.c_str(), static_cast<int>(rewritten.size()),
                           SQLITE_PREPARE_PERSISTENT, &s, nullptr),
        "prepare");
  return s;
}

sql::Rows Connection::run(const sql::Sql& statement, sql::Params params) {
  const std::string& text = statement.text(sql::Engine::kSqlite);
  auto it = cache_.find(text);
  if (it == cache_.end()) it = cache_.emplace(text, CachedStatement{prepared(text), false}).first;
  CachedStatement& cached = it->second;
  // A write outside a transaction takes its turn as a writer, as a
  // transaction does (begin).
  Connection* writer =
      !sqlite3_stmt_readonly(cached.statement) && sqlite3_get_autocommit(db_) ? this : nullptr;
  // A statement whose rows are still held (the same text run again while an
  // earlier result is alive) is not reset under its reader: this run gets a
  // statement of its own.
  if (cached.in_use)
    return sql::Rows(std::make_unique<SqliteCursor>(db_, prepared(text), nullptr, true,
                                                    std::move(params), writes_, writer));
  return sql::Rows(std::make_unique<SqliteCursor>(db_, cached.statement, &cached.in_use, false,
                                                  std::move(params), writes_, writer));
}

void Connection::exec_script(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) throw StoreUnavailable(msg);
    throw std::runtime_error("SQLite: " + msg);
  }
}

// A transaction holds the writer lock from BEGIN to COMMIT or ROLLBACK.
void Connection::begin() {
  hold_writer();
  try {
    exec_script("BEGIN IMMEDIATE");
  } catch (...) {
    release_writer();
    throw;
  }
}

void Connection::commit() {
  try {
    exec_script("COMMIT");
  } catch (...) {
    rollback();
    throw;
  }
  release_writer();
  // Readers may have cached what they saw while this transaction was open:
  // moving the generation after the commit makes those entries stale.
  note_write();
}

void Connection::rollback() noexcept {
  if (!sqlite3_get_autocommit(db_)) {  // else nothing open (SQLite rolled back itself)
    char* err = nullptr;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, &err);
    sqlite3_free(err);
  }
  release_writer();
}

Database::Database(std::string path) : path_(std::move(path)) {
  keep_private(path_);
  if (!path_.empty() && path_ != ":memory:" && path_.rfind("file:", 0) != 0)
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
}

Database::~Database() {
  if (!checkpointer_.joinable()) return;
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  checkpointer_.join();
}

// SQLite checkpoints the log into the database after commits (PASSIVE: it
// copies what no reader still needs), but the log only starts over, and
// journal_size_limit only cuts it back, once a checkpoint has copied all of
// it while no reader used it. Under steady reads that moment never comes by
// itself, and the log grew past a gigabyte. Every second, when the log
// holds more than a few MiB, this copies what it can without waiting, then
// truncates the log: holding the writer lock (in-process writers queue on
// it meanwhile) and waiting at most 50 ms for readers to move to the newest
// snapshot. Busy readers just make it try again a second later.
void Database::checkpoint_loop() {
  std::unique_ptr<Connection> c;
  bool logged = false;
  std::unique_lock lock(stop_mutex_);
  while (!stop_cv_.wait_for(lock, kCheckpointEvery, [this] { return stopping_; })) {
    lock.unlock();
    try {
      checkpoint(c);
      logged = false;
    } catch (const std::exception& e) {
      if (!logged) spdlog::warn("SQLite checkpoint of {} failed: {}", path_, e.what());
      logged = true;
      c.reset();
    }
    lock.lock();
  }
}

void Database::checkpoint(std::unique_ptr<Connection>& c) {
  struct stat st {};
  if (::stat((path_ + "-wal").c_str(), &st) != 0 || st.st_size < kCheckpointAboveBytes) return;
  if (!c) c = std::make_unique<Connection>(path_, &unpooled_writes_, &writer_);
  int log_frames = 0, copied_frames = 0;
  sqlite3_wal_checkpoint_v2(c->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                            &copied_frames);
  std::unique_lock writer(writer_, std::defer_lock);
  if (!writer.try_lock_for(std::chrono::milliseconds(100))) return;
  sqlite3_busy_timeout(c->raw(), 50);
  const int rc = sqlite3_wal_checkpoint_v2(c->raw(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                           &log_frames, &copied_frames);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) check(c->raw(), rc, "checkpoint");
}

sql::Lease Database::acquire() {
  metrics::ScopedTimer timed(sql::acquire_wait());
  auto give_back = [this](std::unique_ptr<sql::Connection> c) { release(std::move(c)); };
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      sql::connections_in_use().inc();
      return sql::Lease(std::move(c), give_back);
    }
  }
  sql::Lease lease(std::make_unique<Connection>(path_, &general_writes_, &writer_), give_back);
  sql::connections_in_use().inc();
  return lease;
}

std::unique_ptr<sql::Connection> Database::open_unpooled() {
  return std::make_unique<Connection>(path_, &unpooled_writes_, &writer_);
}

void Database::release(std::unique_ptr<sql::Connection> c) {
  sql::connections_in_use().dec();
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(c));
}

}  // namespace latchkey::store::sqlite
