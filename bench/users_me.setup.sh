# A signed-in user whose access token users_me.lua sends (sourced by run.sh).
BENCH_ACCESS_TOKEN=$(api client POST /api/v1/auth/password/sign-up \
  "{\"email\":\"bench-me-$(date +%s%N)@example.com\",\"password\":\"bench-password-1\",\"verification_callback_url\":\"http://localhost:3000/verify\"}" |
  json_field access_token)
export BENCH_ACCESS_TOKEN
