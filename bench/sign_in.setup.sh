# The user every sign-in scenario signs in as (sourced by run.sh).
BENCH_EMAIL="bench-signin-$(date +%s%N)@example.com"
BENCH_PASSWORD="bench-password-1"
api client POST /api/v1/auth/password/sign-up \
  "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\",\"verification_callback_url\":\"http://localhost:3000/verify\"}" \
  >/dev/null
export BENCH_EMAIL BENCH_PASSWORD
