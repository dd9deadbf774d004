// Projects' e-mail templates (projects.md §5.4): the five built-in
// templates, customised per project as editor documents (only while the
// project has its own SMTP server), the rendering of an auth e-mail with the
// project's template when it has one, and the preview of a template being
// edited.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "mail/templates.hpp"
#include "store/store.hpp"

namespace latchkey::core {

// Whether the project sends through the deployment's shared SMTP server
// (email_config of type shared, the default) rather than its own.
bool uses_shared_email_server(const store::Project& project);

// The five types, in the order GET /email-templates lists them.
const std::vector<mail::TemplateType>& email_template_types();
std::optional<mail::TemplateType> parse_template_type(std::string_view name);

// {"type", "subject", "content", "is_default"} for each type: the project's
// template, else the built-in one.
Json list_email_templates(store::Store& store, const store::Project& project);
Json get_email_template(store::Store& store, const store::Project& project,
                        mail::TemplateType type);

// PATCH: plain 400 while the project uses the shared e-mail server, plain
// 400 "Invalid email template content" for an invalid document; a part not
// given keeps the stored (else built-in) one.
Json update_email_template(store::Store& store, const Clock& clock, const store::Project& project,
                           mail::TemplateType type, const std::optional<std::string>& subject,
                           const std::optional<Json>& content);

// DELETE: back to the built-in template; plain 404 when not customised.
void delete_email_template(store::Store& store, const store::Project& project,
                           mail::TemplateType type);

// The e-mail of `type` for `project`: its customised template rendered with
// `vars`, else the built-in one (`legacy_magic_link` picks the old magic-link
// body for old SDKs, as Stack does for its built-in template).
mail::RenderedEmail render_auth_email(store::Store& store, const store::Project& project,
                                      mail::TemplateType type, const mail::TemplateVars& vars,
                                      bool legacy_magic_link = false);

// POST /emails/render-email with a template: the e-mail of `type` as it
// would be sent once `subject` and `content` are saved (each, when absent or
// an empty subject, the project's template, else the built-in one), with
// sample values for the variables that e-mail gets (the project's own
// name). The document is checked as PATCH checks it: an invalid one is
// EMAIL_RENDERING_ERROR naming the problem. The request body's limits bound
// the document's size and shape; the renderer bounds the e-mail's (blocks
// rendered, bytes of HTML). Templates are not wrapped in the project's
// email_theme when sent (their EmailLayout block is their theme), so
// neither is the preview.
mail::RenderedEmail preview_email_template(store::Store& store, const store::Project& project,
                                           mail::TemplateType type,
                                           const std::optional<std::string>& subject,
                                           const std::optional<Json>& content);

// The sample values preview_email_template renders `type` with.
mail::TemplateVars sample_template_vars(const store::Project& project, mail::TemplateType type);

}  // namespace latchkey::core
