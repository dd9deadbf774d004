// E-mail templates: subject and document (Stack's e-mail editor format, as
// JSON) of each of the five e-mails, with a preview of the document's blocks.
import * as api from '../api.js';
import { busy, button, clear, confirmDialog, errorBox, field, h, input, toast } from '../dom.js';

const NAMES = {
  email_verification: 'E-mail verification', password_reset: 'Password reset', magic_link: 'Sign-in code / magic link',
  team_invitation: 'Team invitation', sign_in_invitation: 'Sign-in invitation',
};

// The document's blocks as the e-mail lays them out (text, headings,
// buttons, images, dividers, columns); colours and fonts are left out.
function preview(doc) {
  const blocks = doc && typeof doc === 'object' ? doc : {};
  const seen = new Set();
  const render = (id, depth) => {
    const block = blocks[id];
    if (!block || seen.has(id) || depth > 16) return null;
    seen.add(id);
    const data = block.data ?? {};
    const props = data.props ?? {};
    const kids = (ids) => (Array.isArray(ids) ? ids.map((c) => render(c, depth + 1)) : []);
    switch (block.type) {
      case 'EmailLayout': return h('div', { class: 'email-preview' }, kids(data.childrenIds));
      case 'Heading': return h(`h${Math.min(6, Math.max(2, Number(String(props.level ?? 'h2').replace('h', '')) || 2))}`, {}, props.text ?? '');
      case 'Text': return h('p', {}, props.text ?? '');
      case 'Button': return h('p', {}, h('span', { class: 'email-button' }, props.text ?? 'Button'),
                              h('span', { class: 'muted small' }, ` → ${props.url ?? ''}`));
      case 'Image': return h('p', { class: 'muted' }, `[image: ${props.alt || props.url || ''}]`);
      case 'Divider': return h('hr', {});
      case 'Spacer': return h('div', { class: 'email-spacer' });
      case 'Container': return h('div', {}, kids(props.childrenIds));
      case 'ColumnsContainer': return h('div', { class: 'email-columns' },
        (props.columns ?? []).map((col) => h('div', {}, kids(col?.childrenIds))));
      default: return null;
    }
  };
  const root = Object.keys(blocks).find((id) => blocks[id]?.type === 'EmailLayout');
  return root ? render(root, 0) : h('p', { class: 'error' }, 'The document has no EmailLayout block.');
}

function templateCard(ctx, t, editable) {
  const subject = input({ value: t.subject });
  const content = h('textarea', { rows: 14, class: 'mono', spellcheck: 'false', value: JSON.stringify(t.content, null, 2) });
  const view = h('div', { class: 'preview-box', 'aria-label': `Preview of ${NAMES[t.type] ?? t.type}`, role: 'region' });
  const errors = errorBox();
  const refresh = () => {
    try {
      clear(view).append(h('p', { class: 'preview-subject' }, subject.value), preview(JSON.parse(content.value)));
      errors.show('');
    } catch {
      errors.show('The document is not valid JSON.');
    }
  };
  content.addEventListener('input', refresh);
  subject.addEventListener('input', refresh);
  refresh();
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
    h('div', {}, h('span', { class: 'label' }, 'Preview'), view)), errors,
  h('div', { class: 'actions' }, reset, save));
  return h('details', { class: 'card provider' },
    h('summary', {}, h('span', { class: 'provider-name' }, NAMES[t.type] ?? t.type),
      h('span', { class: t.is_default ? 'badge' : 'badge on' }, t.is_default ? 'Built in' : 'Custom')), form);
}

export async function renderTemplates(ctx) {
  const items = await api.admin(ctx.projectId, 'GET', '/email-templates');
  const list = Array.isArray(items) ? items : items.items;
  const editable = ctx.project.config.email_config?.type === 'standard';
  return h('div', {}, h('h1', {}, 'E-mail templates'),
    editable ? h('p', { class: 'muted' }, 'Variables such as {{ projectDisplayName }}, {{ userDisplayName }} and the e-mail\'s link may be used in every text.')
             : h('p', { class: 'warning' }, 'Templates can be changed only with your own SMTP server (see ',
                 h('a', { href: ctx.path('email') }, 'E-mail'), ').'),
    list.map((t) => templateCard(ctx, t, editable)));
}
