#!/usr/bin/env bash
# Installs the Debian packages Latchkey needs. Idempotent: packages already
# installed are skipped, and `apt-get update` runs once, only when something
# is missing.
#
# Usage: scripts/deps.sh [--build] [--test] [--bench] [--pg] [--fuzz]
#   --build  compilers and libraries (enough for scripts/build.sh and serve.sh)
#   --test   --build plus what the unit and e2e suites and the fuzz step need
#   --fuzz   --build plus clang and libFuzzer (scripts/fuzz.sh)
#   --bench  --build plus what bench/run.sh needs
#   --pg     only the PostgreSQL server (scripts/pg.sh)
#   (none)   everything
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-url1.81-dev libssl-dev libsodium-dev libsqlite3-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev libgtest-dev
  libcurl4-openssl-dev libpq-dev libcbor-dev liboath-dev libcrypt-dev libmimalloc-dev ccache
)
TEST_PKGS=(
  python3 python3-pytest python3-requests python3-jwt python3-cryptography python3-aiosmtpd
  python3-psycopg2 postgresql postgresql-contrib sqlite3 chromium
)
PG_PKGS=(postgresql postgresql-contrib openssl)
FUZZ_PKGS=(clang-14 libclang-rt-14-dev)
BENCH_PKGS=(wrk nginx curl python3)

want=("${BUILD_PKGS[@]}")
# npm packages: the OAuth e2e tests' OpenID provider (tests/oidc), Svix's
# client and signature verification for the webhook tests (tests/svix),
# playwright-core for the browser tests (tests/browser), each published
# Stack SDK version with esbuild for the SDK tests (tests/sdk), the
# examples (examples/nextjs, examples/node) with their test (tests/examples),
# and an OpenAPI validator for the API document's test (tests/openapi).
node_deps=0
if [ $# -eq 0 ]; then
  want+=("${TEST_PKGS[@]}" "${BENCH_PKGS[@]}" "${FUZZ_PKGS[@]}")
  node_deps=1
fi
for arg in "$@"; do
  case "$arg" in
    --build) ;;
    --test) want+=("${TEST_PKGS[@]}" "${FUZZ_PKGS[@]}"); node_deps=1 ;;
    --fuzz) want+=("${FUZZ_PKGS[@]}") ;;
    --bench) want+=("${BENCH_PKGS[@]}") ;;
    --pg) want+=("${PG_PKGS[@]}") ;;
    -h | --help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0 ;;
    *) echo "deps.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

[ "$*" = --pg ] && want=("${PG_PKGS[@]}")

# Node and npm may come from outside Debian (any node >= 18 works); Debian's
# are installed only when there is none.
if [ "$node_deps" = 1 ] && ! { command -v node && command -v npm; } >/dev/null; then
  want+=(nodejs npm)
fi

# npm ci from the committed lock files, skipped while an installed tree
# matches its lock file. Never downloads a browser: the browser tests use
# Debian's chromium.
install_node_deps() {
  [ "$node_deps" = 1 ] || return 0
  local root dir stamp sum
  root="$(cd "$(dirname "$0")/.." && pwd)"
  for dir in "$root/tests/oidc" "$root/tests/svix" "$root/tests/browser" "$root"/tests/sdk/v*/ \
    "$root/tests/sdk/browser" "$root/tests/examples" "$root/examples/nextjs" "$root/examples/node" \
    "$root/tests/openapi"; do
    dir=${dir%/}
    stamp="$dir/node_modules/.latchkey-lock-sha256"
    sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && continue
    echo "deps.sh: npm ci in ${dir#"$root"/}" >&2
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) ||
      return 1
    echo "$sum" >"$stamp"
  done
}

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed$'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  install_node_deps
  exit
fi

echo "deps.sh: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps.sh: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q)
"${apt[@]}" update
"${apt[@]}" install -y "${missing[@]}"
install_node_deps
