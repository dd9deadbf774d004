// The e-mail template renderer (mail/documents.hpp, mail/templates.hpp,
// mail/themes.hpp): a project admin's template document is checked
// (document_problem, as PATCH /email-templates does) and rendered with
// variables a user controls (display name, team name). The input is the
// subject line, then the document (JSON); the raw input is also rendered as
// a Handlebars template and as HTML for the text part.
#include <cstdint>

#include "core/errors.hpp"
#include "fuzz_support.hpp"
#include "http/body.hpp"
#include "mail/documents.hpp"
#include "mail/templates.hpp"
#include "mail/themes.hpp"

using namespace latchkey;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto [subject, document_text] = fuzz::split_line(in);
  const mail::TemplateVars vars{{"projectDisplayName", "Fuzz <b>&</b>"},
                                {"userDisplayName", "{{ userDisplayName }}\"'"},
                                {"teamDisplayName", "{{#if x}}"},
                                {"emailVerificationLink", "https://example.com/v?code=1&a=\"b\""},
                                {"otp", "ABC123"}};
  (void)mail::render_handlebars(in, vars, false);
  (void)mail::render_handlebars(in, vars, true);
  (void)mail::html_to_text(in);
  (void)mail::render_with_theme(in, mail::EmailTheme::kDark, std::string(subject));
  // The editor's documents are JSON bodies of PATCH /email-templates: the
  // same nesting bound as any request body.
  http::Request req;
  req.method = http::Method::kPatch;
  req.headers.add("content-type", "application/json");
  req.body = std::string(document_text);
  Json document;
  try {
    document = *http::parse_body(req);
  } catch (const core::KnownError&) {
    return 0;
  }
  if (mail::document_problem(document)) return 0;
  (void)mail::render_document(subject, document, vars);
  return 0;
}
