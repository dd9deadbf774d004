// E-mail template documents (projects.md §5.4): the block documents Stack's
// e-mail editor saves (an `EmailLayout` root and Text, Heading, Button,
// Image, Divider, Spacer, Container and ColumnsContainer blocks, keyed by
// id), checked when saved and rendered into an HTML and a plain-text part.
// Variables ({{ name }}, {{#if name}}) are substituted into every string of
// the document first; every string then reaches the HTML escaped, and only
// http(s) and mailto links are kept, so neither a template nor a variable
// can add markup or script.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "mail/templates.hpp"

namespace latchkey::mail {

// nullopt when `document` is a valid template document; else why not.
std::optional<std::string> document_problem(const Json& document);

// The subject (a Handlebars template) and the document rendered with `vars`.
RenderedEmail render_document(std::string_view subject, const Json& document,
                              const TemplateVars& vars);

// The built-in template of `type` as a document (what GET /email-templates
// shows for a template the project has not customised).
Json default_document(TemplateType type);
// Its subject template, e.g. "Verify your email at {{ projectDisplayName }}".
std::string default_subject(TemplateType type);

}  // namespace latchkey::mail
