-- POST /api/v1/user-api-keys/check: the key's checksum, one indexed read of
-- the key by its SHA-256 digest, and the key object (no hashing cost, no
-- write).
scenario = "user_api_key_check"
wrk.method = "POST"
wrk.path = "/api/v1/user-api-keys/check"
wrk.headers["x-stack-project-id"] = os.getenv("BENCH_PROJECT_ID")
wrk.headers["x-stack-access-type"] = "server"
wrk.headers["x-stack-secret-server-key"] = os.getenv("BENCH_SERVER_KEY")
wrk.headers["content-type"] = "application/json"
wrk.body = '{"api_key":"' .. os.getenv("BENCH_USER_API_KEY") .. '"}'
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
