// The e-mail server (shared or own SMTP, with a test e-mail) and the log of
// sent e-mails.
import * as api from '../api.js';
import { busy, errorBox, field, formatDate, h, input, pagedTable, section, toast } from '../dom.js';
import { saveConfig } from '../project.js';

const SENT_PAGE_SIZE = 20;

// A failed delivery's error as the log has it ({"message": …} or any JSON).
function errorText(error) {
  return typeof error?.message === 'string' ? error.message : JSON.stringify(error);
}

export async function renderEmail(ctx) {
  const current = ctx.project.config.email_config || { type: 'shared' };
  const shared = h('input', { type: 'radio', name: 'email-type', value: 'shared', checked: current.type !== 'standard' });
  const standard = h('input', { type: 'radio', name: 'email-type', value: 'standard', checked: current.type === 'standard' });
  const f = {
    host: input({ value: current.host ?? '', placeholder: 'smtp.example.com' }),
    port: input({ type: 'number', min: 1, max: 65535, value: current.port ?? 587 }),
    username: input({ value: current.username ?? '', autocomplete: 'off' }),
    password: input({ type: 'password', value: current.password ?? '', autocomplete: 'off' }),
    sender_name: input({ value: current.sender_name ?? '' }),
    sender_email: input({ type: 'email', value: current.sender_email ?? '' }),
  };
  const smtp = h('div', { class: 'grid-2' },
    field('SMTP host', f.host), field('Port', f.port), field('Username', f.username),
    field('SMTP password', f.password), field('Sender name', f.sender_name),
    field('Sender e-mail', f.sender_email));
  const show = () => { smtp.hidden = !standard.checked; testBox.hidden = !standard.checked; };
  const smtpConfig = () => ({
    host: f.host.value.trim(), port: Number(f.port.value), username: f.username.value.trim(),
    password: f.password.value, sender_name: f.sender_name.value.trim(), sender_email: f.sender_email.value.trim(),
  });
  const errors = errorBox();
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const theme = h('select', {}, [['default-light', 'Light'], ['default-dark', 'Dark']].map(([value, label]) =>
    h('option', { value, selected: ctx.project.config.email_theme === value }, label)));
  const form = h('form', {
    onsubmit: async (event) => {
      event.preventDefault();
      const email_config = standard.checked ? { type: 'standard', ...smtpConfig() } : { type: 'shared' };
      await busy(save, errors, () => saveConfig(ctx, { email_config, email_theme: theme.value }));
    },
  },
  h('fieldset', {}, h('legend', {}, 'E-mail server'),
    h('label', { class: 'radio' }, shared, 'Shared (the server\'s own mail settings)'),
    h('label', { class: 'radio' }, standard, 'My own SMTP server')),
  smtp, field('E-mail theme', theme), errors, h('div', { class: 'actions' }, save));

  const recipient = input({ type: 'email', required: true });
  const testErrors = errorBox();
  const result = h('p', { role: 'status' });
  const send = h('button', { type: 'submit' }, 'Send test e-mail');
  const testBox = h('form', {
    class: 'inline-form',
    onsubmit: async (event) => {
      event.preventDefault();
      result.textContent = '';
      const r = await busy(send, testErrors, () => api.admin(ctx.projectId, 'POST', '/internal/send-test-email', {
        body: { recipient_email: recipient.value.trim(), email_config: smtpConfig() },
      }));
      if (!r) return;
      if (r.success) {
        result.textContent = 'The test e-mail was sent.';
        toast('Test e-mail sent');
      } else {
        testErrors.show(r.error_message || 'The test e-mail could not be sent.');
      }
    },
  }, field('Send a test e-mail to', recipient), send);
  shared.addEventListener('change', show);
  standard.addEventListener('change', show);
  show();
  return h('div', {}, h('h1', {}, 'E-mail'),
    section('Server', form),
    section('Test', h('p', { class: 'hint' }, 'Sends through the SMTP settings above (saved or not).'),
      testBox, testErrors, result));
}

// A page of the log at a time, newest first (GET /internal/emails with
// limit and cursor).
export async function renderSentEmails(ctx) {
  const log = pagedTable(['Sent', 'To', 'Subject', 'Status'], 'Pages of sent e-mails', async (cursor) => {
    const page = await api.admin(ctx.projectId, 'GET', '/internal/emails', { query: { limit: SENT_PAGE_SIZE, cursor } });
    const rows = page.items.map((m) => [formatDate(m.sent_at_millis), (m.to || []).join(', '), m.subject,
      m.error ? [h('span', { class: 'badge bad' }, 'Failed'), ' ', h('small', { class: 'muted' }, errorText(m.error))]
              : h('span', { class: 'badge on' }, 'Sent')]);
    return { rows, next: page.pagination?.next_cursor, empty: 'No e-mail sent yet.' };
  });
  await log.restart();
  return h('div', {}, h('h1', {}, 'Sent e-mails'),
    h('p', { class: 'muted' }, 'Every e-mail this project sent or tried to send, newest first.'), log);
}
