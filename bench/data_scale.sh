#!/usr/bin/env bash
# Data-scale benchmark (issue 22): fills the internal project of a fresh
# server to N users through the API, then measures what must stay flat as
# the data grows. Prints `name value unit` lines (stdout; progress on stderr):
#   fill_rps, wal_max_mib (sampled every second during the fill and the
#   reads), startup_ms (a restart on the filled database until /health
#   answers), db_bytes_per_user, rss_mib; for each read: rps p50_ms p99_ms
#   (wrk, C connections, DURATION each): first_page (limit=100), deep_page
#   (limit=100 from the user at 90 %), deep_page_desc, search_hit (a part of
#   one user's address: "user<n>@"), search_miss (matches nobody),
#   search_common (a text every user has: "example"), search_short (2
#   characters: no index, walks the page order for about 30 ms at most), the four
#   searches again from one connection (*_c1: latency without queueing),
#   and cheap_while_searching:
#   GET /users?limit=1 from one connection while 2 others run search_short
#   without pause (how long a cheap read waits behind slow searches);
#   then users_me, refresh and sign_in from bench/run.sh on the same
#   database (a user signed up there).
#
# Usage: bench/data_scale.sh [N]    (N: users, default 1000000)
# Environment: BENCH_DATABASE (sqlite, the default, or postgres: a throw-away
# cluster from scripts/pg.sh), LATCHKEY_BIN (default build/latchkey), C
# (connections of the read runs, 8), DURATION (each read run, 5s),
# FILL_C (connections of the fill, 16), SKIP_RUN_SH=1 (not the run.sh part),
# DATA_SCALE_DB=PATH (SQLite: fill this file and keep it; a later run on a
# file that already holds N users skips the fill, so a 1M-user database is
# filled once and measured with several builds).
#
# The fill goes through POST /api/v1/users with the server key: a display
# name, a verified primary e-mail that signs in, and a bcrypt hash of cost 4
# (as users imported from Stack carry; sign-in verifies it once and rehashes
# it to argon2id), so the fill measures the write path rather than argon2id.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-1000000}
C=${C:-8}
DURATION=${DURATION:-5s}
FILL_C=${FILL_C:-16}
bin=${LATCHKEY_BIN:-build/latchkey}
[ -x "$bin" ] || { echo "data_scale: $bin is missing" >&2; exit 1; }
log() { echo "data_scale: $*" >&2; }
die() { log "$*"; exit 1; }

export BENCH_DIR=$PWD/bench
export BENCH_PROJECT_ID=internal
export BENCH_CLIENT_KEY=pck_latchkey_bench_publishable_client_key
export BENCH_SERVER_KEY=ssk_latchkey_bench_secret_server_key
export BENCH_ADMIN_KEY=sak_latchkey_bench_super_secret_admin_key
export STACK_SEED_INTERNAL_PROJECT_PUBLISHABLE_CLIENT_KEY=$BENCH_CLIENT_KEY
export STACK_SEED_INTERNAL_PROJECT_SECRET_SERVER_KEY=$BENCH_SERVER_KEY
export STACK_SEED_INTERNAL_PROJECT_SUPER_SECRET_ADMIN_KEY=$BENCH_ADMIN_KEY
export STACK_SEED_INTERNAL_PROJECT_SIGN_UP_ENABLED=true
export STACK_SEED_INTERNAL_PROJECT_ALLOW_LOCALHOST=true
# bcrypt, cost 4, of "bench-password-1".
export BENCH_FILL_HASH='$2b$04$xM6skMEpDdj563sM64eMYu.YdXUrZMLN7yNB58nbbkz3v/QT5jgJy'

work=$(mktemp -d -t latchkey-data-scale.XXXXXX)
server_pid=
sampler_pid=
pg_started=0
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}
cleanup() {
  [ -z "$sampler_pid" ] || kill "$sampler_pid" 2>/dev/null || true
  stop_server
  if [ "$pg_started" -eq 1 ]; then bash scripts/pg.sh stop || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export BENCH_URL=http://127.0.0.1:$port
export NEXT_PUBLIC_STACK_API_URL=$BENCH_URL
engine=${BENCH_DATABASE:-sqlite}
case "$engine" in
  sqlite) database=${DATA_SCALE_DB:-$work/bench.db} ;;
  postgres)
    chmod 755 "$work"
    export LATCHKEY_PG_DIR=$work/pg
    pg_started=1
    database=$(bash scripts/pg.sh start)?sslmode=disable || die "could not start PostgreSQL"
    ;;
  *) die "BENCH_DATABASE must be sqlite or postgres" ;;
esac

# start_server: starts the server on $database and waits for /health; sets
# startup_ms.
start_server() {
  local t0 i code
  t0=$(date +%s%N)
  "$bin" serve --host 127.0.0.1 --port "$port" --database "$database" --log-level warn \
    --limit-sign-in-failures-per-account 0 --limit-sign-in-failures-per-account-ip 0 \
    --limit-sign-ups-per-ip 0 >>"$work/server.log" 2>&1 &
  server_pid=$!
  for ((i = 0; ; i++)); do
    kill -0 "$server_pid" 2>/dev/null || { tail -n 30 "$work/server.log" >&2; die "server exited"; }
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 1 "$BENCH_URL/health" || true)
    [ "$code" = 200 ] && break
    [ "$i" -lt 3000 ] || die "no 200 from GET /health within 60s"
    sleep 0.02
  done
  startup_ms=$((($(date +%s%N) - t0) / 1000000))
}

# The largest write-ahead log seen (SQLite), sampled every second.
if [ "$engine" = sqlite ]; then
  (
    max=0
    while sleep 1; do
      s=$(stat -c %s "$database-wal" 2>/dev/null || echo 0)
      [ "$s" -gt "$max" ] && max=$s && echo "$max" >"$work/wal_max"
    done
  ) &
  sampler_pid=$!
fi

# wrk cannot end a run from a script: it runs until the project holds N
# users (its threads ask only for /health once their share is written).
# Read from the database itself, so that counting every second adds no
# requests to the server being filled.
user_count() {
  if [ "$engine" = sqlite ]; then
    sqlite3 -readonly "$database" "SELECT user_count FROM projects WHERE id = 'internal'"
  else
    psql "${database%%\?*}" -Atc "SELECT user_count FROM projects WHERE id = 'internal'"
  fi
}
# fill FIRST COUNT THREADS CONNECTIONS: wrk writing users FIRST.. in the
# background (wrk_pid), its report appended to fill.out.
fill() {
  BENCH_FILL_FIRST=$1 BENCH_FILL_COUNT=$2 BENCH_FILL_THREADS=$3 wrk -t"$3" -c"$4" -d24h \
    --timeout 60s --latency -s bench/data_scale_fill.lua "$BENCH_URL" >>"$work/fill.out" &
  wrk_pid=$!
}
# fill_users: fills the project to N users; prints fill_rps.
fill_users() {
  log "server up on $BENCH_URL ($engine); filling $N users"
  t0=$(date +%s%N)
  fill 0 "$N" 2 "$FILL_C"
  # Ends when the project holds N users. Should users still be missing (a
  # request lost; the first wrk run lost user 0 before data_scale_fill.lua
  # allowed for wrk's check of the script), when the count stops moving for
  # 5 s the missing users (and 2 more) are written with new numbers, a few
  # rounds at most.
  last_count=-1
  still=0
  round=0
  for ((i = 1; ; i++)); do
    count=$(user_count)
    [ "$count" -ge "$N" ] && break
    kill -0 "$wrk_pid" 2>/dev/null || die "fill: wrk ended early"
    if [ "$count" -eq "$last_count" ]; then still=$((still + 1)); else still=0; fi
    last_count=$count
    if [ "$still" -ge 5 ]; then
      kill -INT "$wrk_pid"
      wait "$wrk_pid" || true
      round=$((round + 1))
      if [ "$round" -gt 3 ]; then
        cat "$work/fill.out" >&2
        tail -n 20 "$work/server.log" >&2
        die "fill: stuck at $count of $N users"
      fi
      log "fill: $count of $N users and no progress; writing $((N - count + 2)) more"
      fill $((N * (round + 1))) $((N - count + 2)) 1 1
      still=0
    fi
    [ $((i % 30)) -eq 0 ] && log "fill: $count users after ${i}s"
    sleep 1
  done
  kill -INT "$wrk_pid"
  wait "$wrk_pid" || true
  fill=$(cat "$work/fill.out")
  fill_secs=$(awk -v ns=$(($(date +%s%N) - t0)) 'BEGIN {printf "%.1f", ns / 1e9}')
  grep '^FILL ' <<<"$fill" >&2
  if grep '^FILL ' <<<"$fill" | grep -qv ' non2xx=0 '; then die "the fill had errors"; fi
  echo "fill_rps $(awk -v n="$N" -v s="$fill_secs" 'BEGIN {printf "%.0f", n / s}') users/s"
}

start_server
if [ "$(user_count)" -ge "$N" ]; then
  log "server up on $BENCH_URL ($engine); $database already holds $N users: no fill"
else
  fill_users
fi

# A restart on the filled database: start-up time.
stop_server
start_server
echo "startup_ms $startup_ms ms"

# The user at 90 % of the page order (its id is the deep cursor) and one
# user's address (the search that finds one user).
n_deep=$((N * 9 / 10))
first_id() {
  curl -sS -m 60 "$BENCH_URL/api/v1/users?limit=1&query=$1" \
    -H "x-stack-project-id: internal" -H "x-stack-access-type: server" \
    -H "x-stack-secret-server-key: $BENCH_SERVER_KEY" |
    /usr/bin/python3 -c 'import json, sys; i = json.load(sys.stdin)["items"]; print(i[0]["id"] if i else "")'
}
# (the next user when the fill lost that one)
deep_id=$(first_id "user$n_deep%40")
[ -n "$deep_id" ] || deep_id=$(first_id "user$((n_deep + 1))%40")
[ -n "$deep_id" ] || die "no user $n_deep"

# get NAME PATH [C]: wrk on one path; prints "NAME rps p50_ms p99_ms".
get() {
  local out tag scenario rps p50 p99 counts
  out=$(BENCH_SCENARIO=$1 BENCH_PATH=$2 wrk -t1 -c"${3:-$C}" -d"$DURATION" --latency \
    -s bench/data_scale_get.lua "$BENCH_URL") || die "$1: wrk failed"
  read -r tag scenario rps p50 p99 counts <<<"$(grep '^RESULT ' <<<"$out")"
  [[ " $counts " == *" non2xx=0 "* ]] || log "$1: errors ($counts)"
  echo "$scenario $rps $p50 $p99"
}
get first_page "/api/v1/users?limit=100"
get deep_page "/api/v1/users?limit=100&cursor=$deep_id"
get deep_page_desc "/api/v1/users?limit=100&desc=true&cursor=$deep_id"
get search_hit "/api/v1/users?limit=100&query=user$((N / 3))%40"
get search_miss "/api/v1/users?limit=100&query=nobody-has-this"
get search_common "/api/v1/users?limit=100&query=example"
get search_short "/api/v1/users?limit=100&query=zq"
# The same searches one at a time: a search's own latency, where the runs
# above (C connections on the few long workers) add queueing to it.
get search_hit_c1 "/api/v1/users?limit=100&query=user$((N / 3))%40" 1
get search_miss_c1 "/api/v1/users?limit=100&query=nobody-has-this" 1
get search_common_c1 "/api/v1/users?limit=100&query=example" 1
get search_short_c1 "/api/v1/users?limit=100&query=zq" 1
# A cheap read on one connection while two others search without pause,
# each search walking every user (2 characters that nobody has: no index).
BENCH_SCENARIO=search_background BENCH_PATH="/api/v1/users?limit=100&query=zq" \
  wrk -t1 -c2 -d"$DURATION" -s bench/data_scale_get.lua "$BENCH_URL" >/dev/null &
searches=$!
sleep 0.5
get cheap_while_searching "/api/v1/users?limit=1" 1
wait "$searches" || true

rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status")
echo "rss_mib $((rss_kib / 1024)) MiB"
stop_server
if [ "$engine" = sqlite ]; then
  bytes=$(($(stat -c %s "$database") + $(stat -c %s "$database-wal" 2>/dev/null || echo 0)))
else
  bytes=$(psql "${database%%\?*}" -Atc "SELECT pg_database_size(current_database())")
fi
echo "db_bytes_per_user $((bytes / N)) bytes"
if [ -f "$work/wal_max" ]; then
  echo "wal_max_mib $(($(cat "$work/wal_max") / 1048576)) MiB"
fi

if [ "${SKIP_RUN_SH:-0}" != 1 ]; then
  log "users_me refresh sign_in on the filled database (bench/run.sh)"
  BENCH_DATABASE_URL=$database LATCHKEY_BIN=$bin bash bench/run.sh --no-build users_me refresh sign_in
fi
