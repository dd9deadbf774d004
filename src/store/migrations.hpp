// SQL migrations compiled into the binary (cmake/embed_migrations.cmake).
#pragma once
#include <string>
#include <vector>

namespace latchkey::store {
struct Migration {
  std::string engine;  // "sqlite" or "postgres"
  int version;
  std::string name;
  std::string sql;
};
const std::vector<Migration>& all_migrations();
}  // namespace latchkey::store
