-- POST /api/v1/auth/password/sign-in, existing e-mail, wrong password:
-- one argon2id verification, then EMAIL_PASSWORD_MISMATCH.
scenario = "sign_in_wrong_password"
local dir = os.getenv("BENCH_DIR") or "bench"
dofile(dir .. "/expect_error.lua")
expect_error(400, "EMAIL_PASSWORD_MISMATCH")
wrk.method = "POST"
wrk.path = "/api/v1/auth/password/sign-in"
wrk.headers["content-type"] = "application/json"
wrk.headers["x-stack-project-id"] = os.getenv("BENCH_PROJECT_ID")
wrk.headers["x-stack-access-type"] = "client"
wrk.headers["x-stack-publishable-client-key"] = os.getenv("BENCH_CLIENT_KEY")
wrk.body = string.format('{"email":"%s","password":"not-the-password"}', os.getenv("BENCH_EMAIL"))
dofile(dir .. "/report.lua")
