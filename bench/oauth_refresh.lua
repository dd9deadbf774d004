-- POST /api/v1/auth/oauth/token, grant_type=refresh_token: the JS SDK's
-- refresh (a form body, the publishable key as client secret); the same
-- session read and token signing as `refresh`.
scenario = "oauth_refresh"
local function form(v)
  return (v:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
wrk.method = "POST"
wrk.path = "/api/v1/auth/oauth/token"
wrk.headers["content-type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=refresh_token&client_id=" .. form(os.getenv("BENCH_PROJECT_ID")) ..
  "&client_secret=" .. form(os.getenv("BENCH_CLIENT_KEY")) ..
  "&refresh_token=" .. form(os.getenv("BENCH_REFRESH_TOKEN"))
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
