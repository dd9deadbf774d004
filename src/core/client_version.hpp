// What a request's client-version header (x-stack-client-version, or its
// x-hexclave- twin) says about the SDK that sent it, and which revision of
// Stack's API shapes the response is written in.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace latchkey::core {

// "<platform> <package>@<semver>", e.g. "js @stackframe/js@2.8.41".
struct ClientVersion {
  std::string package;  // "@stackframe/js"
  int major = 0, minor = 0, patch = 0;
  bool prerelease = false;  // "-beta.1": lower than the same version without it
};

// nullopt when the header is absent or not of that form.
std::optional<ClientVersion> parse_client_version(std::optional<std::string_view> header);

// The SDK `@stackframe/stack` at version 2.5.37 or lower, which still expects
// the legacy magic-link e-mail (a button instead of the code).
bool expects_legacy_magic_link(std::optional<std::string_view> header);

// The revision of Stack's response shapes a client is answered in.
// kReference: Stack's API at a5734defb (July 2025), the wire contract of
// ../shared/spec, unchanged for plain REST clients (curl, the Python
// examples, Stack's own e2e suite, whose snapshots compare whole objects).
// kSdk: what Stack's later servers return and the SDKs released since read
// (user fields such as is_restricted and country_code; the access-token
// claims 2.8.41+ validate).
enum class ApiShape { kReference, kSdk };

// The JS SDKs send their version on each REST request, and exchange codes
// and refresh tokens at /auth/oauth/token as a plain OAuth client
// (oauth4webapi: a form, no Stack header at all). So: a client version, or
// no x-stack-access-type either, is an SDK (or another OAuth client, to which
// the extra claims are harmless); a REST request without a version gets the
// reference shapes.
ApiShape api_shape_of(std::optional<std::string_view> client_version_header,
                      bool has_access_type_header);

}  // namespace latchkey::core
