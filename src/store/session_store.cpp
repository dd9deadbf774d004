// The engine-neutral encoding of activity batches (see session_store.hpp).
#include "store/session_store.hpp"

#include "core/json.hpp"

namespace latchkey::store {

namespace {
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }
Json or_null(const std::optional<std::string>& s) { return s ? Json(*s) : Json(); }
}  // namespace

std::string session_uses_json(const std::vector<SessionUse>& sessions) {
  Json rows = Json::array();
  for (const auto& u : sessions)
    rows.push_back(Json{{"p", u.project_id},
                        {"s", u.session_id},
                        {"t", u.at_millis},
                        {"ip", or_null(u.ip)},
                        {"ua", or_null(u.user_agent)}});
  return dump(rows);
}

std::string user_activities_json(const std::vector<UserActivity>& users) {
  Json rows = Json::array();
  for (const auto& u : users)
    rows.push_back(Json{{"p", u.project_id}, {"u", u.user_id}, {"t", u.at_millis}});
  return dump(rows);
}

}  // namespace latchkey::store
