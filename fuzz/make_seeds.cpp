// Writes the seed inputs that only the server's own code can make: access
// tokens issued by TokenService with fuzz_support.hpp's secret, and ID
// tokens signed with its provider keys. Usage: make_seeds CORPUS_DIR
// (scripts/fuzz.sh runs it when those corpora are missing).
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/clock.hpp"
#include "core/oauth/jws.hpp"
#include "core/oauth/test_keys.hpp"
#include "core/tokens.hpp"
#include "fuzz_support.hpp"
#include "mail/documents.hpp"

using namespace latchkey;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& dir, const std::string& name, const std::string& content) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << content;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds CORPUS_DIR\n";
    return 2;
  }
  const fs::path corpus = argv[1];
  core::ManualClock clock(fuzz::kNowMillis);
  core::TokenService tokens(std::string(fuzz::kServerSecret), std::string(fuzz::kPublicUrl), 600,
                            clock);
  core::TokenUser user;
  user.id = "0c6a5c3c-7f59-4a38-9a52-1b8f0e6e2f4d";
  user.display_name = "Fuzz User";
  user.primary_email = "fuzz@example.com";
  user.primary_email_verified = true;
  user.signed_up_at_millis = fuzz::kNowMillis - 1000;
  const fs::path at = corpus / "access_token_fuzz";
  write(at, "reference",
        tokens.issue(fuzz::kProjectId, user, "main", "a-session-id", core::ApiShape::kReference));
  write(at, "sdk",
        tokens.issue(fuzz::kProjectId, user, "main", "a-session-id", core::ApiShape::kSdk));
  user.restricted_reason = "email_not_verified";
  user.requires_totp_mfa = true;
  write(at, "sdk_restricted",
        tokens.issue(fuzz::kProjectId, user, "main", std::nullopt, core::ApiShape::kSdk));
  // Expired by the time the fuzz target's clock reads it.
  core::ManualClock earlier(fuzz::kNowMillis - 3600 * 1000);
  core::TokenService old(std::string(fuzz::kServerSecret), std::string(fuzz::kPublicUrl), 600,
                         earlier);
  write(at, "expired", old.issue("internal", user, "main", "s", core::ApiShape::kReference));
  write(at, "time_span", "1.5 hours");

  const fs::path it = corpus / "id_token_fuzz";
  Json claims{{"iss", "https://accounts.example.com"},
              {"sub", "1234567890"},
              {"aud", "client-id"},
              {"email", "fuzz@example.com"},
              {"email_verified", true},
              {"exp", 1750000600},
              {"iat", 1750000000},
              {"nonce", "n-0S6_WzA2Mj"}};
  write(it, "es256",
        core::oauth::sign_es256_jwt(Json{{"kid", "k1"}}, claims, std::string(fuzz::kEcPem)));
  write(it, "es256_no_kid",
        core::oauth::sign_es256_jwt(Json::object(), claims, std::string(fuzz::kEcPem)));
  BIO* bio = BIO_new_mem_buf(fuzz::kRsaPem.data(), static_cast<int>(fuzz::kRsaPem.size()));
  core::oauth::testing::TestKey rsa(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  write(it, "rs256", rsa.rs256(Json{{"alg", "RS256"}, {"kid", "r1"}, {"typ", "JWT"}}, claims));
  write(it, "rs256_own_jwks",
        rsa.rs256(Json{{"alg", "RS256"}, {"kid", "r1"}}, claims) + "\n" +
            Json{{"keys", Json::array({rsa.jwk("r1")})}}.dump());
  // The built-in templates as the e-mail editor's documents: the subject
  // line, then the document (email_template_fuzz's input).
  using T = mail::TemplateType;
  for (T type : {T::kEmailVerification, T::kPasswordReset, T::kMagicLink, T::kTeamInvitation,
                 T::kSignInInvitation})
    write(corpus / "email_template_fuzz", std::string(mail::template_type_name(type)),
          mail::default_subject(type) + "\n" + mail::default_document(type).dump());
  std::cout << "seeds written to " << corpus << "\n";
  return 0;
}
