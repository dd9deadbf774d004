# A session whose refresh token oauth_refresh.lua exchanges (sourced by run.sh).
# shellcheck source=bench/refresh.setup.sh
. "$BENCH_DIR/refresh.setup.sh"
