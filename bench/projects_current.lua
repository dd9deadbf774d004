-- GET /api/v1/projects/current as a client of the internal project: header
-- parsing, project lookup and publishable-key check, project JSON.
scenario = "projects_current"
wrk.method = "GET"
wrk.path = "/api/v1/projects/current"
wrk.headers["x-stack-project-id"] = os.getenv("BENCH_PROJECT_ID")
wrk.headers["x-stack-access-type"] = "client"
wrk.headers["x-stack-publishable-client-key"] = os.getenv("BENCH_CLIENT_KEY")
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
