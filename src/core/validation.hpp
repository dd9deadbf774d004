// What an e-mail address and a URL must look like where the API accepts
// them (yup's rules, which Stack validates with), shared by the request
// schemas and the checks of the server's environment.
#pragma once
#include <string_view>

namespace latchkey::core {

// yup's e-mail rule (WHATWG's).
bool is_valid_email(std::string_view s);
// The stricter rule of sign-up and OTP, for an address is_valid_email accepts.
bool is_strict_email(std::string_view s);
// An absolute URL (a scheme), fragments allowed.
bool is_valid_url(std::string_view s);

// `s` without leading and trailing spaces and tabs (a header value's
// optional whitespace).
std::string_view trim_blanks(std::string_view s);

}  // namespace latchkey::core
