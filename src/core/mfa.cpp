#include "core/mfa.hpp"

#include "core/errors.hpp"
#include "core/totp.hpp"
#include "core/verification_codes.hpp"

namespace latchkey::core {
namespace {

struct Attempt {
  std::string user_id;
  bool is_new_user = false;
};

// What sessions.cpp's sign_in stores in an MFA attempt code: data
// {user_id, is_new_user} and no e-mail method (which OTP sign-in codes of
// the same type have).
std::optional<Attempt> attempt_of(const store::VerificationCode& row) {
  if (!row.data.is_object()) return std::nullopt;
  if (row.method.is_object() && row.method.contains("email")) return std::nullopt;
  auto user = row.data.find("user_id");
  auto is_new = row.data.find("is_new_user");
  if (user == row.data.end() || !user->is_string() || is_new == row.data.end() ||
      !is_new->is_boolean())
    return std::nullopt;
  return Attempt{user->get<std::string>(), is_new->get<bool>()};
}

}  // namespace

MfaSignIn complete_mfa_sign_in(const SessionServices& s, RateLimits& limits, LimitScope project,
                               const std::string& branch_id, std::string_view attempt_code,
                               std::string_view totp, const ClientInfo& client) {
  const std::string project_id(project.project_id);
  auto row =
      check_code(s.store, s.clock, project_id, branch_id, CodeType::kOneTimePassword, attempt_code);
  auto attempt = attempt_of(row);
  if (!attempt) throw errors::verification_code_not_found();

  auto user = s.store.users().get_user(project_id, attempt->user_id);
  if (!user) throw errors::user_not_found();
  // Without a secret (MFA switched off since the attempt began) no code can
  // be right; the user signs in again and gets a session directly.
  limits.check_totp(project, user->id);
  const int64_t step = totp_step(s.clock.now_millis());
  if (!user->totp_secret || !totp_matches(*user->totp_secret, step, totp)) {
    limits.totp_failed(project, user->id);
    throw errors::invalid_totp_code();
  }
  // Replay protection: the step is claimed atomically before the code is
  // used, so a code that already signed this user in is refused.
  if (!s.store.totp_steps().claim_totp_step(project_id, user->id, step))
    throw errors::invalid_totp_code();

  limits.totp_succeeded(project, user->id);
  mark_code_used(s.store, s.clock, row);
  MfaSignIn out;
  out.session = create_session(s, project_id, branch_id, user->id, SessionOptions{}, client);
  out.user_id = user->id;
  out.is_new_user = attempt->is_new_user;
  return out;
}

}  // namespace latchkey::core
