// Small cryptographic building blocks on OpenSSL: digests, encodings,
// secure random secrets and constant-time comparison.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::core {

std::array<unsigned char, 32> sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes

// RFC 4648 §5, no padding. Decoding rejects characters outside the alphabet
// (and accepts/ignores trailing '=' padding).
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);  // standard alphabet, padded
std::optional<std::string> base64_decode(std::string_view text);

std::string random_bytes(size_t n);  // CSPRNG
// Stack's secret format (tokens.md §6): 29 random bytes in Crockford base32,
// last 45 characters, lower-case.
std::string random_secret45();
// Lower-case hyphenated UUID v4.
std::string random_uuid();
bool is_uuid(std::string_view s);
// 16 lower-case Crockford base32 characters (x-stack-request-id).
std::string random_request_id();

bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace latchkey::core
