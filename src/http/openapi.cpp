#include "http/openapi.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <stdexcept>

#include "core/errors.hpp"
#include "core/version.hpp"

namespace latchkey::http {

namespace {

bool is_svix(const Route& r) { return r.pattern.rfind("/svix/", 0) == 0; }

std::string operation_id(const Route& r) {
  std::string id = openapi_method(r.method);
  for (char c : r.pattern) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      id += c;
    else if (id.back() != '_')
      id += '_';
  }
  while (id.back() == '_') id.pop_back();
  return id;
}

const char* runs_name(Runs runs) {
  switch (runs) {
    case Runs::kMemory:
      return "memory";
    case Runs::kDatabase:
      return "database";
    case Runs::kLong:
      return "long";
    case Runs::kSessionRead:
      return "session-read";
  }
  return "database";
}

// Errors any API route may answer before its handler runs: header
// authentication (http/auth.cpp) and body parsing (http/body.cpp).
const std::vector<std::string>& pipeline_errors() {
  static const std::vector<std::string> codes = {
      "BODY_PARSING_ERROR",
      "PROJECT_KEY_WITHOUT_ACCESS_TYPE",
      "INVALID_ACCESS_TYPE",
      "ACCESS_TYPE_WITHOUT_PROJECT_ID",
      "PROJECT_NOT_FOUND",
      "BRANCH_DOES_NOT_EXIST",
      "INVALID_PUBLISHABLE_CLIENT_KEY",
      "INVALID_SECRET_SERVER_KEY",
      "INVALID_SUPER_SECRET_ADMIN_KEY",
      "UNPARSABLE_ADMIN_ACCESS_TOKEN",
      "ADMIN_ACCESS_TOKEN_EXPIRED",
      "INVALID_PROJECT_FOR_ADMIN_ACCESS_TOKEN",
      "ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN",
      "UNPARSABLE_ACCESS_TOKEN",
      "ACCESS_TOKEN_EXPIRED",
      "INVALID_PROJECT_FOR_ACCESS_TOKEN",
  };
  return codes;
}

int status_of(const std::string& code) {
  for (const auto& e : core::known_error_table())
    if (e.code == code) return e.status;
  throw std::logic_error("a route declares the error " + code +
                         ", which is not in the known-error table");
}

Json field_schema(const FieldSpec& f);

Json object_schema(const ObjectSpec& spec) {
  Json properties = Json::object();
  Json required = Json::array();
  for (const auto& f : spec.fields) {
    properties[f.name] = field_schema(f);
    if (f.is_required) required.push_back(f.name);
  }
  Json s{{"type", "object"}, {"properties", properties}, {"additionalProperties", spec.open}};
  if (!required.empty()) s["required"] = required;
  return s;
}

Json field_schema(const FieldSpec& f) {
  Json s = Json::object();
  const char* type = nullptr;
  switch (f.type) {
    case FieldType::kString:
      type = "string";
      break;
    case FieldType::kBoolean:
      type = "boolean";
      break;
    case FieldType::kInteger:
      type = "integer";
      break;
    case FieldType::kObject:
      type = "object";
      break;
    case FieldType::kArray:
      type = "array";
      break;
    case FieldType::kAny:
      break;  // any JSON value: no type
  }
  if (type) s["type"] = f.is_nullable ? Json::array({type, "null"}) : Json(type);
  switch (f.format) {
    case FieldFormat::kEmail:
      s["format"] = "email";
      break;
    case FieldFormat::kUrl:
      s["format"] = "uri";
      break;
    case FieldFormat::kUuid:
      s["format"] = "uuid";
      break;
    case FieldFormat::kNone:
      break;
  }
  if (f.max_length) s["maxLength"] = f.max_length;
  if (f.min_length) s["minLength"] = f.min_length;
  if (f.minimum) s["minimum"] = *f.minimum;
  if (f.maximum) s["maximum"] = *f.maximum;
  if (!f.values.empty()) s["enum"] = f.values;
  std::string description = f.description;
  if (f.is_server_only) {
    description += std::string(description.empty() ? "" : " ") + "Server and admin access only.";
    s["x-latchkey-server-only"] = true;
  }
  if (!description.empty()) s["description"] = description;
  if (f.properties && f.type == FieldType::kObject) {
    Json nested = object_schema(*f.properties);
    s["properties"] = nested["properties"];
    s["additionalProperties"] = nested["additionalProperties"];
    if (nested.contains("required")) s["required"] = nested["required"];
  } else if (f.properties && f.type == FieldType::kArray) {
    s["items"] = object_schema(*f.properties);
  }
  return s;
}

Json header_parameter(const char* name, bool required, Json schema, const char* description) {
  return Json{{"name", name},
              {"in", "header"},
              {"required", required},
              {"schema", std::move(schema)},
              {"description", description}};
}

// The x-stack-* headers that say who calls: the project, the access type
// (one of the route's) and the key of that access type (`security`).
void describe_access(const Route& r, Json& op) {
  Json parameters = Json::array();
  Json allowed = Json::array();
  const std::vector<AccessType> every = {AccessType::kClient, AccessType::kServer,
                                         AccessType::kAdmin};
  const auto& types = r.access.required ? r.access.allowed : every;
  for (auto t : types) allowed.push_back(std::string(access_type_name(t)));
  op["x-latchkey-access-types"] = r.access.required ? allowed : Json::array();
  parameters.push_back(header_parameter("x-stack-project-id", r.access.required,
                                        Json{{"type", "string"}}, "The project's id."));
  parameters.push_back(header_parameter(
      "x-stack-access-type", r.access.required, Json{{"type", "string"}, {"enum", allowed}},
      r.access.required ? "Who calls: the access types this route allows."
                        : "Optional here: the route answers anonymous calls; keys sent are "
                          "checked all the same."));
  op["parameters"] = parameters;
  Json security = Json::array();
  if (!r.access.required) security.push_back(Json::object());
  for (auto t : types) {
    switch (t) {
      case AccessType::kClient:
        security.push_back(Json{{"publishableClientKey", Json::array()}});
        break;
      case AccessType::kServer:
        security.push_back(Json{{"secretServerKey", Json::array()}});
        break;
      case AccessType::kAdmin:
        security.push_back(Json{{"superSecretAdminKey", Json::array()}});
        security.push_back(Json{{"adminAccessToken", Json::array()}});
        break;
    }
  }
  op["security"] = security;
}

Json security_schemes() {
  auto header = [](const char* name, const char* description) {
    return Json{{"type", "apiKey"}, {"in", "header"}, {"name", name}, {"description", description}};
  };
  return Json{
      {"publishableClientKey", header("x-stack-publishable-client-key",
                                      "The project's publishable client key (client access).")},
      {"secretServerKey",
       header("x-stack-secret-server-key", "The project's secret server key (server access).")},
      {"superSecretAdminKey", header("x-stack-super-secret-admin-key",
                                     "The project's super secret admin key (admin access).")},
      {"adminAccessToken",
       header("x-stack-admin-access-token",
              "An access token of an internal-project user who owns the project (admin access).")},
      {"userAccessToken",
       header("x-stack-access-token", "The signed-in user's access token (optional).")},
      {"svixToken", Json{{"type", "http"},
                         {"scheme", "bearer"},
                         {"description", "A token from POST /api/v1/webhooks/svix-token."}}},
  };
}

// One response per status, each naming the known errors it carries.
void describe_errors(const Route& r, Json& responses) {
  std::vector<std::string> codes = pipeline_errors();
  if (r.access.required) {
    codes.push_back("ACCESS_TYPE_REQUIRED");
    if (r.access.allowed.size() < 3) codes.push_back("INSUFFICIENT_ACCESS_TYPE");
  }
  const bool reads_input = !r.spec || r.spec->body || r.spec->query;
  if (reads_input || r.pattern.find('{') != std::string::npos) codes.push_back("SCHEMA_ERROR");
  if (r.spec) codes.insert(codes.end(), r.spec->errors.begin(), r.spec->errors.end());
  std::map<int, std::vector<std::string>> by_status;
  std::set<std::string> seen;
  for (const auto& code : codes)
    if (seen.insert(code).second) by_status[status_of(code)].push_back(code);
  for (const auto& [status, list] : by_status) {
    std::string description = "Known errors: ";
    for (size_t i = 0; i < list.size(); ++i) description += (i ? ", " : "") + list[i];
    if (!r.spec) description += " (the handler's own errors are not declared yet)";
    Json schema{
        {"allOf", Json::array({Json{{"$ref", "#/components/schemas/KnownError"}},
                               Json{{"properties", Json{{"code", Json{{"enum", list}}}}}}})}};
    responses[std::to_string(status)] =
        Json{{"description", description},
             {"headers",
              Json{{"x-stack-known-error", Json{{"$ref", "#/components/headers/KnownErrorCode"}}}}},
             {"content", Json{{"application/json", Json{{"schema", schema}}}}}};
  }
  responses["5XX"] =
      Json{{"description",
            "Unexpected error (plain text with a request id), or 503 with Retry-After when the "
            "database or the password-hashing queue is unavailable."}};
}

// The declared success answer: its status, with the JSON object's schema
// when the route declares one; "2XX" when it declares nothing.
Json success_response(const Route& r) {
  const char* generic =
      is_svix(r) ? "Success (Svix's response shapes)." : "Success (Stack Auth's response shapes).";
  if (!r.spec || (!r.spec->response && r.spec->answers.empty()))
    return Json{{"2XX", Json{{"description", generic}}}};
  Json ok{{"description", r.spec->answers.empty() ? std::string("Success.") : r.spec->answers}};
  if (r.spec->response)
    ok["content"] = Json{{"application/json", Json{{"schema", object_schema(*r.spec->response)}}}};
  return Json{{std::to_string(r.spec->status), std::move(ok)}};
}

Json operation(const Route& r) {
  Json op{{"operationId", operation_id(r)}, {"x-latchkey-runs", runs_name(r.runs)}};
  op["summary"] = r.spec && !r.spec->summary.empty()
                      ? r.spec->summary
                      : std::string(method_name(r.method)) + " " + r.pattern;
  op["x-latchkey-schema"] = r.spec ? "declared" : "undeclared";
  if (is_svix(r)) {
    op["tags"] = Json::array({"svix"});
    op["security"] = Json::array({Json{{"svixToken", Json::array()}}});
    op["parameters"] = Json::array();
  } else {
    // The first segment names the resource family.
    std::string tag =
        r.pattern.size() > 1 ? r.pattern.substr(1, r.pattern.find('/', 1) - 1) : "root";
    op["tags"] = Json::array({tag});
    describe_access(r, op);
  }
  if (r.spec && r.spec->query)
    for (const auto& f : r.spec->query->fields)
      op["parameters"].push_back(Json{{"name", f.name},
                                      {"in", "query"},
                                      {"required", f.is_required},
                                      {"schema", field_schema(f)}});
  const bool has_body_method =
      r.method == Method::kPost || r.method == Method::kPatch || r.method == Method::kPut;
  if (r.spec && r.spec->body) {
    Json schema = object_schema(*r.spec->body);
    Json content{{"application/json", Json{{"schema", schema}}}};
    if (r.spec->form) content["application/x-www-form-urlencoded"] = Json{{"schema", schema}};
    op["requestBody"] = Json{{"required", !r.spec->body->optional}, {"content", content}};
  } else if (!r.spec && has_body_method) {
    op["requestBody"] =
        Json{{"required", false},
             {"description", "Not declared yet: see Stack Auth's API reference for the fields."},
             {"content", Json{{"application/json", Json{{"schema", Json{{"type", "object"}}}}}}}};
  }
  Json responses = success_response(r);
  if (is_svix(r))
    responses["4XX"] = Json{{"description", "A Svix error: {code, detail}."}};
  else
    describe_errors(r, responses);
  op["responses"] = responses;
  return op;
}

Json health_path(const char* id, const char* summary) {
  return Json{{"get", Json{{"operationId", id},
                           {"tags", Json::array({"operations"})},
                           {"summary", summary},
                           {"security", Json::array()},
                           {"responses", Json{{"200", Json{{"description", "Up."}}},
                                              {"503", Json{{"description", "Not ready."}}}}}}}};
}

}  // namespace

std::string openapi_method(Method method) {
  std::string m(method_name(method));
  std::transform(m.begin(), m.end(), m.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return m;
}

std::string openapi_path(const Route& route) {
  if (is_svix(route)) return route.pattern;
  return route.pattern == "/" ? "/api/v1" : "/api/v1" + route.pattern;
}

Json openapi_document(const Router& router) {
  Json paths = Json::object();
  for (const Route* r : router.routes()) {
    Json& item = paths[openapi_path(*r)];
    size_t i = 0;
    Json params = Json::array();
    while ((i = r->pattern.find('{', i)) != std::string::npos) {
      size_t j = r->pattern.find('}', i);
      params.push_back(Json{{"name", r->pattern.substr(i + 1, j - i - 1)},
                            {"in", "path"},
                            {"required", true},
                            {"schema", Json{{"type", "string"}}}});
      i = j;
    }
    if (!params.empty()) item["parameters"] = params;
    item[openapi_method(r->method)] = operation(*r);
  }
  paths["/health"] = health_path("health", "Liveness: the process answers.");
  paths["/health/ready"] =
      health_path("health_ready", "Readiness: the database answers too (503 when not).");
  Json known_error{{"type", "object"},
                   {"required", Json::array({"code", "error"})},
                   {"properties", Json{{"code", Json{{"type", "string"}}},
                                       {"error", Json{{"type", "string"}}},
                                       {"details", Json{{"type", "object"}}}}}};
  Json doc;
  doc["openapi"] = "3.1.0";
  doc["info"] = Json{
      {"title", "Latchkey: the Stack Auth REST API v1"},
      {"version", std::string(core::kStackApiVersion)},
      {"description",
       "Generated at start-up from Latchkey's route table, so it lists exactly the routes this "
       "server serves. Each route's body, query, known errors and success answer are declared "
       "next to its registration (x-latchkey-schema: declared), and the server's request "
       "validation checks its handlers against that same declaration. Success answers are "
       "Stack Auth's reference shapes (what a REST client without x-stack-client-version "
       "gets; an SDK that sends its version gets later fields too); properties marked "
       "x-latchkey-server-only are present for server and admin access only. The API also "
       "answers under /api/latest and /api/v2beta1..4."}};
  doc["servers"] = Json::array({Json{{"url", "/"}}});
  doc["paths"] = std::move(paths);
  doc["components"]["securitySchemes"] = security_schemes();
  doc["components"]["schemas"]["KnownError"] = std::move(known_error);
  doc["components"]["headers"]["KnownErrorCode"] =
      Json{{"description", "The known error's code."}, {"schema", Json{{"type", "string"}}}};
  return doc;
}

}  // namespace latchkey::http
