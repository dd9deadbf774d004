#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang-14, ASan + UBSan; a small
# CMake project of their own in build-fuzz/) and runs one target, or each
# in turn, for SECONDS with its seed corpus (fuzz/corpus/<target>) and
# dictionary. Fails when a target crashes, hangs, leaks, trips a sanitizer or
# exceeds the memory limits; the input that did is left in
# build-fuzz/artifacts/<target>/. Prints the executions each target reached.
#
# Usage: scripts/fuzz.sh TARGET|all SECONDS   (TARGET e.g. url_fuzz)
#        scripts/fuzz.sh list
# New inputs a run finds go to build-fuzz/corpus/<target> (kept between
# runs, not committed); fuzz/corpus holds the committed seeds and the
# regression inputs of fixed crashes. Reproduce a crash with
#   build-fuzz/<target> build-fuzz/artifacts/<target>/crash-...
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}

if [ $# -lt 1 ] || { [ "$1" != list ] && [ $# -ne 2 ]; }; then
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS, or scripts/fuzz.sh list" >&2
  exit 2
fi
targets=()
for f in fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" .cpp)"); done
if [ "$1" = list ]; then
  printf '%s\n' "${targets[@]}"
  exit 0
fi
want=$1 seconds=$2
if [ "$want" != all ] && [ ! -f "fuzz/$want.cpp" ]; then
  echo "fuzz.sh: no target $want (scripts/fuzz.sh list)" >&2
  exit 2
fi
[ "$want" = all ] || targets=("$want")

bash scripts/deps.sh --fuzz || exit 1
cmake -S fuzz -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null || exit 1
if [ "$want" = all ]; then
  nice -n 5 cmake --build "$BUILD" || exit 1
else
  nice -n 5 cmake --build "$BUILD" --target "$want" make_seeds || exit 1
fi
# The token seeds are signed by the server's own code.
[ -d fuzz/corpus/access_token_fuzz ] || "$BUILD/make_seeds" fuzz/corpus || exit 1

# dict_of TARGET: the dictionary a target's inputs are written in.
dict_of() {
  case $1 in
    http_request_fuzz) echo fuzz/dict/http.dict ;;
    body_fuzz | schema_fuzz | email_template_fuzz) echo fuzz/dict/json.dict ;;
    url_fuzz | trusted_url_fuzz | oauth_cookie_fuzz) echo fuzz/dict/url.dict ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  work="$BUILD/corpus/$t" artifacts="$BUILD/artifacts/$t/" log="$BUILD/logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")" "fuzz/corpus/$t"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512
        -max_len=16384 -print_final_stats=1 -artifact_prefix="$artifacts")
  dict=$(dict_of "$t")
  [ -n "$dict" ] && args+=(-dict="$dict")
  # The work corpus first: libFuzzer adds what it finds to the first one.
  "$BUILD/$t" "${args[@]}" "$work" "fuzz/corpus/$t" >"$log" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$status" -eq 0 ]; then
    echo "fuzz.sh: $t: ${execs:-?} executions in ${seconds}s, no crash"
  else
    echo "fuzz.sh: $t: FAILED (exit $status) after ${execs:-?} executions; log $log:"
    grep -E -A40 'ERROR: |runtime error|==[0-9]+==' "$log" | head -60
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]}"
  exit 1
fi
