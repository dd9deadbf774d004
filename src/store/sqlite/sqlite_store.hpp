// The SQLite implementation of Store (the default, embedded engine).
#pragma once
#include <memory>
#include <string>

#include "store/store.hpp"

namespace latchkey::store {
std::unique_ptr<Store> make_sqlite_store(const std::string& path);
}
