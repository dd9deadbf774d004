// E-mail templates: subject and document (Stack's e-mail editor format, as
// JSON) of each of the five e-mails, with a live preview: the server renders
// the unsaved template (POST /emails/render-email with template_*) as it
// would be sent, with sample values, and the HTML is shown in a sandboxed
// frame.
import * as api from '../api.js';
import { busy, button, confirmDialog, errorBox, field, h, input, toast } from '../dom.js';

const NAMES = {
  email_verification: 'E-mail verification', password_reset: 'Password reset', magic_link: 'Sign-in code / magic link',
  team_invitation: 'Team invitation', sign_in_invitation: 'Sign-in invitation',
};
// How long typing must pause before the preview is rendered again.
const PREVIEW_DELAY_MS = 400;
const PREVIEW_PAGE = '/console/preview.html';

// The frame the rendered e-mail is shown in. The console's own CSP (no
// inline style) would be inherited by a srcdoc or blob: document and strip
// the e-mail's inline styles, so the frame loads /console/preview.html,
// served with a CSP of its own (inline style and https images only, no
// script at all). sandbox without allow-scripts: nothing in the e-mail can
// run; allow-same-origin only so that the console may put the rendered
// document into the frame (the e-mail's HTML is escaped by the server's
// renderer).
function previewFrame(title) {
  const frame = h('iframe', { class: 'email-frame', title, sandbox: 'allow-same-origin', src: PREVIEW_PAGE });
  const loaded = new Promise((resolve) => {
    const check = () => {
      const doc = frame.contentDocument;
      if (doc && doc.readyState === 'complete' && doc.location.pathname === PREVIEW_PAGE) resolve();
      else frame.addEventListener('load', check, { once: true });
    };
    check();
  });
  frame.show = async (html) => {
    await loaded;
    const doc = frame.contentDocument;
    // Parsed by the frame's own document, under the frame's policy (a
    // DOMParser of the console would parse it under the console's, which
    // refuses the inline styles); nothing in a sandboxed frame without
    // allow-scripts runs.
    doc.documentElement.innerHTML = html;
    // As tall as the e-mail (within bounds), so the page scrolls, not the frame.
    frame.style.height = `${Math.min(Math.max(doc.documentElement.scrollHeight, 240), 1600)}px`;
  };
  return frame;
}

function templateCard(ctx, t, editable) {
  const name = NAMES[t.type] ?? t.type;
  const subject = input({ value: t.subject });
  const content = h('textarea', { rows: 18, class: 'mono', spellcheck: 'false', value: JSON.stringify(t.content, null, 2) });
  const errors = errorBox();
  const previewErrors = errorBox();
  const renderedSubject = h('p', { class: 'preview-subject' });
  const frame = previewFrame(`Preview of ${name}`);
  const status = h('span', { class: 'muted small', role: 'status' });

  // Renders what the fields hold now; a slower answer to an older edit is
  // dropped.
  let latest = 0;
  let timer;
  const refresh = async () => {
    clearTimeout(timer);
    const mine = ++latest;
    let doc;
    try {
      doc = JSON.parse(content.value);
    } catch {
      previewErrors.show('The document is not valid JSON.');
      return;
    }
    status.textContent = 'Rendering…';
    try {
      const r = await api.admin(ctx.projectId, 'POST', '/emails/render-email', {
        body: { template_type: t.type, template_subject: subject.value, template_content: doc },
      });
      if (mine !== latest) return;
      previewErrors.show('');
      renderedSubject.textContent = `Subject: ${r.subject}`;
      await frame.show(r.html);
    } catch (e) {
      if (mine === latest) previewErrors.show(e.message || String(e));
    } finally {
      if (mine === latest) status.textContent = '';
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, PREVIEW_DELAY_MS);
  };
  content.addEventListener('input', later);
  subject.addEventListener('input', later);

  const save = h('button', { type: 'submit', class: 'primary', disabled: !editable }, 'Save template');
  const reset = button('Reset to default', async () => {
    if (!await confirmDialog('Reset this template?', 'The built-in template will be used again.', 'Reset')) return;
    const ok = await busy(reset, errors, () => api.admin(ctx.projectId, 'DELETE', `/email-templates/${t.type}`));
    if (ok) { toast('Template reset'); ctx.reload(); }
  }, { disabled: t.is_default || !editable });
  const form = h('form', {
    onsubmit: async (event) => {
      event.preventDefault();
      let doc;
      try {
        doc = JSON.parse(content.value);
      } catch {
        errors.show('The document is not valid JSON.');
        return;
      }
      const ok = await busy(save, errors, () => api.admin(ctx.projectId, 'PATCH', `/email-templates/${t.type}`,
        { body: { subject: subject.value, content: doc } }));
      if (ok) { toast('Template saved'); ctx.reload(); }
    },
  }, field('Subject', subject), h('div', { class: 'grid-2' }, field('Document (JSON)', content),
    h('div', { class: 'preview' }, h('span', { class: 'label' }, 'Preview ', status), renderedSubject, previewErrors, frame)),
  errors, h('div', { class: 'actions' }, reset, save));
  const card = h('details', { class: 'card provider' },
    h('summary', {}, h('span', { class: 'provider-name' }, name),
      h('span', { class: t.is_default ? 'badge' : 'badge on' }, t.is_default ? 'Built in' : 'Custom')), form);
  // Rendered when first opened, not for every card at once.
  let opened = false;
  card.addEventListener('toggle', () => {
    if (card.open && !opened) {
      opened = true;
      refresh();
    }
  });
  return card;
}

export async function renderTemplates(ctx) {
  const items = await api.admin(ctx.projectId, 'GET', '/email-templates');
  const list = Array.isArray(items) ? items : items.items;
  const editable = ctx.project.config.email_config?.type === 'standard';
  return h('div', {}, h('h1', {}, 'E-mail templates'),
    h('p', { class: 'muted' }, 'Variables such as {{ projectDisplayName }}, {{ userDisplayName }} and the e-mail\'s link may be used in every text. ',
      'The preview shows the e-mail as it would be sent, with sample values, while you edit.'),
    editable ? null
             : h('p', { class: 'warning' }, 'Templates can be changed only with your own SMTP server (see ',
                 h('a', { href: ctx.path('email') }, 'E-mail'), ').'),
    list.map((t) => templateCard(ctx, t, editable)));
}
