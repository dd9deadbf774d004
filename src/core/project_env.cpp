#include "core/project_env.hpp"

#include <stdexcept>

#include "core/validation.hpp"

namespace latchkey::core {

namespace {

// dotenv reads `#` as a comment, `$` as an expansion (Next.js expands), and
// quotes, blanks and backslashes specially; none occur in a URL we accept or
// in a generated key, so a value holding one is refused rather than quoted.
void check_plain(std::string_view name, std::string_view value) {
  if (value.empty()) throw std::invalid_argument(std::string(name) + " is empty");
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#' || c == '$' || c == '"' || c == '\'' || c == '`' ||
        c == '\\')
      throw std::invalid_argument(std::string(name) + " holds a character that .env files " +
                                  "do not keep as is: " + std::string(value));
  }
}

}  // namespace

std::string app_api_url(std::string_view public_url) {
  std::string url(public_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!(url.starts_with("http://") || url.starts_with("https://")) || !is_valid_url(url))
    throw std::invalid_argument("the public URL must be an http or https URL, not \"" +
                                std::string(public_url) + "\"");
  return url;
}

std::string project_env_lines(const ProjectEnv& env) {
  const std::string url = app_api_url(env.api_url);
  const std::pair<std::string_view, const std::string*> lines[] = {
      {"NEXT_PUBLIC_STACK_API_URL", &url},
      {"NEXT_PUBLIC_STACK_PROJECT_ID", &env.project_id},
      {"NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY", &env.publishable_client_key},
      {"STACK_SECRET_SERVER_KEY", &env.secret_server_key},
  };
  std::string out;
  for (const auto& [name, value] : lines) {
    check_plain(name, *value);
    out.append(name).append("=").append(*value).append("\n");
  }
  return out;
}

}  // namespace latchkey::core
