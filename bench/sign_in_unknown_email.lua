-- POST /api/v1/auth/password/sign-in for an e-mail with no account: the
-- dummy argon2id verification must make this cost what a wrong password
-- costs (compare with sign_in_wrong_password).
scenario = "sign_in_unknown_email"
local dir = os.getenv("BENCH_DIR") or "bench"
dofile(dir .. "/expect_error.lua")
expect_error(400, "EMAIL_PASSWORD_MISMATCH")
wrk.method = "POST"
wrk.path = "/api/v1/auth/password/sign-in"
wrk.headers["content-type"] = "application/json"
wrk.headers["x-stack-project-id"] = os.getenv("BENCH_PROJECT_ID")
wrk.headers["x-stack-access-type"] = "client"
wrk.headers["x-stack-publishable-client-key"] = os.getenv("BENCH_CLIENT_KEY")
wrk.body = '{"email":"nobody-at-all@example.com","password":"not-the-password"}'
dofile(dir .. "/report.lua")
