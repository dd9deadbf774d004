#include "core/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace latchkey::core {
namespace {

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Crockford base32 (0123456789ABCDEFGHJKMNPQRSTVWXYZ), already lower-cased.
constexpr std::string_view kCrockfordLower = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr std::string_view kHexLower = "0123456789abcdef";

std::string encode64(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) |
                 uint32_t(uint8_t(bytes[i + 2]));
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

// Reverse lookup: 0..63, or -1 for characters outside the alphabet.
struct DecodeTable {
  int8_t value[256];
  constexpr explicit DecodeTable(std::string_view alphabet) : value{} {
    for (auto& v : value) v = -1;
    for (size_t i = 0; i < alphabet.size(); ++i) value[uint8_t(alphabet[i])] = int8_t(i);
  }
};
constexpr DecodeTable kBase64UrlTable(kBase64UrlAlphabet);
constexpr DecodeTable kBase64Table(kBase64Alphabet);

// Accepts unpadded input and input with up to two trailing '='; a length that
// cannot come from any byte string (4n+1 characters) is rejected.
std::optional<std::string> decode64(std::string_view text, const DecodeTable& table) {
  size_t end = text.size();
  for (int i = 0; i < 2 && end > 0 && text[end - 1] == '='; ++i) --end;
  if (end != text.size() && text.size() % 4 != 0) return std::nullopt;  // misplaced padding
  text = text.substr(0, end);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = table.value[uint8_t(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((acc >> bits) & 0xff));
    }
  }
  return out;
}

// Crockford base32 of `bytes`, 5 bits per character, most significant first;
// the final partial group is left-aligned (padded with zero bits on the right).
std::string crockford_encode(std::string_view bytes, std::string_view alphabet) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(alphabet[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(acc << (5 - bits)) & 31]);
  return out;
}

// Fetched once: EVP_sha256() would make OpenSSL 3 look the implementation up
// (under a lock) on every call, and SHA-256 runs on every token verification.
const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw std::runtime_error("SHA-256 unavailable");
  return md;
}

}  // namespace

std::array<unsigned char, 32> sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, sha256_md(), nullptr) != 1 ||
      len != out.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  auto digest = sha256(data);
  std::string out;
  out.reserve(64);
  for (unsigned char b : digest) {
    out.push_back(kHexLower[b >> 4]);
    out.push_back(kHexLower[b & 15]);
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(sha256_md(), key.data(), int(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
           &len) == nullptr) {
    throw std::runtime_error("HMAC-SHA-256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string base64url_encode(std::string_view bytes) {
  return encode64(bytes, kBase64UrlAlphabet, false);
}

std::optional<std::string> base64url_decode(std::string_view text) {
  return decode64(text, kBase64UrlTable);
}

std::string base64_encode(std::string_view bytes) { return encode64(bytes, kBase64Alphabet, true); }

std::optional<std::string> base64_decode(std::string_view text) {
  return decode64(text, kBase64Table);
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), int(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string random_secret45() {
  // 29 bytes = 232 bits = 47 characters (the last one carrying 2 bits); the
  // first two characters are dropped.
  std::string encoded = crockford_encode(random_bytes(29), kCrockfordLower);
  return encoded.substr(encoded.size() - 45);
}

std::string random_uuid() {
  std::string b = random_bytes(16);
  b[6] = char((uint8_t(b[6]) & 0x0f) | 0x40);  // version 4
  b[8] = char((uint8_t(b[8]) & 0x3f) | 0x80);  // RFC 4122 variant
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHexLower[uint8_t(b[i]) >> 4]);
    out.push_back(kHexLower[uint8_t(b[i]) & 15]);
  }
  return out;
}

bool is_uuid(std::string_view s) {
  // 8-4-4-4-12 hex digits, either case, any version.
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string random_request_id() {
  // 10 bytes = 80 bits = exactly 16 characters. Every request takes one, so
  // each thread draws the CSPRNG in blocks (one RAND_bytes call, with its
  // fork check, per 64 ids) instead of once per id.
  constexpr size_t kIdBytes = 10, kBlock = 64 * kIdBytes;
  thread_local unsigned char block[kBlock];
  thread_local size_t used = kBlock;
  if (used == kBlock) {
    if (RAND_bytes(block, int(kBlock)) != 1) throw std::runtime_error("RAND_bytes failed");
    used = 0;
  }
  std::string id = crockford_encode(
      std::string_view(reinterpret_cast<const char*>(block + used), kIdBytes), kCrockfordLower);
  OPENSSL_cleanse(block + used, kIdBytes);
  used += kIdBytes;
  return id;
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace latchkey::core
