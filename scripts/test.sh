#!/usr/bin/env bash
# Builds Latchkey and runs every test: the GoogleTest unit tests (CTest),
# each fuzz target for a short while (scripts/fuzz.sh), then the pytest e2e
# suite against a live server on SQLite, the browser tests (tests/browser),
# the SDK tests (tests/sdk: every published Stack JS
# SDK version in Node, the oldest and newest in Chromium across origins),
# the examples (tests/examples), the OpenAPI document (tests/openapi), then
# on PostgreSQL (a throw-away cluster from scripts/pg.sh) the
# engine-parameterised unit tests, the e2e suite and the SDK tests again,
# and last the unit tests and the SQLite e2e suite on a build with
# AddressSanitizer and UndefinedBehaviorSanitizer. Exits non-zero
# if anything fails, including "no tests found".
# Environment: E2E_TIMEOUT (seconds, default 1800) bounds each e2e run;
# extra arguments go to pytest, e.g. scripts/test.sh -k sign_up -x
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
PYTEST_ARGS=("$@")

if ! bash scripts/deps.sh --test || ! bash scripts/build.sh; then
  echo "test.sh: FAILED (build)"
  exit 1
fi

failed=()
passed=()
record() { # record NAME STATUS
  if [ "$2" -eq 0 ]; then passed+=("$1"); else failed+=("$1"); fi
}

echo "== unit tests (ctest)"
ctest --test-dir build --output-on-failure --no-tests=error --timeout 300
record unit $?

# Every libFuzzer target of fuzz/ for FUZZ_SECONDS each (README, "Fuzzing"),
# built with clang first: 14 targets at 12 s (168 s) and a cold build of
# them (about 115 s on two idle cores) stay within five minutes.
echo "== fuzz targets"
bash scripts/fuzz.sh all "${FUZZ_SECONDS:-12}"
record fuzz $?

# run_e2e NAME [VAR=VALUE...]: one pass of tests/e2e with the given environment.
# /usr/bin/python3 on purpose: Debian's pytest and libraries live there, and a
# pyenv python may come first on PATH.
run_e2e() {
  local name=$1 status
  shift
  echo "== e2e tests ($name)"
  env LATCHKEY_BIN="$PWD/build/latchkey" "$@" \
    timeout --kill-after=30 "${E2E_TIMEOUT:-1800}" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e "${PYTEST_ARGS[@]}"
  status=$?
  # 5 = no tests collected: an empty suite is a failure, not a pass.
  [ "$status" -eq 5 ] && echo "test.sh: pytest collected no tests ($name)"
  [ "$status" -eq 124 ] && echo "test.sh: e2e timed out after ${E2E_TIMEOUT:-1800}s ($name)"
  record "e2e-$name" "$status"
}

# run_node_tests NAME DIR FILE TIMEOUT [VAR=VALUE...]: `node --test FILE` in
# DIR (TAP); a run that finds no tests is a failure.
run_node_tests() {
  local name=$1 dir=$2 file=$3 limit=$4 bin="$PWD/build/latchkey" log status
  shift 4
  echo "== $name"
  log=$(mktemp -t latchkey-node-tests.XXXXXX)
  (cd "$dir" && env LATCHKEY_BIN="$bin" "$@" \
    timeout --kill-after=30 "$limit" node --test --test-reporter=tap "$file") 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  grep -q '^# tests [1-9]' "$log" || { echo "test.sh: no tests ran ($name)"; status=1; }
  rm -f "$log"
  record "$name" "$status"
}

# The SDK tests: tests/sdk/node.test.mjs (each version in Node) and
# tests/sdk/browser (the oldest and newest in Chromium).
run_sdk_tests() { # run_sdk_tests ENGINE [VAR=VALUE...]
  local engine=$1
  shift
  run_node_tests "sdk-node-$engine" tests/sdk node.test.mjs 600 "$@"
  run_node_tests "sdk-browser-$engine" tests/sdk/browser browser.test.mjs 600 "$@"
}

# The sanitizer build (used at the end) compiles in the background, niced,
# while the suites below run: they leave a core idle much of the time.
sanitize_log=$(mktemp -t latchkey-sanitize-build.XXXXXX)
(cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DLATCHKEY_SANITIZE=address,undefined &&
  nice -n 10 cmake --build build-sanitize) >"$sanitize_log" 2>&1 &
sanitize_build=$!

run_e2e sqlite
run_sdk_tests sqlite
# GET /api/v1/openapi.json checked by an independent OpenAPI validator, and
# against the server's validation (tests/openapi).
run_node_tests openapi tests/openapi openapi.test.mjs 300
# examples/ (tests/examples): the Next.js app built and driven in Chromium,
# the Node and Python examples; on SQLite, screenshots in
# tests/examples/artifacts/.
run_node_tests examples tests/examples examples.test.mjs 900

# Browser: passkeys in Debian's Chromium with a virtual authenticator, and
# the admin console (tests/browser/*.test.mjs, node's test runner; deps.sh
# installed chromium and playwright-core; the console's screenshots go to
# tests/browser/artifacts/). A run that finds no tests is a failure.
echo "== browser tests"
browser_log=$(mktemp -t latchkey-browser.XXXXXX)
latchkey_bin="$PWD/build/latchkey"
(cd tests/browser && env LATCHKEY_BIN="$latchkey_bin" \
  timeout --kill-after=30 600 node --test --test-reporter=tap) 2>&1 | tee "$browser_log"
status=${PIPESTATUS[0]}
grep -q '^# tests [1-9]' "$browser_log" || { echo "test.sh: no browser tests ran"; status=1; }
rm -f "$browser_log"
record browser "$status"

# PostgreSQL: the same suite again, against a throw-away cluster
# (scripts/pg.sh; each server start gets a fresh database of its own), plus
# the scale-out and restart tests that only run there.
pg_dir=$(mktemp -d -t latchkey-pg.XXXXXX)
chmod 755 "$pg_dir"
export LATCHKEY_PG_DIR=$pg_dir/cluster
trap 'bash scripts/pg.sh stop; rm -rf "$pg_dir"' EXIT
if pg_url=$(PG_FAST=1 bash scripts/pg.sh start); then
  # The unit tests parameterised over both engines (Engines/*) skip their
  # PostgreSQL half without a server, and suites named *OnPostgres skip
  # whole; run them here, and fail if anything skipped.
  echo "== unit tests on PostgreSQL (Engines/*, *OnPostgres)"
  unit_log=$(mktemp -t latchkey-unit-pg.XXXXXX)
  LATCHKEY_TEST_DATABASE_URL="$pg_url" timeout 300 ./build/latchkey_unit_tests \
    --gtest_filter='Engines/*postgres*:*OnPostgres.*' 2>&1 | tee "$unit_log"
  status=${PIPESTATUS[0]}
  grep -q '^\[  PASSED  \] [1-9]' "$unit_log" || { echo "test.sh: no PostgreSQL unit tests ran"; status=1; }
  grep -q '^\[  SKIPPED \]' "$unit_log" && { echo "test.sh: PostgreSQL unit tests were skipped"; status=1; }
  rm -f "$unit_log"
  record unit-postgres "$status"
  run_e2e postgres LATCHKEY_TEST_DATABASE_URL="$pg_url" LATCHKEY_PG_DIR="$LATCHKEY_PG_DIR"
  run_sdk_tests postgres LATCHKEY_TEST_DATABASE_URL="$pg_url"
else
  echo "test.sh: could not start PostgreSQL"
  record e2e-postgres 1
fi

# Sanitizers: the unit tests and the SQLite e2e suite again, on a build with
# AddressSanitizer (and LeakSanitizer) and UndefinedBehaviorSanitizer
# (CMake option LATCHKEY_SANITIZE; -O1 keeps the extra build short). Any
# report fails the run: UBSan stops the process at the first report, and ASan
# reports make the server exit non-zero, which the e2e fixture checks.
echo "== sanitizer build (address,undefined)"
if wait "$sanitize_build"; then
  tail -n 1 "$sanitize_log"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  echo "== unit tests (sanitizers)"
  # One process for them all (ctest starts one per test, which under ASan
  # took ten minutes instead of half of one).
  timeout 900 ./build-sanitize/latchkey_unit_tests --gtest_filter='-*postgres*:*OnPostgres*'
  record unit-sanitize $?
  echo "== e2e tests (sanitizers)"
  # The session's server must exit 0 after SIGTERM (conftest.py): a leak
  # or an ASan report at exit makes it exit 23.
  env LATCHKEY_BIN="$PWD/build-sanitize/latchkey" timeout --kill-after=30 "${E2E_TIMEOUT:-1800}" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e "${PYTEST_ARGS[@]}"
  record e2e-sanitize $?
  unset ASAN_OPTIONS UBSAN_OPTIONS
else
  cat "$sanitize_log"
  record sanitize-build 1
fi
rm -f "$sanitize_log"

if [ ${#failed[@]} -eq 0 ]; then
  echo "test.sh: PASSED (${passed[*]})"
else
  echo "test.sh: FAILED (${failed[*]}; passed: ${passed[*]:-none})"
  exit 1
fi
