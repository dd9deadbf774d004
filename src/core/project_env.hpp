// The environment lines an app needs to talk to one project
// (`latchkey project create --env`): the variables Stack's SDKs read, ready
// to paste into a .env.local file.
#pragma once
#include <string>
#include <string_view>

namespace latchkey::core {

struct ProjectEnv {
  std::string api_url;  // Latchkey's public URL (serve --public-url)
  std::string project_id;
  std::string publishable_client_key;
  std::string secret_server_key;
};

// `public_url` without trailing slashes (the SDKs append "/api/v1"); throws
// std::invalid_argument when it is not an http(s) URL.
std::string app_api_url(std::string_view public_url);

// NEXT_PUBLIC_STACK_API_URL (app_api_url), NEXT_PUBLIC_STACK_PROJECT_ID,
// NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY and STACK_SECRET_SERVER_KEY, one
// `NAME=value` line each. Throws std::invalid_argument as app_api_url, or
// when a value holds a character that a dotenv file would read differently
// (blanks, quotes, `#`, `$`, a backslash).
std::string project_env_lines(const ProjectEnv& env);

}  // namespace latchkey::core
