#include "core/permissions.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/errors.hpp"

namespace latchkey::core {
namespace {

using store::PermissionDefinition;

std::vector<std::string> sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end(),
            [](const std::string& a, const std::string& b) { return permission_order_less(a, b); });
  return ids;
}

TEST(Permissions, OrderingRule) {
  // Upper-cased code units: "$" and digits before letters, "_" after them.
  EXPECT_EQ(sorted({"b", "a_b", "ab", "$update_team", "a1", "a:b"}),
            (std::vector<std::string>{"$update_team", "a1", "a:b", "ab", "a_b", "b"}));
  // Equal when upper-cased: the greater one by code unit first.
  EXPECT_TRUE(permission_order_less("ab", "AB"));
  EXPECT_FALSE(permission_order_less("AB", "ab"));
  EXPECT_FALSE(permission_order_less("ab", "ab"));
}

TEST(Permissions, IdRules) {
  const std::string any_rule =
      "Only lowercase letters, numbers, \":\", \"_\" and optional \"$\" at the beginning are "
      "allowed";
  EXPECT_EQ(permission_id_problem("team_admin"), std::nullopt);
  EXPECT_EQ(permission_id_problem("billing:read_2"), std::nullopt);
  EXPECT_EQ(permission_id_problem("$manage_api_keys"), std::nullopt);
  EXPECT_EQ(permission_id_problem("$nope"), "Invalid system permission");
  EXPECT_EQ(permission_id_problem("Upper"), any_rule);
  EXPECT_EQ(permission_id_problem(""), any_rule);
  EXPECT_EQ(permission_id_problem("$"), any_rule);
  EXPECT_EQ(permission_id_problem("a$b"), any_rule);
  EXPECT_EQ(custom_permission_id_problem("ok_1:x"), std::nullopt);
  EXPECT_EQ(custom_permission_id_problem("$update_team"),
            "Only lowercase letters, numbers, \":\", \"_\" are allowed");
  EXPECT_TRUE(is_team_system_permission("$read_members"));
  EXPECT_FALSE(is_team_system_permission("read_members"));
  EXPECT_EQ(team_system_permissions().size(), 6u);
}

PermissionDefinitions sample() {
  return PermissionDefinitions({
      {"a", PermissionScope::kTeam, std::nullopt, {"b", "$read_members"}},
      {"b", PermissionScope::kTeam, std::nullopt, {"c", "gone"}},
      {"c", PermissionScope::kTeam, std::nullopt, {"a"}},  // a cycle a → b → c → a
      {"p", PermissionScope::kProject, std::string("project one"), {"q"}},
      {"q", PermissionScope::kProject, std::nullopt, {}},
  });
}

TEST(Permissions, ResolutionFollowsContainedAndEndsOnCycles) {
  auto defs = sample();
  EXPECT_EQ(sorted(defs.resolve({"a"}, PermissionScope::kTeam, true)),
            (std::vector<std::string>{"$read_members", "a", "b", "c"}));
  EXPECT_EQ(defs.resolve({"a"}, PermissionScope::kTeam, false), (std::vector<std::string>{"a"}));
  // Unknown ids and ids of the other scope are skipped.
  EXPECT_EQ(defs.resolve({"gone", "p"}, PermissionScope::kTeam, true),
            (std::vector<std::string>{}));
  EXPECT_EQ(sorted(defs.resolve({"p", "p"}, PermissionScope::kProject, true)),
            (std::vector<std::string>{"p", "q"}));
}

TEST(Permissions, Grantability) {
  auto defs = sample();
  EXPECT_NO_THROW(defs.check_grantable("$update_team", PermissionScope::kTeam));
  EXPECT_NO_THROW(defs.check_grantable("p", PermissionScope::kProject));
  try {
    defs.check_grantable("nope", PermissionScope::kTeam);
    FAIL();
  } catch (const KnownError& e) {
    EXPECT_EQ(e.code(), "PERMISSION_NOT_FOUND");
  }
  try {
    defs.check_grantable("p", PermissionScope::kTeam);
    FAIL();
  } catch (const KnownError& e) {
    EXPECT_EQ(e.code(), "WRONG_PERMISSION_SCOPE");
    EXPECT_EQ(e.details()["actual_scope"], "project");
    EXPECT_EQ(e.details()["expected_scope"], "team");
  }
  try {
    defs.check_grantable("$update_team", PermissionScope::kProject);
    FAIL();
  } catch (const KnownError& e) {
    EXPECT_EQ(e.code(), "WRONG_PERMISSION_SCOPE");
    EXPECT_EQ(e.details()["actual_scope"], "team");
  }
}

TEST(Permissions, DefinitionView) {
  auto defs = sample();
  EXPECT_EQ(definition_view(*defs.find("a")).dump(),
            R"({"id":"a","contained_permission_ids":["$read_members","b"]})");
  EXPECT_EQ(definition_view(*defs.find("p")).dump(),
            R"({"id":"p","description":"project one","contained_permission_ids":["q"]})");
  EXPECT_EQ(
      definition_view(*defs.find("$delete_team")).dump(),
      R"({"id":"$delete_team","description":"Delete the team","contained_permission_ids":[]})");
  std::vector<std::string> team_ids;
  for (const auto* d : defs.of_scope(PermissionScope::kTeam)) team_ids.push_back(d->id);
  EXPECT_EQ(team_ids.size(), 9u);
  EXPECT_EQ(team_ids.front(), "$delete_team");
  EXPECT_EQ(team_ids.back(), "c");
}

}  // namespace
}  // namespace latchkey::core
