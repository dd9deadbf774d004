#include "http/openapi.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "api/routes.hpp"

namespace latchkey::api {
namespace {

// Every route the server registers is in the document, once, with its path
// parameters and access types; nothing else is (but the health checks).
TEST(OpenApi, ListsEveryRegisteredRoute) {
  Router r;
  register_routes(r);
  Json doc = openapi_document(r);
  ASSERT_EQ(doc["openapi"], "3.1.0");
  std::set<std::string> operation_ids;
  std::set<std::pair<std::string, std::string>> routes;
  for (const Route* route : r.routes()) {
    const std::string path = openapi_path(*route);
    const std::string method = openapi_method(route->method);
    EXPECT_TRUE(routes.emplace(method, path).second) << "registered twice: " << method << path;
    ASSERT_TRUE(doc["paths"].contains(path)) << path;
    const Json& item = doc["paths"][path];
    ASSERT_TRUE(item.contains(method)) << method << " " << path;
    const Json& op = item[method];
    EXPECT_TRUE(operation_ids.insert(op["operationId"].get<std::string>()).second)
        << "duplicate operationId " << op["operationId"];
    size_t braces = std::count(route->pattern.begin(), route->pattern.end(), '{');
    EXPECT_EQ(item.value("parameters", Json::array()).size(), braces) << path;
    for (const auto& p : item.value("parameters", Json::array()))
      EXPECT_NE(path.find("{" + p["name"].get<std::string>() + "}"), std::string::npos) << path;
    if (route->pattern.rfind("/svix/", 0) == 0) continue;
    Json access = Json::array();
    if (route->access.required)
      for (auto t : route->access.allowed) access.push_back(std::string(access_type_name(t)));
    EXPECT_EQ(op["x-latchkey-access-types"], access) << path;
    EXPECT_EQ(op["x-latchkey-schema"], route->spec ? "declared" : "undeclared") << path;
  }
  size_t operations = 0;
  for (const auto& [path, item] : doc["paths"].items())
    for (const auto& [key, op] : item.items())
      if (key != "parameters") ++operations;
  EXPECT_EQ(operations, routes.size() + 2);  // + /health and /health/ready
  EXPECT_GT(routes.size(), 100u);
  EXPECT_TRUE(routes.count({"get", "/api/v1/openapi.json"}));
}

TEST(OpenApi, DescribesDeclaredBodiesQueriesAndErrors) {
  Router r;
  register_routes(r);
  Json doc = openapi_document(r);
  const Json& sign_up = doc["paths"]["/api/v1/auth/password/sign-up"]["post"];
  EXPECT_EQ(sign_up["x-latchkey-access-types"], (Json{"client", "server", "admin"}));
  const Json& body = sign_up["requestBody"]["content"]["application/json"]["schema"];
  EXPECT_EQ(body["required"], (Json{"email", "password", "verification_callback_url"}));
  EXPECT_EQ(body["additionalProperties"], false);
  EXPECT_EQ(body["properties"]["email"]["format"], "email");
  EXPECT_EQ(body["properties"]["password"]["maxLength"], 70);
  EXPECT_EQ(body["properties"]["verification_callback_url"]["format"], "uri");
  // Errors by status, each naming its codes.
  const Json& conflict = sign_up["responses"]["409"]["content"]["application/json"]["schema"];
  EXPECT_EQ(conflict["allOf"][1]["properties"]["code"]["enum"],
            Json::array({"USER_EMAIL_ALREADY_EXISTS"}));
  auto codes_400 = sign_up["responses"]["400"]["content"]["application/json"]["schema"]["allOf"][1]
                          ["properties"]["code"]["enum"];
  for (const char* code : {"SCHEMA_ERROR", "PASSWORD_TOO_SHORT", "SIGN_UP_NOT_ENABLED",
                           "ACCESS_TYPE_REQUIRED", "BODY_PARSING_ERROR"})
    EXPECT_NE(std::find(codes_400.begin(), codes_400.end(), code), codes_400.end()) << code;

  const Json& list_users = doc["paths"]["/api/v1/users"]["get"];
  EXPECT_EQ(list_users["x-latchkey-access-types"], (Json{"server", "admin"}));
  bool limit = false;
  for (const auto& p : list_users["parameters"])
    if (p["in"] == "query" && p["name"] == "limit") {
      limit = true;
      EXPECT_EQ(p["schema"]["type"], "integer");
      EXPECT_EQ(p["schema"]["minimum"], 1);
    }
  EXPECT_TRUE(limit);

  const Json& patch_me = doc["paths"]["/api/v1/users/me"]["patch"];
  const Json& user = patch_me["requestBody"]["content"]["application/json"]["schema"];
  EXPECT_EQ(user["properties"]["display_name"]["type"], (Json{"string", "null"}));
  EXPECT_EQ(user["properties"]["server_metadata"]["x-latchkey-server-only"], true);
  EXPECT_FALSE(user["properties"]["client_metadata"].contains("type"));  // any JSON

  // A route without a declaration: listed, with a generic body.
  const Json& undeclared = doc["paths"]["/api/v1/check-version"]["post"];
  EXPECT_EQ(undeclared["x-latchkey-schema"], "undeclared");
  EXPECT_EQ(undeclared["requestBody"]["content"]["application/json"]["schema"]["type"], "object");
}

// A route that declares an error the table does not know fails the
// document (and so this test), not a client.
TEST(OpenApi, RefusesAnUnknownErrorCode) {
  Router r;
  r.add(
      Method::kGet, "/x", Access::any(), [](RequestContext&) { return Response::empty(200); },
      Runs::kMemory, RouteSpec{.errors = {"NO_SUCH_ERROR"}});
  EXPECT_THROW(openapi_document(r), std::logic_error);
}

}  // namespace
}  // namespace latchkey::api
