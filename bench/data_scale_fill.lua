-- Fills the internal project with users through POST /api/v1/users (server
-- key), as bench/data_scale.sh asks: BENCH_FILL_COUNT users in all, split
-- between wrk's threads, each with a display name, a primary e-mail that
-- signs in and a bcrypt hash of cost 4 (Stack's import format, verified at
-- sign-in and then rehashed), so that no argon2id hash slows the fill. A
-- thread whose share is written asks for /health until data_scale.sh,
-- seeing N users, ends the run. User n is "User n" with the
-- address user<n>@example<n % 100>.com.
local threads = {}
local per_thread = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  local count = tonumber(os.getenv("BENCH_FILL_COUNT"))
  local nthreads = tonumber(os.getenv("BENCH_FILL_THREADS"))
  local first = tonumber(os.getenv("BENCH_FILL_FIRST") or "0")
  per_thread = math.ceil(count / nthreads)
  next_n = first + (tid - 1) * per_thread
  last_n = math.min(first + tid * per_thread, first + count) - 1
  -- wrk calls request() once on the first thread's state right after init
  -- to check the script, and never sends that request: it must not use up
  -- a user number (user 0 was missing from every fill).
  checking = tid == 1
end
local hash = os.getenv("BENCH_FILL_HASH")
function request()
  if checking then
    checking = false
    return wrk.format("GET", "/health")
  end
  -- Connections still busy when the share is written ask for nothing new.
  if next_n > last_n then return wrk.format("GET", "/health") end
  local n = next_n
  next_n = next_n + 1
  local body = string.format(
    '{"display_name":"User %d","primary_email":"user%d@example%d.com",' ..
    '"primary_email_auth_enabled":true,"primary_email_verified":true,"password_hash":"%s"}',
    n, n, n % 100, hash)
  return wrk.format("POST", "/api/v1/users", {
    ["content-type"] = "application/json",
    ["x-stack-project-id"] = os.getenv("BENCH_PROJECT_ID"),
    ["x-stack-access-type"] = "server",
    ["x-stack-secret-server-key"] = os.getenv("BENCH_SERVER_KEY"),
  }, body)
end
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("FILL requests=%d rps=%.1f non2xx=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.requests / secs, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
