// The project's API key sets: create (the keys are shown once), revoke.
import * as api from '../api.js';
import { DAY, busy, button, confirmDialog, copyable, errorBox, field, formatDate, h, input, keyStatus, section,
         table, toast } from '../dom.js';


export async function renderKeys(ctx) {
  const { items } = await api.admin(ctx.projectId, 'GET', '/internal/api-keys');
  const description = input({ required: true, value: 'Created in the console' });
  const expires = h('select', {}, [[30, '30 days'], [90, '90 days'], [365, '1 year'], [3650, '10 years']]
    .map(([days, label]) => h('option', { value: days, selected: days === 365 }, label)));
  const kinds = {
    has_publishable_client_key: h('input', { type: 'checkbox', checked: true }),
    has_secret_server_key: h('input', { type: 'checkbox', checked: true }),
    has_super_secret_admin_key: h('input', { type: 'checkbox', checked: false }),
  };
  const labels = { has_publishable_client_key: 'Publishable client key', has_secret_server_key: 'Secret server key',
                   has_super_secret_admin_key: 'Super secret admin key' };
  const shown = h('div', { 'aria-live': 'polite' });
  const errors = errorBox();
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create key set');
  const form = h('form', {
    onsubmit: async (event) => {
      event.preventDefault();
      const body = { description: description.value.trim(),
                     expires_at_millis: Date.now() + Number(expires.value) * DAY };
      for (const [key, box] of Object.entries(kinds)) body[key] = box.checked;
      if (!Object.values(kinds).some((b) => b.checked)) {
        errors.show('Choose at least one kind of key.');
        return;
      }
      const created = await busy(create, errors, () => api.admin(ctx.projectId, 'POST', '/internal/api-keys', { body }));
      if (!created) return;
      toast('Key set created');
      const keys = [['publishable_client_key', 'Publishable client key'], ['secret_server_key', 'Secret server key'],
                    ['super_secret_admin_key', 'Super secret admin key']].filter(([k]) => created[k]);
      shown.replaceChildren(h('div', { class: 'card new-keys' },
        h('h2', {}, 'Your new keys'),
        h('p', { class: 'warning' }, 'Copy them now: they are shown only once.'),
        copyable('Project ID', ctx.projectId),
        keys.map(([k, label]) => copyable(label, created[k])),
        button('Done', () => ctx.reload(), { class: 'primary' })));
      shown.querySelector('input')?.focus();
    },
  }, field('Description', description), field('Expires in', expires),
  h('fieldset', {}, h('legend', {}, 'Keys'),
    Object.entries(kinds).map(([key, box]) => h('label', { class: 'radio' }, box, labels[key]))),
  errors, h('div', { class: 'actions' }, create));

  const last4 = (k) => (k ? `…${k.last_four}` : '—');
  const rows = items.map((k) => [k.description, keyStatus(k.manually_revoked_at_millis, k.expires_at_millis), h('span', { class: 'mono' }, last4(k.publishable_client_key)),
    h('span', { class: 'mono' }, last4(k.secret_server_key)), h('span', { class: 'mono' }, last4(k.super_secret_admin_key)),
    formatDate(k.created_at_millis), formatDate(k.expires_at_millis),
    k.manually_revoked_at_millis ? '' : button('Revoke', async (event) => {
      if (!await confirmDialog('Revoke this key set?', `Apps using “${k.description}” will stop working at once.`, 'Revoke'))
        return;
      const ok = await busy(event.target, null, () => api.admin(ctx.projectId, 'PATCH',
        `/internal/api-keys/${encodeURIComponent(k.id)}`, { body: { revoked: true } }));
      if (ok) { toast('Key set revoked'); ctx.reload(); }
    }, { 'aria-label': `Revoke key set ${k.description}`, class: 'danger-quiet' })]);
  return h('div', {}, h('h1', {}, 'API keys'),
    shown,
    section('Key sets', table(['Description', 'Status', 'Client', 'Server', 'Admin', 'Created', 'Expires', ''], rows,
                              'No key set yet.')),
    section('New key set', form));
}
