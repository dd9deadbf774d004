#include "store/store.hpp"

namespace latchkey::store {

static thread_local int t_non_blocking_depth = 0;

NonBlockingScope::NonBlockingScope() { ++t_non_blocking_depth; }
NonBlockingScope::~NonBlockingScope() { --t_non_blocking_depth; }
bool on_non_blocking_thread() { return t_non_blocking_depth > 0; }

}  // namespace latchkey::store
