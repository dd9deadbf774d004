// The admin console at /console/: the embedded files of web/console/ under a
// strict Content-Security-Policy, its index for every deep link of the
// single-page app, and /console/config.json, what the console needs to sign
// in to the internal project (the project id and a publishable client key).
// The console is a client of the public REST API; nothing here acts for it.
#pragma once
#include <string_view>

#include "http/message.hpp"

namespace latchkey::http {

// /console and everything below it.
bool is_console_path(std::string_view path);

// The answer to a request for a console path. `client_key`: the internal
// project's publishable client key of the console (core/console.hpp);
// `public_url`: the server's public URL (for the OAuth callback URLs the
// console shows).
Response console_response(const Request& req, std::string_view client_key,
                          std::string_view public_url);

}  // namespace latchkey::http
