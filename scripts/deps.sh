#!/usr/bin/env bash
# Installs the Debian packages Latchkey needs. Idempotent: packages already
# installed are skipped, and `apt-get update` runs once, only when something
# is missing.
#
# Usage: scripts/deps.sh [--build] [--test] [--bench]
#   --build  compilers and libraries (enough for scripts/build.sh and serve.sh)
#   --test   --build plus what the unit and e2e suites need
#   --bench  --build plus what bench/run.sh needs
#   (none)   everything
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-url1.81-dev libssl-dev libsodium-dev libsqlite3-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev libgtest-dev
  libcurl4-openssl-dev libpq-dev libcbor-dev liboath-dev libcrypt-dev
)
TEST_PKGS=(
  python3 python3-pytest python3-requests python3-jwt python3-cryptography python3-aiosmtpd
  postgresql sqlite3
)
BENCH_PKGS=(wrk nginx curl python3)

want=("${BUILD_PKGS[@]}")
if [ $# -eq 0 ]; then
  want+=("${TEST_PKGS[@]}" "${BENCH_PKGS[@]}")
fi
for arg in "$@"; do
  case "$arg" in
    --build) ;;
    --test) want+=("${TEST_PKGS[@]}") ;;
    --bench) want+=("${BENCH_PKGS[@]}") ;;
    -h | --help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0 ;;
    *) echo "deps.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed$'; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps.sh: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q)
"${apt[@]}" update
"${apt[@]}" install -y "${missing[@]}"
