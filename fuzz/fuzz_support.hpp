// Shared by the fuzz targets: splitting one input into several fields, and
// the fixed, throw-away keys the targets and their seed corpora use (made
// for fuzzing only; they protect nothing).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace latchkey::fuzz {

// An input read as fields: next() takes a field preceded by its length in
// two bytes (big-endian), rest() whatever remains. A length past the end
// takes what is left, so every input splits somehow.
class Fields {
 public:
  Fields(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  std::string_view next() {
    if (rest_.size() < 2) {
      std::string_view all = rest_;
      rest_ = {};
      return all;
    }
    size_t n = (size_t(uint8_t(rest_[0])) << 8) | uint8_t(rest_[1]);
    rest_.remove_prefix(2);
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(out.size());
    return out;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// Splits at the first '\n': (before, after); after is empty without one.
inline std::pair<std::string_view, std::string_view> split_line(std::string_view s) {
  size_t nl = s.find('\n');
  if (nl == std::string_view::npos) return {s, {}};
  return {s.substr(0, nl), s.substr(nl + 1)};
}

// The STACK_SERVER_SECRET of access_token_fuzz (base64url, as the server
// requires) and the project its seed tokens are for.
inline constexpr std::string_view kServerSecret =
    "ZnV6ei1zZXJ2ZXItc2VjcmV0LW5vdC1mb3ItcHJvZHVjdGlvbg";
inline constexpr std::string_view kPublicUrl = "http://localhost:8102";
inline constexpr std::string_view kProjectId = "6fbbf22e-f4b2-4c6e-95a1-beab6fa41063";
inline constexpr int64_t kNowMillis = 1750000000000;

// The ID-token signing keys of id_token_fuzz ("k1" EC P-256, "r1" RSA 2048).
inline constexpr std::string_view kEcPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLiBAf+zMdvhJmf4Z
l3UJpl9s/LbhQO4c0MxIYvOOOKyhRANCAARKxGEYVEdUwYUETl74ijYtUn9HqxXW
satIG3u2bTGTd2PN7axj8f12DvHtKVqL/h1o5n1VjFjkHj06DyfpDhPt
-----END PRIVATE KEY-----
)";
inline constexpr std::string_view kRsaPem = R"(-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCFoTpni2FfgimO
Zk1RCd8+BW/w1ulI+ceSymgVYi6ybezr96QzkheeGMHiMdditiTF6TijaOMkYRtG
0q/ls8VxRvdll9poX3qG0/DOpGHAW8deCpKVzGd7O9ma3po18Dsyuf3oJeSSom9Z
AMqyyANFXhXjNHp6VxgF28niTUbW5gpNP6YzaVF+Jt4UT8HeBq4oqbgzsWyZWlCS
G8R5d55JN38ffClJB2XacX74+QN+WHoJ/F7gKhRs/2h+6I+tBLyKAA+25haal0sS
uJSXeAxFWa5EUBb/Axp43xt4B9c9LrG31OFYux65AeKCLYT/HBnGiuRKwzbq/BE9
8FvlqzcTAgMBAAECggEAA15f54rFLfdNC1RF/nio57bMCtdzqBEvdKmIeC0WAWMO
Bgt45sRbfg9ZfarTUfS4aF/vEM6epQh2+62FjzKBFAkvZPXo6+42BjBRXE0a/b0v
AVWQAf0reqdDCWXeEZAGrDwjaFpwoo6RgSGo+nc94k/k/D8vNB9v8UMzC49L0Res
mpsM1VNQtk1AxVGnnGMLz8yQ02FnnvHbjA/vtN4mgA0X1xy2NQu1AIQjx+ydvbwq
MUXK9Vc/sHWfj1IpTLKayrgCWsVAMCA6AIRm9JOE12zmhZzaRmudU5WCpjdzhCax
fhUnguK6Vk+jzoAXFIextk8SsH45N0RxP+d791xYIQKBgQC7wlaoGlZUG7ICCt7g
HtmfDF6LhdHuX+YejOgXVYUMV2CeWKExvVA+r3g+zI3g8Ue21KJQwoX8xsKkRwV9
II6bGC/Fkl/4p1t9ZkNgtNQhfYfeSaLsvPCfgpVK/NoMKNwkdIrjYXsxuI2QV2YY
cQHN2x3HBleIPnp3giEBryjRUQKBgQC2Mol9lWAU8fdAA3yeE9EA08BgmMxQJi7J
RGHe+sldR++VhhXeXELp1zVB9EONnvfyYleXfKoCp8Xc2OjQGHfLMFVq46ANYXHG
tL7V5qFJe5r3lb5qrSUP8dZSIh3or3eSbaD3bzK4YWgy+4jEdIk0n+BzkxlGauS5
lUSRm17JIwKBgCgWDbpGJTg/0XluKLdg3sV+NpFDONbT0qWjH8obkBRac15bPc8I
xCEeBWYi9geYe98k9qKXZVPae6PnJdzZHpkuSMS9w4+q63WSZ8A12zRrQJ7MyeQR
Uq47ivQ/l64Q6y89UonJPiwXYuH2Ru3g8qmopmrfh8Cm1i69sZ5SbzyBAoGADJO4
gf7Jvyhk1Ppoo9DiYJg9c22YzP+VwzcBOo89Tz8j/sJeyBa+V74PYxolf6U1oHnB
aiek5MIIGpKun47Q1inj+5jy93l+jST093cQMy5hKC4iEuMY59zd2pWYUvOp4WXH
8syuR6QRuVM7wbP5tLREnjXNTNscJuNy9EoxZNkCgYB/GRKdqNSej/Lj329h16s1
ddZlk63S9avMteG2iKRSHw4GwnWRMJAuoXx/AfnlHxTR/UAC1sfpeSVHvXA8BZTR
jQrgkrrE+aJ1GSziFhOHSD30eRWAMSf4nLhsUvft3oDu+do4kh9HsecSAbXaa/HM
A0v8wEmoaTHWm9ki0wh6LA==
-----END PRIVATE KEY-----
)";

// The WebAuthn ceremony the webauthn_* targets verify against.
inline constexpr std::string_view kChallenge = "ZnV6ei1jaGFsbGVuZ2U";
inline constexpr std::string_view kOrigin = "http://localhost:3000";
inline constexpr std::string_view kRpId = "localhost";

}  // namespace latchkey::fuzz
