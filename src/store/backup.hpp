// Online backup of a live SQLite database (`latchkey backup`): a consistent
// copy taken while the server keeps serving, through SQLite's backup API.
// PostgreSQL is backed up with its own tools (pg_dump; README "Operations").
#pragma once
#include <string>

namespace latchkey::store {

struct BackupResult {
  int pages = 0;        // database pages copied
  long long bytes = 0;  // size of the copy
};

// Copies the SQLite database `database` into the new file `out` (created
// 0600; an existing file is refused), as one consistent snapshot: the copy
// runs inside one read transaction of the source, which in WAL mode blocks
// no writer. The copy is then checked with PRAGMA integrity_check. Throws
// std::runtime_error naming what failed; for a PostgreSQL URL it says to use
// pg_dump.
BackupResult backup_database(const std::string& database, const std::string& out);

}  // namespace latchkey::store
