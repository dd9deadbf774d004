-- PATCH /api/v1/users/me as a signed-in client, a new display name each
-- time: token check, user update in a transaction (with a user.updated
-- webhook message in the outbox when the project has an endpoint).
scenario = "user_update"
wrk.method = "PATCH"
wrk.headers["content-type"] = "application/json"
wrk.headers["x-stack-project-id"] = os.getenv("BENCH_PROJECT_ID")
wrk.headers["x-stack-access-type"] = "client"
wrk.headers["x-stack-publishable-client-key"] = os.getenv("BENCH_CLIENT_KEY")
wrk.headers["x-stack-access-token"] = os.getenv("BENCH_ACCESS_TOKEN")
local counter = 0
function request()
  counter = counter + 1
  local body = string.format('{"display_name":"bench %s %s %d"}', runid, tid, counter)
  return wrk.format("PATCH", "/api/v1/users/me", nil, body)
end
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
