-- GET /health: the pipeline floor (socket, parser, router, response), no
-- project, no database.
scenario = "health"
wrk.method = "GET"
wrk.path = "/health"
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
