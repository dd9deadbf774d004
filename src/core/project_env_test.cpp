#include "core/project_env.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace latchkey::core {
namespace {

ProjectEnv sample(std::string url) {
  return ProjectEnv{std::move(url), "6b1c2d3e-0000-4000-8000-000000000001", "pck_abc123",
                    "ssk_def456"};
}

TEST(ProjectEnv, FourLinesWithTheSdkNames) {
  EXPECT_EQ(project_env_lines(sample("http://localhost:8102")),
            "NEXT_PUBLIC_STACK_API_URL=http://localhost:8102\n"
            "NEXT_PUBLIC_STACK_PROJECT_ID=6b1c2d3e-0000-4000-8000-000000000001\n"
            "NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY=pck_abc123\n"
            "STACK_SECRET_SERVER_KEY=ssk_def456\n");
}

TEST(ProjectEnv, TrailingSlashesDropped) {
  auto out = project_env_lines(sample("https://auth.example.com/latchkey//"));
  EXPECT_EQ(out.substr(0, out.find('\n')),
            "NEXT_PUBLIC_STACK_API_URL=https://auth.example.com/latchkey");
}

TEST(ProjectEnv, RefusesWhatIsNotAnHttpUrl) {
  for (const char* url : {"", "/", "localhost:8102", "ftp://example.com", "http://", "http:// x"})
    EXPECT_THROW(project_env_lines(sample(url)), std::invalid_argument) << url;
}

TEST(ProjectEnv, RefusesValuesADotenvFileWouldChange) {
  for (const char* key : {"", "a b", "a#b", "a$b", "a\"b", "a'b", "a\\b", "a\nb"}) {
    auto env = sample("http://localhost:8102");
    env.secret_server_key = key;
    EXPECT_THROW(project_env_lines(env), std::invalid_argument) << key;
  }
}

}  // namespace
}  // namespace latchkey::core
