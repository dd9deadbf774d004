-- GET /api/v1/users/me as a signed-in client: access-token verification
-- (ES256), user look-up, user JSON.
scenario = "users_me"
wrk.method = "GET"
wrk.path = "/api/v1/users/me"
wrk.headers["x-stack-project-id"] = os.getenv("BENCH_PROJECT_ID")
wrk.headers["x-stack-access-type"] = "client"
wrk.headers["x-stack-publishable-client-key"] = os.getenv("BENCH_CLIENT_KEY")
wrk.headers["x-stack-access-token"] = os.getenv("BENCH_ACCESS_TOKEN")
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
