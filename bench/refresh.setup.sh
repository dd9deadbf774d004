# A session whose refresh token refresh.lua exchanges (sourced by run.sh).
BENCH_REFRESH_TOKEN=$(api client POST /api/v1/auth/password/sign-up \
  "{\"email\":\"bench-refresh-$(date +%s%N)@example.com\",\"password\":\"bench-password-1\",\"verification_callback_url\":\"http://localhost:3000/verify\"}" |
  json_field refresh_token)
export BENCH_REFRESH_TOKEN
