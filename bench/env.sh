# shellcheck shell=bash
# The environment every benchmark script shares (sourced from the repository
# root): the internal project with fixed keys, which the server seeds from
# STACK_SEED_* and the wrk scripts send (BENCH_*).
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
