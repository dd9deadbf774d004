#include "core/cli_login.hpp"

#include <sodium.h>

#include <stdexcept>

#include "core/crypto.hpp"
#include "core/errors.hpp"

namespace latchkey::core {
namespace {

struct KeyPair {
  std::string public_key, secret_key;
};

void init_sodium() {
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("libsodium could not be initialised");
}

// The attempt's key pair, derived from its polling code (45 random
// characters: enough entropy for a seed), so it never needs storing.
KeyPair key_pair_of(std::string_view polling_code) {
  init_sodium();
  auto seed = sha256(std::string("latchkey cli login key\n") + std::string(polling_code));
  static_assert(sizeof(seed) == crypto_box_SEEDBYTES);
  KeyPair k;
  k.public_key.resize(crypto_box_PUBLICKEYBYTES);
  k.secret_key.resize(crypto_box_SECRETKEYBYTES);
  crypto_box_seed_keypair(reinterpret_cast<unsigned char*>(k.public_key.data()),
                          reinterpret_cast<unsigned char*>(k.secret_key.data()), seed.data());
  sodium_memzero(seed.data(), seed.size());
  return k;
}

std::string seal(std::string_view plain, const std::string& public_key) {
  init_sodium();
  if (public_key.size() != crypto_box_PUBLICKEYBYTES)
    throw std::runtime_error("CLI login attempt with a malformed public key");
  std::string out(plain.size() + crypto_box_SEALBYTES, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                  reinterpret_cast<const unsigned char*>(public_key.data()));
  return out;
}

std::optional<std::string> open_sealed(const std::string& sealed, KeyPair& k) {
  if (sealed.size() < crypto_box_SEALBYTES) return std::nullopt;
  std::string out(sealed.size() - crypto_box_SEALBYTES, '\0');
  const int rc =
      crypto_box_seal_open(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                           reinterpret_cast<const unsigned char*>(k.public_key.data()),
                           reinterpret_cast<const unsigned char*>(k.secret_key.data()));
  sodium_memzero(k.secret_key.data(), k.secret_key.size());
  if (rc != 0) return std::nullopt;
  return out;
}

std::string code_digest(std::string_view code) { return sha256_hex(code); }

}  // namespace

Json start_cli_login(store::Store& store, const Clock& clock, const std::string& project_id,
                     int64_t expires_in_millis) {
  const std::string polling_code = random_secret45();
  const std::string login_code = random_secret45();
  store::CliLoginAttempt a;
  a.project_id = project_id;
  a.id = random_uuid();
  a.public_key = key_pair_of(polling_code).public_key;
  a.created_at_millis = clock.now_millis();
  a.expires_at_millis = a.created_at_millis + expires_in_millis;
  if (!store.cli_logins().create_cli_attempt(a, code_digest(polling_code), code_digest(login_code)))
    throw errors::project_not_found(project_id);
  return Json{{"polling_code", polling_code},
              {"login_code", login_code},
              {"expires_at", iso_millis(a.expires_at_millis)}};
}

void complete_cli_login(store::Store& store, const Clock& clock, const std::string& project_id,
                        std::string_view login_code, std::string_view refresh_token) {
  const int64_t now = clock.now_millis();
  auto a = store.cli_logins().find_open_cli_attempt_by_login_code(code_digest(login_code), now);
  if (!a) throw PlainError(400, "Invalid login code or the code has expired");
  if (a->project_id != project_id)
    throw PlainError(400,
                     "Project ID mismatch; please ensure that you are using the correct app url.");
  if (!store.cli_logins().complete_cli_attempt(project_id, a->id,
                                               seal(refresh_token, a->public_key), now))
    throw PlainError(400, "Invalid login code or the code has expired");  // completed meanwhile
}

CliPollResult poll_cli_login(store::Store& store, const Clock& clock, const std::string& project_id,
                             std::string_view polling_code) {
  auto a =
      store.cli_logins().find_cli_attempt_by_polling_code(project_id, code_digest(polling_code));
  if (!a) throw errors::invalid_polling_code();
  const int64_t now = clock.now_millis();
  if (a->expires_at_millis < now) return {"expired", std::nullopt};
  if (a->used_at_millis) return {"used", std::nullopt};
  if (!a->completed_at_millis) return {"waiting", std::nullopt};
  auto sealed = store.cli_logins().claim_cli_attempt(project_id, a->id, now);
  if (!sealed) return {"used", std::nullopt};  // another poll collected it meanwhile
  KeyPair k = key_pair_of(polling_code);
  auto token = open_sealed(*sealed, k);
  if (!token) throw std::runtime_error("a CLI login's sealed refresh token did not open");
  return {"success", std::move(token)};
}

}  // namespace latchkey::core
