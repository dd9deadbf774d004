#include "core/totp.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

#include "core/crypto.hpp"

namespace latchkey::core {

std::string hotp(std::string_view secret, uint64_t counter, int digits) {
  if (digits < 1 || digits > 9) throw std::invalid_argument("hotp: digits must be 1-9");
  std::array<unsigned char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<size_t>(i)] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  // An empty key is a valid HMAC key; OpenSSL wants a non-null pointer.
  static const unsigned char kEmpty = 0;
  const void* key = secret.empty() ? static_cast<const void*>(&kEmpty) : secret.data();
  if (!HMAC(EVP_sha1(), key, static_cast<int>(secret.size()), message.data(), message.size(),
            mac.data(), &mac_len) ||
      mac_len != 20)
    throw std::runtime_error("HMAC-SHA-1 failed");
  // RFC 4226 §5.3 dynamic truncation.
  const size_t offset = mac[19] & 0x0f;
  const uint32_t binary = (uint32_t(mac[offset] & 0x7f) << 24) | (uint32_t(mac[offset + 1]) << 16) |
                          (uint32_t(mac[offset + 2]) << 8) | uint32_t(mac[offset + 3]);
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string out = std::to_string(binary % modulus);
  return std::string(static_cast<size_t>(digits) - out.size(), '0') + out;
}

int64_t totp_step(int64_t now_millis) {
  // Floor, not truncation, so that times before the epoch step correctly.
  int64_t q = now_millis / kTotpStepMillis;
  if (now_millis % kTotpStepMillis != 0 && now_millis < 0) --q;
  return q;
}

bool totp_matches(std::string_view secret, int64_t step, std::string_view submitted) {
  if (step < 0) return false;
  const std::string expected = hotp(secret, static_cast<uint64_t>(step), kTotpDigits);
  return constant_time_equals(expected, submitted);
}

}  // namespace latchkey::core
