// The trusted-domain check for callback and redirect URLs
// (auth-endpoints.md §0.2), shared by every endpoint that sends a user to a
// URL the client chose.
#pragma once
#include <string_view>

#include "core/json.hpp"

namespace latchkey::core {

// True iff `url` is an absolute URL that the project trusts: with
// `allow_localhost`, any URL whose host is localhost, *.localhost or
// 127.x.y.z (any scheme and port); otherwise a URL with the scheme and host
// of one of `domains[].domain` (port ignored) whose path starts with that
// domain's path. Both sides are normalised first (case, percent-encoding,
// dot segments), so "/app/../admin" does not pass as "/app".
// `project_config` is the admin REST view of the config (project-config.md §2).
bool is_trusted_url(const Json& project_config, std::string_view url);

}  // namespace latchkey::core
