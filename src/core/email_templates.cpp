#include "core/email_templates.hpp"

#include "core/errors.hpp"
#include "mail/documents.hpp"

namespace latchkey::core {
namespace {

Json view(mail::TemplateType type, const std::string& subject, const Json& content,
          bool is_default) {
  return Json{{"type", std::string(mail::template_type_name(type))},
              {"subject", subject},
              {"content", content},
              {"is_default", is_default}};
}

Json default_view(mail::TemplateType type) {
  return view(type, mail::default_subject(type), mail::default_document(type), true);
}

}  // namespace

bool uses_shared_email_server(const store::Project& project) {
  if (!project.config.is_object()) return true;
  auto ec = project.config.find("email_config");
  return ec == project.config.end() || !ec->is_object() ||
         ec->value("type", "shared") != "standard";
}

const std::vector<mail::TemplateType>& email_template_types() {
  using T = mail::TemplateType;
  static const std::vector<T> kTypes{T::kEmailVerification, T::kPasswordReset, T::kMagicLink,
                                     T::kTeamInvitation, T::kSignInInvitation};
  return kTypes;
}

std::optional<mail::TemplateType> parse_template_type(std::string_view name) {
  for (auto t : email_template_types())
    if (mail::template_type_name(t) == name) return t;
  return std::nullopt;
}

Json list_email_templates(store::Store& store, const store::Project& project) {
  auto stored = store.emails().list_email_templates(project.id);
  Json items = Json::array();
  for (auto type : email_template_types()) {
    Json item = default_view(type);
    for (const auto& t : stored)
      if (t.type == mail::template_type_name(type)) item = view(type, t.subject, t.content, false);
    items.push_back(std::move(item));
  }
  return items;
}

Json get_email_template(store::Store& store, const store::Project& project,
                        mail::TemplateType type) {
  auto t =
      store.emails().get_email_template(project.id, std::string(mail::template_type_name(type)));
  return t ? view(type, t->subject, t->content, false) : default_view(type);
}

Json update_email_template(store::Store& store, const Clock& clock, const store::Project& project,
                           mail::TemplateType type, const std::optional<std::string>& subject,
                           const std::optional<Json>& content) {
  if (uses_shared_email_server(project))
    throw PlainError(400,
                     "Cannot update email templates in shared email config. Set up a custom email "
                     "config to update email templates.");
  if (content && mail::document_problem(*content))
    throw PlainError(400, "Invalid email template content");
  const std::string type_name(mail::template_type_name(type));
  auto old = store.emails().get_email_template(project.id, type_name);
  store::EmailTemplate t;
  t.project_id = project.id;
  t.type = type_name;
  // As in the reference, an empty subject keeps the previous one.
  t.subject = subject && !subject->empty() ? *subject
              : old                        ? old->subject
                                           : mail::default_subject(type);
  t.content = content ? *content : old ? old->content : mail::default_document(type);
  t.updated_at_millis = clock.now_millis();
  store.emails().save_email_template(t);
  return view(type, t.subject, t.content, false);
}

void delete_email_template(store::Store& store, const store::Project& project,
                           mail::TemplateType type) {
  if (!store.emails().delete_email_template(project.id,
                                            std::string(mail::template_type_name(type))))
    throw PlainError(404, "Email template not found");
}

mail::RenderedEmail render_auth_email(store::Store& store, const store::Project& project,
                                      mail::TemplateType type, const mail::TemplateVars& vars,
                                      bool legacy_magic_link) {
  auto t =
      store.emails().get_email_template(project.id, std::string(mail::template_type_name(type)));
  if (!t) return mail::render_email(type, vars, legacy_magic_link);
  return mail::render_document(t->subject, t->content, vars);
}

mail::TemplateVars sample_template_vars(const store::Project& project, mail::TemplateType type) {
  using T = mail::TemplateType;
  mail::TemplateVars vars{{"projectDisplayName", project.display_name}};
  // What the e-mail's link looks like: the SDK's handler page with a code.
  const char* page = "";
  switch (type) {
    case T::kEmailVerification:
      page = "email-verification";
      vars["userDisplayName"] = "John Doe";
      break;
    case T::kPasswordReset:
      page = "password-reset";
      vars["userDisplayName"] = "John Doe";
      break;
    case T::kMagicLink:
      page = "magic-link-callback";
      vars["otp"] = "3SLSWZ";
      break;
    case T::kTeamInvitation:
      page = "team-invitation";
      vars["teamDisplayName"] = "My Team";
      break;
    case T::kSignInInvitation:
      page = "sign-in";
      break;
  }
  vars[mail::template_text(type).link_var] =
      std::string("https://example.com/handler/") + page + "?code=sample-code";
  return vars;
}

mail::RenderedEmail preview_email_template(store::Store& store, const store::Project& project,
                                           mail::TemplateType type,
                                           const std::optional<std::string>& subject,
                                           const std::optional<Json>& content) {
  const mail::TemplateVars vars = sample_template_vars(project, type);
  auto stored =
      store.emails().get_email_template(project.id, std::string(mail::template_type_name(type)));
  const bool new_subject = subject && !subject->empty();
  if (!new_subject && !content && !stored) return mail::render_email(type, vars);
  const Json document = content  ? *content
                        : stored ? stored->content
                                 : mail::default_document(type);
  if (auto problem = mail::document_problem(document))
    throw errors::email_rendering_error(*problem);
  const std::string text = new_subject ? *subject
                           : stored    ? stored->subject
                                       : mail::default_subject(type);
  return mail::render_document(text, document, vars);
}

}  // namespace latchkey::core
