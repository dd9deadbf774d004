-- POST /api/v1/auth/sessions/current/refresh: refresh-token digest look-up,
-- a new ES256 access token, and the session-use write.
scenario = "refresh"
wrk.method = "POST"
wrk.path = "/api/v1/auth/sessions/current/refresh"
wrk.headers["x-stack-project-id"] = os.getenv("BENCH_PROJECT_ID")
wrk.headers["x-stack-access-type"] = "client"
wrk.headers["x-stack-publishable-client-key"] = os.getenv("BENCH_CLIENT_KEY")
wrk.headers["x-stack-refresh-token"] = os.getenv("BENCH_REFRESH_TOKEN")
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
