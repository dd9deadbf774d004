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

  // A body that allows other properties says so; one that may be a form
  // lists both media types.
  const Json& token = doc["paths"]["/api/v1/auth/oauth/token"]["post"]["requestBody"]["content"];
  EXPECT_EQ(token["application/json"]["schema"]["additionalProperties"], true);
  EXPECT_EQ(token["application/x-www-form-urlencoded"]["schema"]["required"],
            Json::array({"grant_type"}));
  // Success answers: the declared status and object, shared shapes.
  const Json& me = doc["paths"]["/api/v1/users/me"]["get"]["responses"];
  EXPECT_FALSE(me.contains("2XX"));
  const Json& user_shape = me["200"]["content"]["application/json"]["schema"];
  EXPECT_EQ(user_shape["additionalProperties"], false);
  EXPECT_EQ(user_shape["properties"]["server_metadata"]["x-latchkey-server-only"], true);
  EXPECT_EQ(user_shape["properties"]["selected_team"]["type"], (Json{"object", "null"}));
  const Json& created = doc["paths"]["/api/v1/users"]["post"]["responses"];
  EXPECT_EQ(created["201"]["content"]["application/json"]["schema"], user_shape);
  const Json& list = doc["paths"]["/api/v1/users"]["get"]["responses"]["200"]["content"]
                        ["application/json"]["schema"];
  EXPECT_EQ(list["required"], (Json{"items", "is_paginated"}));
  EXPECT_EQ(list["properties"]["items"]["items"], user_shape);
  // A redirect: its status and what it answers, no JSON.
  const Json& authorize = doc["paths"]["/api/v1/auth/oauth/authorize/{provider_id}"]["get"];
  EXPECT_TRUE(authorize["responses"].contains("307"));
  EXPECT_FALSE(authorize["responses"]["307"].contains("content"));
  EXPECT_FALSE(authorize["responses"].contains("2XX"));
}

// Every route declares its body, query, errors and summary
// (route_spec.hpp), so that the document describes it and the request
// readers check its handler: a new route without a declaration fails here.
TEST(OpenApi, EveryRouteIsDeclared) {
  Router r;
  register_routes(r);
  Json doc = openapi_document(r);
  // No exemptions: the OAuth callbacks, redirects and the Svix API declare
  // what they read and answer too.
  size_t declared = 0;
  for (const Route* route : r.routes()) {
    const std::string method = openapi_method(route->method);
    const std::string path = openapi_path(*route);
    ASSERT_TRUE(route->spec.has_value()) << method << " " << path << " has no RouteSpec";
    EXPECT_FALSE(route->spec->summary.empty()) << method << " " << path;
    EXPECT_EQ(doc["paths"][path][method]["x-latchkey-schema"], "declared") << path;
    ++declared;
  }
  EXPECT_EQ(declared, r.routes().size());
}

// A route that declares no body of a method that takes one, and a route
// without a declaration, are told apart in the document.
TEST(OpenApi, ListsAnUndeclaredRouteWithAGenericBody) {
  Router r;
  r.add(Method::kPost, "/x", Access::any(), [](RequestContext&) { return Response::empty(200); });
  Json doc = openapi_document(r);
  const Json& op = doc["paths"]["/api/v1/x"]["post"];
  EXPECT_EQ(op["x-latchkey-schema"], "undeclared");
  EXPECT_EQ(op["requestBody"]["content"]["application/json"]["schema"]["type"], "object");
  EXPECT_TRUE(op["responses"].contains("2XX"));
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
