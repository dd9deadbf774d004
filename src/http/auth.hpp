// Header authentication (overview.md §3.1): resolves project, access type,
// user and session from the x-stack-* headers, or throws the known error of
// the first check that fails. Returns false when the request needs the
// database: running in memory (RequestContext::in_memory), a read the cache
// could not answer; nothing is loaded then.
#pragma once
#include "http/context.hpp"

namespace latchkey::http {
[[nodiscard]] bool authenticate(RequestContext& ctx);
}
