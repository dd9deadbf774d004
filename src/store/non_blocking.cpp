#include "store/store.hpp"

namespace latchkey::store {

static thread_local int t_non_blocking_depth = 0;

NonBlockingScope::NonBlockingScope() { ++t_non_blocking_depth; }
NonBlockingScope::~NonBlockingScope() { --t_non_blocking_depth; }
bool on_non_blocking_thread() { return t_non_blocking_depth > 0; }

static thread_local const PrefetchedSession* t_prefetched = nullptr;

PrefetchedSession::PrefetchedSession(std::string d, std::optional<Session> s)
    : digest(std::move(d)), session(std::move(s)), outer_(t_prefetched) {
  t_prefetched = this;
}
PrefetchedSession::~PrefetchedSession() { t_prefetched = outer_; }

const PrefetchedSession* prefetched_session(const std::string& digest) {
  for (auto* p = t_prefetched; p; p = p->outer_)
    if (p->digest == digest) return p;
  return nullptr;
}

std::unique_ptr<AsyncReads> Store::open_async_reads(boost::asio::io_context&) { return nullptr; }

}  // namespace latchkey::store
