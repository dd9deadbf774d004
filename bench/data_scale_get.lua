-- One GET of BENCH_PATH as the internal project's server, over and over
-- (bench/data_scale.sh): the list pages and searches on a filled project.
scenario = os.getenv("BENCH_SCENARIO") or "get"
wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH")
wrk.headers["x-stack-project-id"] = os.getenv("BENCH_PROJECT_ID")
wrk.headers["x-stack-access-type"] = "server"
wrk.headers["x-stack-secret-server-key"] = os.getenv("BENCH_SERVER_KEY")
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
