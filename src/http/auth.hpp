// Header authentication (overview.md §3.1): resolves project, access type,
// user and session from the x-stack-* headers, or throws the known error of
// the first check that fails.
#pragma once
#include "http/context.hpp"

namespace latchkey::http {
void authenticate(RequestContext& ctx);
}
