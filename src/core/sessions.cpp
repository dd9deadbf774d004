#include "core/sessions.hpp"

#include "core/crypto.hpp"
#include "core/errors.hpp"
#include "core/verification_codes.hpp"

namespace latchkey::core {

bool anonymous_sign_up_enabled(const Json& config) {
  if (!config.is_object()) return false;
  auto it = config.find(kAnonymousSignUpEnabled);
  return it != config.end() && it->is_boolean() && it->get<bool>();
}

std::string refresh_token_digest(std::string_view refresh_token) {
  return sha256_hex(refresh_token);
}

namespace {

// What the access token says about the user, read once per issuance.
std::shared_ptr<const TokenClaims> token_claims(const SessionServices& s,
                                                const std::string& project_id,
                                                const std::string& user_id) {
  if (s.claims) return s.claims->get(project_id, user_id);
  TokenClaimsCache uncached(s.store, nullptr, std::chrono::milliseconds(0));
  return uncached.get(project_id, user_id);
}

}  // namespace

PendingSession prepare_session(const SessionServices& s, const std::string& project_id,
                               const std::string& user_id, const SessionOptions& options) {
  int64_t now = s.clock.now_millis();
  PendingSession p;
  p.refresh_token = random_secret45();
  p.row.id = random_uuid();
  p.row.project_id = project_id;
  p.row.user_id = user_id;
  p.row.refresh_token_digest = refresh_token_digest(p.refresh_token);
  p.row.created_at_millis = now;
  p.row.expires_at_millis = now + options.expires_in_millis;
  p.row.is_impersonation = options.is_impersonation;
  return p;
}

IssuedSession issue_session(const SessionServices& s, const PendingSession& pending,
                            const std::string& branch_id, const ClientInfo& client) {
  const store::Session& row = pending.row;
  auto claims = token_claims(s, row.project_id, row.user_id);
  if (!claims) throw errors::user_id_does_not_exist(row.user_id);
  IssuedSession out;
  out.session_id = row.id;
  out.refresh_token = pending.refresh_token;
  out.access_token =
      s.tokens.issue(row.project_id, claims->claims(), branch_id, row.id, client.api_shape);
  s.activity.record(row.project_id, row.id, row.user_id, row.created_at_millis, client.ip,
                    client.user_agent);
  return out;
}

IssuedSession create_session(const SessionServices& s, const std::string& project_id,
                             const std::string& branch_id, const std::string& user_id,
                             const SessionOptions& options, const ClientInfo& client) {
  PendingSession pending = prepare_session(s, project_id, user_id, options);
  if (!s.store.sessions().create_session(pending.row))
    throw errors::user_id_does_not_exist(user_id);
  return issue_session(s, pending, branch_id, client);
}

IssuedSession sign_in(const SessionServices& s, const std::string& project_id,
                      const std::string& branch_id, const store::User& user,
                      const ClientInfo& client, bool is_new_user) {
  if (user.requires_totp_mfa) {
    // §0.3: no session yet; the client finishes with POST /auth/mfa/sign-in
    // and this attempt code, which remembers who signed in.
    NewCode attempt;
    attempt.type = CodeType::kOneTimePassword;
    attempt.data = Json{{"user_id", user.id}, {"is_new_user", is_new_user}};
    attempt.lifetime_millis = kMfaAttemptCodeLifetimeMillis;
    auto issued = create_code(s.store, s.clock, project_id, branch_id, attempt);
    throw errors::multi_factor_authentication_required(issued.code);
  }
  return create_session(s, project_id, branch_id, user.id, SessionOptions{}, client);
}

std::optional<store::Session> find_session_by_refresh_token(const SessionServices& s,
                                                            std::string_view refresh_token) {
  // The lookup is by digest: the token itself is never compared.
  return s.store.sessions().find_session_by_token_digest(refresh_token_digest(refresh_token));
}

bool is_live_session(const SessionServices& s, const store::Session& session,
                     const std::string& project_id) {
  if (session.project_id != project_id) return false;
  return !(session.expires_at_millis && *session.expires_at_millis < s.clock.now_millis());
}

std::optional<store::Session> find_live_session(const SessionServices& s,
                                                const std::string& project_id,
                                                std::string_view refresh_token) {
  auto session = find_session_by_refresh_token(s, refresh_token);
  if (!session || !is_live_session(s, *session, project_id)) return std::nullopt;
  return session;
}

std::vector<store::Session> list_user_sessions(const SessionServices& s,
                                               const std::string& project_id,
                                               const std::string& user_id) {
  return s.store.sessions().list_sessions(project_id, user_id);
}

std::optional<store::Session> find_session(const SessionServices& s, const std::string& project_id,
                                           const std::string& session_id) {
  return s.store.sessions().get_session(project_id, session_id);
}

bool end_session(const SessionServices& s, const std::string& project_id,
                 const std::string& session_id) {
  return s.store.sessions().delete_session(project_id, session_id);
}

std::string refresh_access_token(const SessionServices& s, const std::string& project_id,
                                 const std::string& branch_id,
                                 const std::optional<store::Session>& session,
                                 const ClientInfo& client) {
  if (!session || !is_live_session(s, *session, project_id))
    throw errors::refresh_token_not_found_or_expired();
  // The claims follow the user as they are now (a changed name, a verified
  // e-mail, a new selected team show in the next token), from the claims
  // cache; a miss reads the user.
  auto claims = token_claims(s, project_id, session->user_id);
  if (!claims) throw errors::refresh_token_not_found_or_expired();
  std::string token =
      s.tokens.issue(project_id, claims->claims(), branch_id, session->id, client.api_shape);
  s.activity.record(project_id, session->id, session->user_id, s.clock.now_millis(), client.ip,
                    client.user_agent);
  return token;
}

}  // namespace latchkey::core
