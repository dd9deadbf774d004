// A user's or a team's API keys (when the project allows them): the list,
// a new key (its value shown once), revocation.
import * as api from '../api.js';
import { DAY, busy, button, confirmDialog, copyable, errorBox, field, formatDate, h, input, keyStatus, section,
         table, toast } from '../dom.js';

// type: 'user' or 'team'.
export async function ownedKeysSection(ctx, type, ownerId) {
  const title = type === 'user' ? 'API keys of this user' : 'API keys of this team';
  const flag = type === 'user' ? 'allow_user_api_keys' : 'allow_team_api_keys';
  if (!ctx.project.config[flag]) {
    return section(title, h('p', { class: 'muted' }, `${type === 'user' ? 'User' : 'Team'} API keys are off for this project; `,
      'turn them on under ', h('a', { href: ctx.path('auth') }, 'Authentication'), '.'));
  }
  const base = type === 'user' ? '/user-api-keys' : '/team-api-keys';
  const ownerKey = type === 'user' ? 'user_id' : 'team_id';
  const { items } = await api.admin(ctx.projectId, 'GET', base, { query: { [ownerKey]: ownerId } });
  const description = input({ required: true, 'aria-label': `New ${type} API key description` });
  const expires = h('select', { 'aria-label': 'Expires in' }, [[30, '30 days'], [365, '1 year'], [0, 'Never']]
    .map(([days, label]) => h('option', { value: days, selected: days === 365 }, label)));
  const shown = h('div', { 'aria-live': 'polite' });
  const errors = errorBox();
  const create = h('button', { type: 'submit' }, 'Create API key');
  const form = h('form', {
    class: 'inline-form',
    onsubmit: async (event) => {
      event.preventDefault();
      const days = Number(expires.value);
      const key = await busy(create, errors, () => api.admin(ctx.projectId, 'POST', base, {
        body: { [ownerKey]: ownerId, description: description.value.trim(),
                expires_at_millis: days ? Date.now() + days * DAY : null },
      }));
      if (!key) return;
      toast('API key created');
      shown.replaceChildren(h('div', { class: 'card new-keys' },
        h('p', { class: 'warning' }, 'Copy the key now: it is shown only once.'),
        copyable('New API key', key.value), button('Done', () => ctx.reload())));
    },
  }, field('Description', description), field('Expires in', expires), create);
  const rows = items.map((k) => [k.description, h('span', { class: 'mono' }, `…${k.value?.last_four ?? ''}`),
    keyStatus(k.manually_revoked_at_millis, k.expires_at_millis),
    formatDate(k.created_at_millis), k.expires_at_millis ? formatDate(k.expires_at_millis) : 'never',
    k.manually_revoked_at_millis ? '' : button('Revoke', async (event) => {
      if (!await confirmDialog('Revoke this API key?', `“${k.description}” will stop working at once.`, 'Revoke')) return;
      const ok = await busy(event.target, null, () => api.admin(ctx.projectId, 'PATCH',
        `${base}/${encodeURIComponent(k.id)}`, { body: { revoked: true } }));
      if (ok) { toast('API key revoked'); ctx.reload(); }
    }, { 'aria-label': `Revoke API key ${k.description}`, class: 'danger-quiet' })]);
  return section(title, table(['Description', 'Key', 'Status', 'Created', 'Expires', ''], rows, 'No API key.'),
                 shown, form, errors);
}
