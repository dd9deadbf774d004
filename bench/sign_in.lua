-- POST /api/v1/auth/password/sign-in with the right password: e-mail
-- look-up, one argon2id verification, session insert, token signing.
scenario = "sign_in"
wrk.method = "POST"
wrk.path = "/api/v1/auth/password/sign-in"
wrk.headers["content-type"] = "application/json"
wrk.headers["x-stack-project-id"] = os.getenv("BENCH_PROJECT_ID")
wrk.headers["x-stack-access-type"] = "client"
wrk.headers["x-stack-publishable-client-key"] = os.getenv("BENCH_CLIENT_KEY")
wrk.body = string.format('{"email":"%s","password":"%s"}', os.getenv("BENCH_EMAIL"),
  os.getenv("BENCH_PASSWORD"))
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
