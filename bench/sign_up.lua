-- POST /api/v1/auth/password/sign-up with a new e-mail on every request:
-- argon2id hashing on the bounded pool, user + session insert, token signing.
scenario = "sign_up"
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["x-stack-project-id"] = os.getenv("BENCH_PROJECT_ID")
wrk.headers["x-stack-access-type"] = "client"
wrk.headers["x-stack-publishable-client-key"] = os.getenv("BENCH_CLIENT_KEY")
local counter = 0
function request()
  counter = counter + 1
  local body = string.format(
    '{"email":"bench-%s-%s-%d@example.com","password":"bench-password-1",' ..
    '"verification_callback_url":"http://localhost:3000/verify"}', runid, tid, counter)
  return wrk.format("POST", "/api/v1/auth/password/sign-up", nil, body)
end
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
