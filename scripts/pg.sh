#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and benchmarks: Debian's server
# binaries, initdb in a directory of its own, listening on a free loopback
# port only (its unix socket inside that directory). Needs no running system
# service. As root, the cluster runs as the `postgres` user (initdb refuses
# root).
#
# Usage: scripts/pg.sh start|stop|url|halt|resume|status
#   start   installs the packages if missing (scripts/deps.sh --pg), creates
#           the cluster and its database `latchkey`, and prints the URL
#   stop    shuts the cluster down and removes its directory
#   url     prints the URL of the running cluster
#   halt    pg_ctl stop -m fast, keeping the data (to test outages)
#   resume  starts a halted cluster again on the same port
#   status  exits 0 while the cluster runs
# Environment: LATCHKEY_PG_DIR, the cluster's directory (default: one per
# checkout under ${TMPDIR:-/tmp}); PG_FAST=1 turns fsync off (tests only:
# a crash of the machine may lose data, a restart of the server does not).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

log() { echo "pg.sh: $*" >&2; }
die() { log "$*"; exit 1; }

default_dir() {
  local sum
  sum=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
  echo "${TMPDIR:-/tmp}/latchkey-pg-$sum"
}
DIR=${LATCHKEY_PG_DIR:-$(default_dir)}
DATA=$DIR/data
SOCK=$DIR/sock

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] && echo "$bin"
}

# Runs a server-side command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_ctl_start() {
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start >/dev/null
}

cmd_start() {
  if ! BIN=$(pg_bin); then
    bash "$ROOT/scripts/deps.sh" --pg
    BIN=$(pg_bin) || die "PostgreSQL server binaries not found after installing"
  fi
  if [ -f "$DIR/url" ] && cmd_status; then
    log "a cluster already runs in $DIR"
    cat "$DIR/url"
    return 0
  fi
  rm -rf "$DIR"
  mkdir -p "$DIR" "$SOCK"
  chmod 700 "$DIR"
  local password
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" >"$DIR/pwfile"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "no postgres user (install Debian's postgresql package)"
    chown -R postgres: "$DIR"
  fi
  # Password authentication on TCP (the URL carries it); the unix socket in
  # $SOCK, reachable only through this directory, trusts its owner.
  as_owner "$BIN/initdb" -D "$DATA" -U latchkey --pwfile="$DIR/pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  # TLS with a throw-away self-signed certificate, as Debian's own clusters
  # have: libpq's default (sslmode=prefer) uses it over TCP, so the tests run
  # encrypted like a production connection; sslmode=disable opts out.
  as_owner openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
    -subj /CN=localhost -keyout "$DATA/server.key" -out "$DATA/server.crt" >/dev/null 2>&1 ||
    die "openssl could not make the cluster's certificate"
  local port started=0
  for _ in 1 2 3; do
    port=$(free_port)
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $port"
      echo "unix_socket_directories = '$SOCK'"
      echo "max_connections = 300"
      echo "shared_buffers = 128MB"
      echo "ssl = on"
      if [ "${PG_FAST:-0}" = 1 ]; then
        echo "fsync = off"
        echo "full_page_writes = off"
      fi
    } | as_owner tee -a "$DATA/postgresql.conf" >/dev/null
    if pg_ctl_start; then
      started=1
      break
    fi
    log "start on port $port failed; retrying"
  done
  [ "$started" -eq 1 ] || { tail -n 20 "$DIR/server.log" >&2; die "the server did not start"; }
  as_owner "$BIN/psql" -X -q -h "$SOCK" -p "$port" -U latchkey -d postgres \
    -c "CREATE DATABASE latchkey" >/dev/null
  echo "postgresql://latchkey:$password@127.0.0.1:$port/latchkey" | tee "$DIR/url"
  log "cluster in $DIR (stop: LATCHKEY_PG_DIR=$DIR scripts/pg.sh stop)"
}

cmd_status() {
  BIN=$(pg_bin) || return 1
  [ -d "$DATA" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

cmd_stop() {
  if BIN=$(pg_bin) && [ -d "$DATA" ]; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  url) [ -f "$DIR/url" ] || die "no cluster in $DIR"; cat "$DIR/url" ;;
  halt)
    BIN=$(pg_bin) || die "PostgreSQL is not installed"
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
    ;;
  resume)
    BIN=$(pg_bin) || die "PostgreSQL is not installed"
    pg_ctl_start
    ;;
  status) cmd_status ;;
  -h | --help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" ;;
  *) die "usage: scripts/pg.sh start|stop|url|halt|resume|status" ;;
esac
