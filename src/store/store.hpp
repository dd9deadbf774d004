// The storage interface: one method per query the domain needs. SQLite and
// PostgreSQL implement it with the same behaviour; nothing above store/
// writes SQL or knows which engine runs.
#pragma once
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "store/project_store.hpp"
#include "store/session_store.hpp"
#include "store/user_store.hpp"

namespace latchkey::store {

// Thrown by a store when the database cannot be reached or fails; the http
// layer answers 503.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual void migrate() = 0;

  // Server-wide settings (e.g. the generated server secret). Inserts `value`
  // unless the key exists; returns the stored value either way.
  virtual std::string get_or_insert_setting(const std::string& key, const std::string& value) = 0;

  virtual ProjectStore& projects() = 0;
  virtual UserStore& users() = 0;
  virtual SessionStore& sessions() = 0;
};

// Opens the store named by `database`: a file path (SQLite), or a
// postgres:// URL (not supported yet: throws std::runtime_error).
std::unique_ptr<Store> open_store(const std::string& database);

}  // namespace latchkey::store
