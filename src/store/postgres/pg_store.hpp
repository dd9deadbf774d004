// The PostgreSQL implementation of Store: for several Latchkey instances
// sharing one database.
#pragma once
#include <memory>

#include "store/postgres/pg_db.hpp"
#include "store/store.hpp"

namespace latchkey::store {
std::unique_ptr<Store> make_postgres_store(const postgres::PoolOptions& options);
}
