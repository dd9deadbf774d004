#include "store/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "store/store.hpp"

namespace latchkey::store {

namespace {

using Handle = std::unique_ptr<sqlite3, int (*)(sqlite3*)>;

Handle open_db(const std::string& path, int flags, const char* role) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  Handle h(db, &sqlite3_close_v2);
  if (rc != SQLITE_OK)
    throw std::runtime_error(std::string("cannot open the ") + role + " " + path + ": " +
                             (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  // Wait for a writer's lock instead of failing at once (the backup's read
  // transaction needs a moment of no checkpoint in progress).
  sqlite3_busy_timeout(db, 5000);
  return h;
}

}  // namespace

BackupResult backup_database(const std::string& database, const std::string& out) {
  if (is_postgres_url(database))
    throw std::runtime_error(
        "latchkey backup copies SQLite databases; back PostgreSQL up with pg_dump (README, "
        "\"Operations\")");
  struct stat st {};
  if (::stat(database.c_str(), &st) != 0)
    throw std::runtime_error("no database file " + database + ": " + std::strerror(errno));
  // The copy holds every secret the database holds: private from the start.
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot create " + out + ": " + std::strerror(errno) +
                             (errno == EEXIST ? " (the backup never overwrites a file)" : ""));
  ::close(fd);
  try {
    // Read-write (though only read): a read-only connection to a WAL database
    // cannot open when no -shm file is there (the server is stopped).
    Handle source = open_db(database, SQLITE_OPEN_READWRITE, "database");
    Handle copy = open_db(out, SQLITE_OPEN_READWRITE, "backup file");
    sqlite3_backup* b = sqlite3_backup_init(copy.get(), "main", source.get(), "main");
    if (!b) throw std::runtime_error(std::string("backup: ") + sqlite3_errmsg(copy.get()));
    // All pages in one step: one read transaction on the source, so the
    // copy is one snapshot even while the server writes (WAL readers do not
    // block writers, nor writers them).
    int rc;
    int tries = 0;
    while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      if (++tries > 100) break;
      sqlite3_sleep(50);
    }
    BackupResult result;
    result.pages = sqlite3_backup_pagecount(b);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
      throw std::runtime_error(std::string("backup failed: ") + sqlite3_errstr(rc));
    sqlite3_stmt* check = nullptr;
    if (sqlite3_prepare_v2(copy.get(), "PRAGMA integrity_check", -1, &check, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("cannot check the copy: ") + sqlite3_errmsg(copy.get()));
    std::string verdict;
    if (sqlite3_step(check) == SQLITE_ROW)
      verdict = reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
    sqlite3_finalize(check);
    if (verdict != "ok")
      throw std::runtime_error("the copy failed its integrity check: " + verdict);
    // A self-contained file: no -wal beside it holds part of the copy.
    sqlite3_exec(copy.get(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
    copy.reset();
    if (::stat(out.c_str(), &st) == 0) result.bytes = st.st_size;
    return result;
  } catch (...) {
    ::unlink(out.c_str());
    throw;
  }
}

}  // namespace latchkey::store
