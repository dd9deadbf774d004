# A user API key that user_api_key_check.lua checks (sourced by run.sh): the
# internal project allows user API keys, a user signs up and gets a key.
api admin PATCH /api/v1/internal/projects/current '{"config":{"allow_user_api_keys":true}}' >/dev/null
bench_key_user=$(api client POST /api/v1/auth/password/sign-up \
  "{\"email\":\"bench-key-$(date +%s%N)@example.com\",\"password\":\"bench-password-1\",\"verification_callback_url\":\"http://localhost:3000/verify\"}" |
  json_field user_id)
BENCH_USER_API_KEY=$(api server POST /api/v1/user-api-keys \
  "{\"user_id\":\"$bench_key_user\",\"description\":\"bench\",\"expires_at_millis\":null}" |
  json_field value)
export BENCH_USER_API_KEY
