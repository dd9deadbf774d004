#include "core/verification_codes.hpp"

#include <cctype>

#include "core/crypto.hpp"
#include "core/errors.hpp"

namespace latchkey::core {

std::string_view code_type_name(CodeType type) {
  switch (type) {
    case CodeType::kOneTimePassword:
      return "ONE_TIME_PASSWORD";
    case CodeType::kPasswordReset:
      return "PASSWORD_RESET";
    case CodeType::kContactChannelVerification:
      return "CONTACT_CHANNEL_VERIFICATION";
    case CodeType::kPasskeyRegistrationChallenge:
      return "PASSKEY_REGISTRATION_CHALLENGE";
    case CodeType::kPasskeyAuthenticationChallenge:
      return "PASSKEY_AUTHENTICATION_CHALLENGE";
    case CodeType::kTeamInvitation:
      return "TEAM_INVITATION";
  }
  return "ONE_TIME_PASSWORD";
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string otp_of(std::string_view code) {
  std::string otp(code.substr(0, kOtpLength));
  for (char& c : otp) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return otp;
}

std::string nonce_of(std::string_view code) {
  return code.size() > kOtpLength ? std::string(code.substr(kOtpLength)) : std::string();
}

std::string code_digest(std::string_view lower_code) { return sha256_hex(lower_code); }

std::string nonce_digest(std::string_view lower_code) {
  // Only the last 39 characters: codes submitted as OTP + nonce share this
  // digest with the code they guess at.
  std::string_view tail = lower_code.size() >= kNonceLength
                              ? lower_code.substr(lower_code.size() - kNonceLength)
                              : lower_code;
  return sha256_hex(tail);
}

IssuedCode create_code(store::Store& store, const Clock& clock, const std::string& project_id,
                       const std::string& branch_id, const NewCode& n) {
  for (int attempt = 0;; ++attempt) {
    IssuedCode out;
    out.code = random_secret45();
    auto& row = out.row;
    row.id = random_uuid();
    row.project_id = project_id;
    row.branch_id = branch_id;
    row.type = std::string(code_type_name(n.type));
    row.code_digest = code_digest(out.code);
    row.nonce_digest = nonce_digest(out.code);
    row.redirect_url = n.redirect_url;
    row.method = n.method;
    row.data = n.data;
    row.created_at_millis = clock.now_millis();
    row.expires_at_millis = row.created_at_millis + n.lifetime_millis;
    // A digest collision of 225 random bits means a broken random source;
    // retrying once more is all that is reasonable.
    if (store.verification_codes().insert_code(row)) return out;
    if (attempt >= 2) throw std::runtime_error("could not store a unique verification code");
  }
}

CodeCheck evaluate_code(const std::optional<store::VerificationCode>& row, int64_t now_millis) {
  if (!row) return CodeCheck::kNotFound;
  if (row->expires_at_millis < now_millis) return CodeCheck::kExpired;
  if (row->used_at_millis) return CodeCheck::kAlreadyUsed;
  if (row->attempt_count >= kMaxCodeAttempts) return CodeCheck::kMaxAttemptsReached;
  return CodeCheck::kValid;
}

void throw_code_error(CodeCheck check) {
  switch (check) {
    case CodeCheck::kNotFound:
      throw errors::verification_code_not_found();
    case CodeCheck::kExpired:
      throw errors::verification_code_expired();
    case CodeCheck::kAlreadyUsed:
      throw errors::verification_code_already_used();
    case CodeCheck::kMaxAttemptsReached:
      throw errors::verification_code_max_attempts_reached();
    case CodeCheck::kValid:
      break;
  }
  throw std::logic_error("throw_code_error called for a valid code");
}

store::VerificationCode check_code(store::Store& store, const Clock& clock,
                                   const std::string& project_id, const std::string& branch_id,
                                   CodeType type, std::string_view submitted) {
  const std::string code = lower(submitted);
  const std::string digest = code_digest(code);
  // Only full-length submissions count against a nonce: a short passkey
  // "code" must not bump every code of the project (auth-endpoints.md §0.1).
  std::optional<std::string> nonce;
  if (code.size() == kCodeLength) nonce = nonce_digest(code);
  auto row = store.verification_codes().find_and_count_attempt(
      project_id, branch_id, std::string(code_type_name(type)), digest, nonce);
  // The store matched on the digest already; comparing again in constant
  // time keeps the decision itself free of early exits.
  if (row && !constant_time_equals(row->code_digest, digest)) row.reset();
  auto check = evaluate_code(row, clock.now_millis());
  if (check != CodeCheck::kValid) throw_code_error(check);
  return *row;
}

void mark_code_used(store::Store& store, const Clock& clock, const store::VerificationCode& row) {
  if (!store.verification_codes().mark_used(row.project_id, row.id, clock.now_millis()))
    throw errors::verification_code_already_used();
}

store::VerificationCode use_code(store::Store& store, const Clock& clock,
                                 const std::string& project_id, const std::string& branch_id,
                                 CodeType type, std::string_view submitted) {
  auto row = check_code(store, clock, project_id, branch_id, type, submitted);
  mark_code_used(store, clock, row);
  return row;
}

}  // namespace latchkey::core
