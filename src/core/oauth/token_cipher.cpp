#include "core/oauth/token_cipher.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "core/crypto.hpp"

namespace latchkey::core::oauth {
namespace {

constexpr size_t kNonce = 12, kTag = 16;
constexpr std::string_view kPrefix = "v1.";

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

TokenCipher::TokenCipher(std::string_view server_secret)
    : key_(hmac_sha256(server_secret, "latchkey oauth provider tokens v1")) {}

std::string TokenCipher::seal(std::string_view plaintext, std::string_view context) const {
  std::string nonce = random_bytes(kNonce);
  std::string out = nonce;
  out.resize(kNonce + plaintext.size() + kTag);
  auto* cipher = reinterpret_cast<unsigned char*>(out.data()) + kNonce;
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0, fin = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u8(key_), u8(nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, u8(context), int(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), cipher, &len, u8(plaintext), int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), cipher + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, cipher + plaintext.size()) != 1)
    throw std::runtime_error("AES-GCM encryption failed");
  return std::string(kPrefix) + base64url_encode(out);
}

std::optional<std::string> TokenCipher::open(std::string_view sealed,
                                             std::string_view context) const {
  if (sealed.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto raw = base64url_decode(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < kNonce + kTag) return std::nullopt;
  std::string_view all(*raw);
  std::string_view nonce = all.substr(0, kNonce);
  std::string_view body = all.substr(kNonce, all.size() - kNonce - kTag);
  std::string tag(all.substr(all.size() - kTag));
  std::string out(body.size(), '\0');
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0, fin = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u8(key_), u8(nonce)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, u8(context), int(context.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, u8(body),
                        int(body.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &fin) != 1)
    return std::nullopt;
  return out;
}

}  // namespace latchkey::core::oauth
