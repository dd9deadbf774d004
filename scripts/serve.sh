#!/usr/bin/env bash
# Builds Latchkey and runs it in the foreground: 127.0.0.1:8102, ./latchkey.db.
# Extra arguments go to `latchkey serve`; --host, --port and --database given
# here (or STACK_DATABASE_CONNECTION_STRING) replace the defaults, e.g.
#   scripts/serve.sh --port 9000 --log-level debug
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh --target latchkey

defaults=()
given() { # given FLAG ARGS...: is FLAG (or FLAG=...) among ARGS?
  local flag=$1 a
  shift
  for a in "$@"; do [[ $a == "$flag" || $a == "$flag="* ]] && return 0; done
  return 1
}
given --host "$@" || defaults+=(--host 127.0.0.1)
given --port "$@" || defaults+=(--port 8102)
given --database "$@" || [ -n "${STACK_DATABASE_CONNECTION_STRING:-}" ] ||
  defaults+=(--database ./latchkey.db)

# A laptop start: the internal project allows sign-up, OTP and localhost
# callbacks, as Stack's development environment file sets them (unset, the
# seed leaves them off, as Stack's does). Values already set are kept.
export STACK_SEED_INTERNAL_PROJECT_SIGN_UP_ENABLED=${STACK_SEED_INTERNAL_PROJECT_SIGN_UP_ENABLED:-true}
export STACK_SEED_INTERNAL_PROJECT_OTP_ENABLED=${STACK_SEED_INTERNAL_PROJECT_OTP_ENABLED:-true}
export STACK_SEED_INTERNAL_PROJECT_ALLOW_LOCALHOST=${STACK_SEED_INTERNAL_PROJECT_ALLOW_LOCALHOST:-true}

exec ./build/latchkey serve "${defaults[@]}" "$@"
