// Users: search and pages of the list, a new user, and one user's details
// (contact channels, sessions, teams, metadata, password reset, deletion).
import * as api from '../api.js';
import { ownedKeysSection } from './owned_keys.js';
import { busy, button, confirmDialog, errorBox, field, formatDate, h, input, pagedTable, section, table,
         toast } from '../dom.js';

const PAGE_SIZE = 20;

function userLabel(u) {
  return u.primary_email || u.display_name || (u.is_anonymous ? 'Anonymous user' : u.id);
}

export async function renderUsers(ctx) {
  const params = new URLSearchParams(location.search);
  const search = input({ type: 'search', name: 'query', value: params.get('query') ?? '',
                         placeholder: 'E-mail, name or id' });
  const results = pagedTable(['User', 'Display name', 'Signed up', 'Last active'], 'Pages of users', async (cursor) => {
    const query = search.value.trim();
    const page = await api.admin(ctx.projectId, 'GET', '/users', {
      query: { limit: PAGE_SIZE, cursor, query, order_by: 'signed_up_at', desc: 'true' },
    });
    const rows = page.items.map((u) => [
      h('a', { href: ctx.path('users', u.id) }, userLabel(u)),
      u.display_name ?? '—',
      formatDate(u.signed_up_at_millis),
      formatDate(u.last_active_at_millis),
    ]);
    return { rows, next: page.pagination?.next_cursor, empty: query ? `No user matches “${query}”.` : 'No users yet.' };
  });
  const searchForm = h('form', {
    class: 'inline-form', role: 'search',
    onsubmit: async (event) => {
      event.preventDefault();
      const q = search.value.trim();
      history.replaceState(null, '', q ? `?query=${encodeURIComponent(q)}` : location.pathname);
      await results.restart();
    },
  }, field('Search users', search), h('button', { type: 'submit' }, 'Search'));

  const email = input({ type: 'email', required: true });
  const password = input({ type: 'password', autocomplete: 'new-password' });
  const createErrors = errorBox();
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create user');
  const newForm = h('form', {
    class: 'card', hidden: true, 'aria-label': 'New user',
    onsubmit: async (event) => {
      event.preventDefault();
      const body = { primary_email: email.value.trim(), primary_email_auth_enabled: true };
      if (password.value) body.password = password.value;
      const user = await busy(create, createErrors, () => api.admin(ctx.projectId, 'POST', '/users', { body }));
      if (user) ctx.navigate(ctx.path('users', user.id));
    },
  }, h('h2', {}, 'New user'), field('Email', email), field('Password', password, 'Optional: without one, the user signs in another way.'),
  createErrors, h('div', { class: 'actions' }, button('Cancel', () => { newForm.hidden = true; }), create));

  await results.restart();
  return h('div', {},
    h('div', { class: 'page-head' }, h('h1', {}, 'Users'),
      button('New user', () => { newForm.hidden = false; email.focus(); }, { class: 'primary' })),
    newForm, searchForm, results);
}

function jsonEditor(label, value) {
  return h('textarea', { rows: 5, class: 'mono', spellcheck: 'false', 'aria-label': label,
                         value: JSON.stringify(value ?? {}, null, 2) });
}

export async function renderUser(ctx) {
  const userId = ctx.itemId;
  const [user, channels, sessions, teams, granted, definitions] = await Promise.all([
    api.admin(ctx.projectId, 'GET', `/users/${encodeURIComponent(userId)}`),
    api.admin(ctx.projectId, 'GET', '/contact-channels', { query: { user_id: userId } }),
    api.admin(ctx.projectId, 'GET', '/auth/sessions', { query: { user_id: userId } }),
    api.admin(ctx.projectId, 'GET', '/teams', { query: { user_id: userId } }),
    api.admin(ctx.projectId, 'GET', '/project-permissions', { query: { user_id: userId } }),
    api.admin(ctx.projectId, 'GET', '/project-permission-definitions'),
  ]);

  // Project permissions
  const own = granted.items.map((p) => p.id);
  const permPath = (id) => `/project-permissions/${encodeURIComponent(userId)}/${encodeURIComponent(id)}`;
  const grantSelect = h('select', { 'aria-label': 'Project permission to grant' },
    definitions.items.filter((d) => !own.includes(d.id)).map((d) => h('option', { value: d.id }, d.id)));
  const permissions = h('div', {},
    own.length ? h('span', { class: 'chips' }, own.map((id) => h('span', { class: 'chip' }, h('span', {}, id),
      button('×', async (event) => {
        const ok = await busy(event.target, null, () => api.admin(ctx.projectId, 'DELETE', permPath(id)));
        if (ok) { toast('Permission removed'); ctx.reload(); }
      }, { 'aria-label': `Remove project permission ${id}`, class: 'chip-remove' }))))
      : h('p', { class: 'empty' }, 'No project permission.'),
    grantSelect.options.length
      ? h('div', { class: 'row-actions' }, grantSelect, button('Grant', async (event) => {
        const ok = await busy(event.target, null, () => api.admin(ctx.projectId, 'POST', permPath(grantSelect.value), { body: {} }));
        if (ok) { toast('Permission granted'); ctx.reload(); }
      }, { 'aria-label': 'Grant project permission' }))
      : h('p', { class: 'hint' }, 'Define project permissions under ', h('a', { href: ctx.path('permissions') }, 'Permissions'), '.'));

  // Profile
  const displayName = input({ value: user.display_name ?? '' });
  const profileErrors = errorBox();
  const saveProfile = h('button', { type: 'submit', class: 'primary' }, 'Save profile');
  const profile = h('form', {
    onsubmit: async (event) => {
      event.preventDefault();
      const ok = await busy(saveProfile, profileErrors, () => api.admin(ctx.projectId, 'PATCH',
        `/users/${encodeURIComponent(userId)}`, { body: { display_name: displayName.value.trim() || null } }));
      if (ok) toast('Saved');
    },
  }, field('Display name', displayName),
  h('dl', { class: 'facts' },
    h('dt', {}, 'User ID'), h('dd', { class: 'mono' }, user.id),
    h('dt', {}, 'Primary e-mail'), h('dd', {}, user.primary_email ?? '—',
      user.primary_email ? h('span', { class: user.primary_email_verified ? 'badge on' : 'badge' },
                             user.primary_email_verified ? 'verified' : 'not verified') : null),
    h('dt', {}, 'Signed up'), h('dd', {}, formatDate(user.signed_up_at_millis)),
    h('dt', {}, 'Last active'), h('dd', {}, formatDate(user.last_active_at_millis)),
    h('dt', {}, 'Sign-in'), h('dd', {}, [user.has_password && 'password', user.otp_auth_enabled && 'OTP',
      user.passkey_auth_enabled && 'passkey', ...(user.oauth_providers || []).map((p) => p.id)]
      .filter(Boolean).join(', ') || '—')),
  profileErrors, h('div', { class: 'actions' }, saveProfile));

  // Sessions
  const sessionRows = sessions.items.map((s) => [
    formatDate(s.created_at), formatDate(s.last_used_at), s.is_impersonation ? 'impersonation' : 'sign-in',
    button('Revoke', async (event) => {
      if (!await confirmDialog('Revoke this session?', 'The device signed in with it will be signed out.', 'Revoke'))
        return;
      const ok = await busy(event.target, null, () => api.admin(ctx.projectId, 'DELETE',
        `/auth/sessions/${encodeURIComponent(s.id)}`, { query: { user_id: userId } }));
      if (ok) {
        toast('Session revoked');
        ctx.reload();
      }
    }, { 'aria-label': `Revoke session created ${formatDate(s.created_at)}`, class: 'danger-quiet' }),
  ]);

  // Metadata
  const editors = {
    client_metadata: jsonEditor('Client metadata', user.client_metadata),
    client_read_only_metadata: jsonEditor('Client read-only metadata', user.client_read_only_metadata),
    server_metadata: jsonEditor('Server metadata', user.server_metadata),
  };
  const metaErrors = errorBox();
  const saveMeta = h('button', { type: 'submit', class: 'primary' }, 'Save metadata');
  const metadata = h('form', {
    onsubmit: async (event) => {
      event.preventDefault();
      const body = {};
      for (const [key, el] of Object.entries(editors)) {
        try {
          body[key] = JSON.parse(el.value || 'null');
        } catch {
          metaErrors.show(`${el.getAttribute('aria-label')} is not valid JSON.`);
          el.focus();
          return;
        }
      }
      const ok = await busy(saveMeta, metaErrors, () => api.admin(ctx.projectId, 'PATCH',
        `/users/${encodeURIComponent(userId)}`, { body }));
      if (ok) toast('Saved');
    },
  },
  h('p', { class: 'hint' }, 'Client metadata: the user may read and change it. Read-only: the user may read it. ' +
    'Server metadata: only your server sees it.'),
  h('div', { class: 'grid-3' }, Object.entries(editors).map(([, el]) =>
    h('label', { class: 'field' }, h('span', { class: 'label' }, el.getAttribute('aria-label')), el))),
  metaErrors, h('div', { class: 'actions' }, saveMeta));

  // Actions
  const actionErrors = errorBox();
  const domains = ctx.project.config.domains || [];
  const callback = input({ type: 'url', value: domains.length ? `${domains[0].domain}${domains[0].handler_path}/password-reset`
                                                              : 'http://localhost:3000/handler/password-reset' });
  const sendReset = button('Send password reset e-mail', async () => {
    const ok = await busy(sendReset, actionErrors, () => api.admin(ctx.projectId, 'POST', '/auth/password/send-reset-code', {
      body: { email: user.primary_email, callback_url: callback.value.trim() },
    }));
    if (ok) toast('Password reset e-mail sent');
  }, { disabled: !user.primary_email });
  const remove = button('Delete user', async () => {
    if (!await confirmDialog('Delete this user?', `${userLabel(user)} will be deleted with their sessions and ` +
                             'memberships. This cannot be undone.', 'Delete user'))
      return;
    const ok = await busy(remove, actionErrors, () => api.admin(ctx.projectId, 'DELETE', `/users/${encodeURIComponent(userId)}`));
    if (ok) {
      toast('User deleted');
      ctx.navigate(ctx.path('users'));
    }
  }, { class: 'danger' });

  const keys = await ownedKeysSection(ctx, 'user', userId);
  return h('div', {},
    h('p', { class: 'crumbs' }, h('a', { href: ctx.path('users') }, 'Users'), ' / '),
    h('h1', {}, userLabel(user)),
    section('Profile', profile),
    section('Contact channels', table(['Type', 'Value', 'Primary', 'Verified', 'Used to sign in'],
      channels.items.map((c) => [c.type, c.value, c.is_primary ? 'yes' : 'no', c.is_verified ? 'yes' : 'no',
                                 c.used_for_auth ? 'yes' : 'no']), 'No contact channel.')),
    section('Sessions', table(['Created', 'Last used', 'Kind', ''], sessionRows, 'No active session.')),
    section('Teams', teams.items.length
      ? h('ul', { class: 'plain' }, teams.items.map((t) => h('li', {}, h('a', { href: ctx.path('teams', t.id) }, t.display_name))))
      : h('p', { class: 'empty' }, 'Not a member of any team.')),
    section('Project permissions', permissions),
    section('Metadata', metadata),
    keys,
    section('Account', field('Password reset link goes to', callback, 'A trusted domain of the project.'),
      h('div', { class: 'actions' }, sendReset, remove), actionErrors));
}
