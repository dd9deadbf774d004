#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup, api, json_field: called from a trap and setup files
# Load-tests a fresh Latchkey with wrk and prints one line per scenario:
#   scenario rps p50_ms p99_ms            (stdout; progress goes to stderr)
# and, when sign_in or sign_up runs, the argon2id ceiling they are measured
# against (`latchkey hash-benchmark`) and the ratios sign_in/ceiling and
# sign_up/sign_in.
#
# Usage: bench/run.sh [--with-floor] [--no-build] [scenario...]
#   --with-floor  first run ../shared/bench-floor/floor.sh (nginx on this
#                 machine) and add a column rps/floor_rps to every line
#   --no-build    use build/latchkey as it is
#   scenario...   names of bench/<name>.lua; default: all, in SCENARIOS order
# Environment: C (connections, 32), DURATION (wrk -d, 10s), LOG_LEVEL (server
# --log-level, warn), FLOOR_SH (path of floor.sh), LATCHKEY_BIN (a server
# binary to use instead of building build/latchkey), BENCH_DATABASE (sqlite,
# the default, or postgres: a throw-away cluster from scripts/pg.sh with
# Debian's default durability settings, removed afterwards; BENCH_DATABASE_URL
# (a SQLite path or PostgreSQL URL) runs on that existing database instead; BENCH_PG_SOCKET=1
# connects over its Unix socket instead of TCP on loopback, and
# BENCH_PG_SSLMODE=require over TLS on loopback), PERF_DIR (record
# the server with `perf record -g` during each scenario into
# PERF_DIR/<scenario>.data; read it with `perf report -i`), SERVER_ARGS (extra
# `latchkey serve` flags, e.g. "--worker-threads 4"), BENCH_LIMITS (1: keep the
# default throttles; by default the scenarios run with them off, since
# sign_up and sign_in_wrong_password from one address would otherwise measure
# 429s: the hashing path is what they measure).
#
# The server runs on a free loopback port with a temporary database and the
# fixed internal-project keys below. Adding a scenario:
#   bench/<name>.lua        sets `scenario = "<name>"`, the request (wrk.method,
#                           wrk.path, wrk.headers, wrk.body, or request()), then
#                           dofile()s report.lua. It may read BENCH_* variables
#                           with os.getenv; report.lua gives each thread `tid`
#                           and `runid` for unique values (e.g. sign-up e-mails).
#   bench/<name>.setup.sh   optional; sourced just before the run with the
#                           server up. Use `api` and `json_field` below and
#                           export what the Lua file reads, e.g.
#     BENCH_ACCESS_TOKEN=$(api client POST /api/v1/auth/password/sign-up \
#       '{"email":"bench@example.com","password":"bench-password-1"}' | json_field access_token)
#     export BENCH_ACCESS_TOKEN
#   and add <name> to SCENARIOS.
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIOS=(health projects_current sign_up sign_in sign_in_wrong_password sign_in_unknown_email
  users_me refresh oauth_refresh user_api_key_check user_update)

C=${C:-32}
DURATION=${DURATION:-10s}
FLOOR_SH=${FLOOR_SH:-../shared/bench-floor/floor.sh}

export BENCH_DIR=$PWD/bench
export BENCH_PROJECT_ID=internal
export BENCH_CLIENT_KEY=pck_latchkey_bench_publishable_client_key
export BENCH_SERVER_KEY=ssk_latchkey_bench_secret_server_key
export BENCH_ADMIN_KEY=sak_latchkey_bench_super_secret_admin_key
export STACK_SEED_INTERNAL_PROJECT_PUBLISHABLE_CLIENT_KEY=$BENCH_CLIENT_KEY
export STACK_SEED_INTERNAL_PROJECT_SECRET_SERVER_KEY=$BENCH_SERVER_KEY
export STACK_SEED_INTERNAL_PROJECT_SUPER_SECRET_ADMIN_KEY=$BENCH_ADMIN_KEY
# The scenarios sign up in the internal project with a localhost callback:
# sign-up and localhost on, as in Stack's development environment (unset,
# the seed leaves them off).
export STACK_SEED_INTERNAL_PROJECT_SIGN_UP_ENABLED=true
export STACK_SEED_INTERNAL_PROJECT_ALLOW_LOCALHOST=true

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }

with_floor=0
build=1
picked=()
for arg in "$@"; do
  case "$arg" in
    --with-floor) with_floor=1 ;;
    --no-build) build=0 ;;
    -h | --help) awk 'NR > 2 && !/^#/ {exit} NR > 2' "$0"; exit 0 ;;
    -*) die "unknown option: $arg" ;;
    *) [ -f "bench/$arg.lua" ] || die "no scenario bench/$arg.lua"; picked+=("$arg") ;;
  esac
done
[ ${#picked[@]} -gt 0 ] || picked=("${SCENARIOS[@]}")

# wrk's -d in seconds, to bound each run.
[[ $DURATION =~ ^([0-9]+)([smh]?)$ ]] || die "DURATION must look like 10, 10s, 2m or 1h"
secs=${BASH_REMATCH[1]}
case ${BASH_REMATCH[2]} in m) secs=$((secs * 60)) ;; h) secs=$((secs * 3600)) ;; esac
wrk_timeout=$((secs + 30))

bash scripts/deps.sh --bench
bin=${LATCHKEY_BIN:-build/latchkey}
if [ "$build" -eq 1 ] && [ -z "${LATCHKEY_BIN:-}" ]; then
  bash scripts/build.sh --target latchkey >&2
fi
[ -x "$bin" ] || die "$bin is missing"
ulimit -n 65536 2>/dev/null || true

# Result lines are "scenario rps p50_ms p99_ms"; floor_rps adds a ratio column.
floor_rps=
if [ "$with_floor" -eq 1 ]; then
  [ -x "$FLOOR_SH" ] || die "floor script not found: $FLOOR_SH"
  log "floor: $FLOOR_SH $C"
  floor_line=$(timeout 90 "$FLOOR_SH" "$C") || die "floor run failed"
  [ -n "$floor_line" ] || die "floor run printed nothing"
  echo "$floor_line"
  floor_rps=$(awk '{print $2}' <<<"$floor_line")
  log "columns: scenario rps p50_ms p99_ms rps/floor_rps"
fi

# Sign-in and sign-up are bound by argon2id: their target is a share of the
# hashing ceiling (hashing threads / one hash's time), measured here first.
ceiling=
if [[ " ${picked[*]} " == *" sign_in "* || " ${picked[*]} " == *" sign_up "* ]]; then
  log "argon2id: $bin hash-benchmark"
  hash_line=$("$bin" hash-benchmark --count 20) || die "hash-benchmark failed"
  echo "$hash_line"
  ceiling=$(awk '{print $6}' <<<"$hash_line")
fi

work=$(mktemp -d -t latchkey-bench.XXXXXX)
server_pid=
pg_started=0
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ "$pg_started" -eq 1 ]; then bash scripts/pg.sh stop || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export BENCH_URL=http://127.0.0.1:$port
export NEXT_PUBLIC_STACK_API_URL=$BENCH_URL
case "${BENCH_DATABASE_URL:+given}${BENCH_DATABASE:-sqlite}" in
  given*) database=$BENCH_DATABASE_URL ;;  # an existing database (bench/data_scale.sh)
  sqlite) database=$work/bench.db ;;
  postgres)
    chmod 755 "$work"
    export LATCHKEY_PG_DIR=$work/pg
    pg_started=1
    database=$(bash scripts/pg.sh start) || die "could not start PostgreSQL"
    if [ "${BENCH_PG_SOCKET:-0}" = 1 ]; then
      # The same cluster over its Unix socket instead of TCP on loopback.
      [[ $database =~ ^postgresql://([^:]+):[^@]+@[^:]+:([0-9]+)/(.+)$ ]] || die "unexpected URL"
      database="postgresql://${BASH_REMATCH[1]}@/${BASH_REMATCH[3]}?host=$LATCHKEY_PG_DIR/sock&port=${BASH_REMATCH[2]}"
    else
      # The cluster serves TLS; plain TCP unless BENCH_PG_SSLMODE says.
      database="$database?sslmode=${BENCH_PG_SSLMODE:-disable}"
    fi
    ;;
  *) die "BENCH_DATABASE must be sqlite or postgres" ;;
esac
log "database: ${BENCH_DATABASE:-sqlite}"
limit_args=()
if [ "${BENCH_LIMITS:-0}" != 1 ]; then
  for limit in sign-in-failures-per-account sign-in-failures-per-account-ip totp-failures-per-user \
    emails-per-address sign-ups-per-ip code-sends-per-ip; do
    limit_args+=("--limit-$limit" 0)
  done
fi
"$bin" serve --host 127.0.0.1 --port "$port" --database "$database" \
  --log-level "${LOG_LEVEL:-warn}" "${limit_args[@]}" ${SERVER_ARGS:-} >"$work/server.log" 2>&1 &
server_pid=$!

server_failed() { log "$*; server log:"; tail -n 30 "$work/server.log" >&2; exit 1; }
for ((i = 0; ; i++)); do
  kill -0 "$server_pid" 2>/dev/null || server_failed "server exited"
  code=$(curl -s -o /dev/null -w '%{http_code}' -m 1 "$BENCH_URL/health" || true)
  [ "$code" = 200 ] && break
  [ "$i" -lt 150 ] || server_failed "no 200 from GET /health within 30s"
  sleep 0.2
done
log "server up on $BENCH_URL (pid $server_pid); C=$C DURATION=$DURATION"

# api ACCESS_TYPE METHOD PATH [JSON_BODY]: one request as the internal project
# with ACCESS_TYPE (client, server or admin) and its fixed key; prints the
# response body and fails on a non-2xx status. Extra headers: API_HEADERS array.
API_HEADERS=()
api() {
  local type=$1 method=$2 path=$3 body=${4:-} key
  case "$type" in
    client) key=(-H "x-stack-publishable-client-key: $BENCH_CLIENT_KEY") ;;
    server) key=(-H "x-stack-secret-server-key: $BENCH_SERVER_KEY") ;;
    admin) key=(-H "x-stack-super-secret-admin-key: $BENCH_ADMIN_KEY") ;;
    *) die "api: unknown access type $type" ;;
  esac
  curl -sS --fail-with-body -m 10 -X "$method" "$BENCH_URL$path" \
    -H "x-stack-project-id: $BENCH_PROJECT_ID" -H "x-stack-access-type: $type" "${key[@]}" \
    "${API_HEADERS[@]}" ${body:+-H "content-type: application/json" --data "$body"}
}
# json_field NAME: prints field NAME of the JSON object on stdin.
json_field() { /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

status=0
declare -A rps_of=()
for name in "${picked[@]}"; do
  if [ -f "bench/$name.setup.sh" ]; then
    log "$name: setup"
    # Sourced under set -e: a failing step ends the run.
    # shellcheck source=/dev/null
    source "bench/$name.setup.sh"
  fi
  log "$name"
  perf_pid=
  if [ -n "${PERF_DIR:-}" ]; then
    mkdir -p "$PERF_DIR"
    perf record -q -g -p "$server_pid" -o "$PERF_DIR/$name.data" -- sleep "$secs" 2>/dev/null &
    perf_pid=$!
  fi
  out=$(timeout --foreground "$wrk_timeout" wrk -t2 -c"$C" -d"$DURATION" --latency \
    -s "bench/$name.lua" "$BENCH_URL") || die "$name: wrk failed"
  # RESULT <scenario> <rps> <p50_ms> <p99_ms> requests=N non2xx=N sockerr=N badbody=N
  [ -z "$perf_pid" ] || wait "$perf_pid" || log "$name: perf record failed"
  read -r tag scenario rps p50 p99 counts <<<"$(grep '^RESULT ' <<<"$out" || true)"
  [ "${tag:-}" = RESULT ] || die "$name: no RESULT line from wrk:"$'\n'"$out"
  line="$scenario $rps $p50 $p99"
  [ -n "$floor_rps" ] && line+=" $(awk -v a="$rps" -v b="$floor_rps" 'BEGIN {printf "%.3f", a / b}')"
  echo "$line"
  rps_of[$scenario]=$rps
  if [[ " $counts " != *" non2xx=0 "* || " $counts " != *" sockerr=0 "* || " $counts " != *" badbody=0 "* ]]; then
    log "$name: errors during the run ($counts); its figures are not valid"
    status=1
  fi
done
ratio() { awk -v a="$2" -v b="$3" -v n="$1" 'BEGIN {printf "%s %.3f\n", n, a / b}'; }
if [ -n "$ceiling" ]; then
  # The hash time drifts with the machine's state: measure it again after
  # the runs and compare against the mean of both measurements.
  hash_line=$("$bin" hash-benchmark --count 20) || die "hash-benchmark failed"
  echo "$hash_line"
  ceiling=$(awk -v a="$ceiling" -v b="$(awk '{print $6}' <<<"$hash_line")" 'BEGIN {print (a + b) / 2}')
fi
if [ -n "$ceiling" ] && [ -n "${rps_of[sign_in]:-}" ]; then
  ratio sign_in/argon2id_ceiling "${rps_of[sign_in]}" "$ceiling"
fi
if [ -n "${rps_of[sign_up]:-}" ] && [ -n "${rps_of[sign_in]:-}" ]; then
  ratio sign_up/sign_in "${rps_of[sign_up]}" "${rps_of[sign_in]}"
fi
exit "$status"
