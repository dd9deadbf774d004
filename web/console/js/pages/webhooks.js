// Webhook endpoints (Latchkey's Svix-compatible API): add, enable/disable,
// the signing secret, recent delivery attempts with the payload each
// delivered, delete.
import * as api from '../api.js';
import { busy, button, clear, confirmDialog, copyable, errorBox, field, h, input, section, table,
         toast } from '../dom.js';

const EVENTS = ['user.created', 'user.updated', 'user.deleted', 'team.created', 'team.updated', 'team.deleted',
                'team_membership.created', 'team_membership.deleted', 'team_permission.created',
                'team_permission.deleted', 'project_permission.created', 'project_permission.deleted'];
const STATUS = ['Delivered', 'Pending', 'Failed', 'Sending'];

function endpointCard(ctx, e) {
  const enc = encodeURIComponent;
  const details = h('div', {});
  const secretButton = button('Show signing secret', async () => {
    const r = await busy(secretButton, null, () => api.svix(ctx.projectId, 'GET', `/endpoint/${enc(e.id)}/secret`));
    if (r) secretButton.replaceWith(copyable(`Signing secret of ${e.url}`, r.key));
  });
  // The event an attempt delivered, read from its message (Svix's GET
  // /msg/{id}), shown below the attempts.
  const payload = h('div', { 'aria-live': 'polite' });
  const payloadButton = (msgId) => {
    const b = button('Show payload', async () => {
      const m = await busy(b, null, () => api.svix(ctx.projectId, 'GET', `/msg/${enc(msgId)}`));
      if (!m) return;
      clear(payload).append(h('h4', {}, `Payload of ${m.eventType} `, h('span', { class: 'mono small' }, m.id)),
        h('pre', { class: 'mono payload', tabindex: '0', 'aria-label': `Payload of message ${m.id}` },
          JSON.stringify(m.payload, null, 2)));
    }, { 'aria-label': `Show payload of message ${msgId}` });
    return b;
  };
  const attemptsButton = button('Show delivery attempts', async () => {
    const r = await busy(attemptsButton, null, () => api.svix(ctx.projectId, 'GET', `/attempt/endpoint/${enc(e.id)}`));
    if (!r) return;
    clear(payload);
    clear(details).append(table(['When', 'Event message', 'Status', 'HTTP status', ''],
      r.data.map((a) => [new Date(a.timestamp).toLocaleString(), h('span', { class: 'mono small' }, a.msgId),
                         STATUS[a.status] ?? String(a.status), String(a.responseStatusCode), payloadButton(a.msgId)]),
      'No delivery attempt yet.'), payload);
  });
  const enabled = h('input', { type: 'checkbox', role: 'switch', checked: !e.disabled,
    onchange: async (event) => {
      const on = event.target.checked;
      const ok = await busy(event.target, null, () => api.svix(ctx.projectId, 'PATCH', `/endpoint/${enc(e.id)}`, { disabled: !on }));
      if (ok) toast(on ? 'Endpoint enabled' : 'Endpoint disabled');
      else event.target.checked = !on;
    } });
  const remove = button('Delete', async () => {
    if (!await confirmDialog('Delete this endpoint?', `${e.url} will receive no more events.`)) return;
    const ok = await busy(remove, null, async () => {
      await api.svix(ctx.projectId, 'DELETE', `/endpoint/${enc(e.id)}`);
      return true;
    });
    if (ok) { toast('Endpoint deleted'); ctx.reload(); }
  }, { 'aria-label': `Delete endpoint ${e.url}`, class: 'danger-quiet' });
  return h('div', { class: 'card' },
    h('h3', { class: 'mono' }, e.url),
    e.description ? h('p', { class: 'muted' }, e.description) : null,
    h('p', { class: 'small muted' }, 'Events: ', e.filterTypes?.length ? e.filterTypes.join(', ') : 'all'),
    h('label', { class: 'toggle' }, enabled, h('span', { class: 'toggle-label' }, `Deliver to ${e.url}`)),
    h('div', { class: 'row-actions' }, secretButton, attemptsButton, remove), details);
}

export async function renderWebhooks(ctx) {
  const { data } = await api.svix(ctx.projectId, 'GET', '/endpoint');
  const url = input({ type: 'url', required: true, placeholder: 'https://example.com/webhooks' });
  const description = input({});
  const events = h('select', { multiple: true, size: 6 }, EVENTS.map((t) => h('option', { value: t }, t)));
  const errors = errorBox();
  const add = h('button', { type: 'submit', class: 'primary' }, 'Add endpoint');
  const form = h('form', {
    onsubmit: async (event) => {
      event.preventDefault();
      const body = { url: url.value.trim(), description: description.value.trim() };
      const chosen = [...events.selectedOptions].map((o) => o.value);
      if (chosen.length) body.filterTypes = chosen;
      const ok = await busy(add, errors, () => api.svix(ctx.projectId, 'POST', '/endpoint', body));
      if (ok) { toast('Endpoint added'); ctx.reload(); }
    },
  }, field('Endpoint URL', url), field('Description', description),
  field('Events', events, 'None chosen: every event. Ctrl/⌘-click to choose several.'), errors,
  h('div', { class: 'actions' }, add));
  return h('div', {}, h('h1', {}, 'Webhooks'),
    h('p', { class: 'muted' }, 'Events are signed the Svix way; verify them with Svix\'s libraries and the endpoint\'s secret.'),
    data.length ? data.map((e) => endpointCard(ctx, e)) : h('p', { class: 'empty' }, 'No endpoint yet.'),
    section('New endpoint', form));
}
