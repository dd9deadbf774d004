// A project's overview (who signed up lately) and its settings (name,
// description, production mode, deletion).
import * as api from '../api.js';
import { DAY, busy, button, confirmDialog, copyable, errorBox, field, formatDate, h, input, section,
         toast, toggle } from '../dom.js';

const SAMPLE = 200;

export async function renderOverview(ctx) {
  const { project } = ctx;
  // The API has no statistics route: the counts come from the newest users
  // (GET /users, newest first), so they are exact up to SAMPLE sign-ups.
  const { items } = await api.admin(ctx.projectId, 'GET', '/users',
                                    { query: { order_by: 'signed_up_at', desc: 'true', limit: SAMPLE } });
  const now = Date.now();
  const count = (days) => {
    const n = items.filter((u) => u.signed_up_at_millis >= now - days * DAY).length;
    return n === items.length && items.length === SAMPLE ? `${n}+` : String(n);
  };
  const stat = (label, value) => h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, value),
                                   h('span', { class: 'stat-label' }, label));
  const config = project.config;
  const methods = [config.credential_enabled && 'Password', config.magic_link_enabled && 'OTP / magic link',
                   config.passkey_enabled && 'Passkeys',
                   ...(config.oauth_providers || []).map((p) => p.id)].filter(Boolean);
  return h('div', {},
    h('h1', {}, project.display_name),
    h('p', { class: 'muted' }, project.description || 'Overview'),
    h('div', { class: 'stats', role: 'group', 'aria-label': 'Sign-ups' },
      stat('Users', String(project.user_count ?? items.length)),
      stat('Sign-ups, last 24 hours', count(1)), stat('Sign-ups, last 7 days', count(7)),
      stat('Sign-ups, last 30 days', count(30))),
    section('Connect your app',
      copyable('Project ID', project.id),
      copyable('API base URL', `${api.publicUrl()}/api/v1`),
      h('p', { class: 'hint' }, 'Create keys under ', h('a', { href: ctx.path('keys') }, 'API keys'),
        '. Sign-in methods: ', methods.length ? methods.join(', ') : 'none enabled', '.')),
    section('Newest users',
      items.length
        ? h('ul', { class: 'plain' }, items.slice(0, 5).map((u) => h('li', {},
            h('a', { href: ctx.path('users', u.id) }, u.primary_email || u.display_name || u.id),
            h('span', { class: 'muted' }, ` · ${formatDate(u.signed_up_at_millis)}`))))
        : h('p', { class: 'empty' }, 'No one has signed up yet.')));
}

export async function renderSettings(ctx) {
  const { project } = ctx;
  const name = input({ value: project.display_name, required: true });
  const description = input({ value: project.description || '' });
  const errors = errorBox();
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const form = h('form', {
    onsubmit: async (event) => {
      event.preventDefault();
      const ok = await busy(save, errors, () => api.admin(ctx.projectId, 'PATCH', '/internal/projects/current', {
        body: { display_name: name.value.trim(), description: description.value.trim() },
      }));
      if (ok) {
        toast('Saved');
        ctx.reload();
      }
    },
  }, field('Project name', name), field('Description', description), errors,
  h('div', { class: 'actions' }, save));
  const production = toggle('Production mode', project.is_production_mode, async (event) => {
    const on = event.target.checked;
    const ok = await busy(event.target, null, () =>
      api.admin(ctx.projectId, 'PATCH', '/internal/projects/current', { body: { is_production_mode: on } }));
    if (ok) toast('Saved');
    else event.target.checked = !on;
  }, 'A flag for your own bookkeeping; Latchkey behaves the same either way.');
  const deleteErrors = errorBox();
  const remove = button('Delete project', async () => {
    if (!await confirmDialog('Delete this project?',
                             `“${project.display_name}” and all its users, teams and keys will be deleted. ` +
                             'This cannot be undone.', 'Delete project'))
      return;
    const ok = await busy(remove, deleteErrors,
                          () => api.admin(ctx.projectId, 'DELETE', '/internal/projects/current'));
    if (ok) {
      toast('Project deleted');
      ctx.navigate('/console/projects');
    }
  }, { class: 'danger' });
  return h('div', {}, h('h1', {}, 'Settings'),
    section('Project', form),
    section('Mode', production),
    section('Danger zone', h('p', {}, 'Deleting a project deletes its users, teams and keys.'),
      deleteErrors, remove));
}
