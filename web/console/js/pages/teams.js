// Teams: the list, a new team, and one team's members, permissions and
// invitations.
import * as api from '../api.js';
import { ownedKeysSection } from './owned_keys.js';
import { busy, button, confirmDialog, errorBox, field, formatDate, h, input, section, table,
         toast } from '../dom.js';

export async function renderTeams(ctx) {
  const { items } = await api.admin(ctx.projectId, 'GET', '/teams');
  const name = input({ required: true });
  const errors = errorBox();
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create team');
  const form = h('form', {
    class: 'card', hidden: true, 'aria-label': 'New team',
    onsubmit: async (event) => {
      event.preventDefault();
      const team = await busy(create, errors, () => api.admin(ctx.projectId, 'POST', '/teams', {
        body: { display_name: name.value.trim() },
      }));
      if (team) ctx.navigate(ctx.path('teams', team.id));
    },
  }, h('h2', {}, 'New team'), field('Team name', name), errors,
  h('div', { class: 'actions' }, button('Cancel', () => { form.hidden = true; }), create));
  const rows = items.map((t) => [h('a', { href: ctx.path('teams', t.id) }, t.display_name),
                                 formatDate(t.created_at_millis), h('span', { class: 'mono small' }, t.id)]);
  return h('div', {},
    h('div', { class: 'page-head' }, h('h1', {}, 'Teams'),
      button('New team', () => { form.hidden = false; name.focus(); }, { class: 'primary' })),
    form, table(['Team', 'Created', 'ID'], rows, 'No teams yet.'));
}

async function findUserByEmail(ctx, email) {
  const { items } = await api.admin(ctx.projectId, 'GET', '/users', { query: { query: email, limit: 20 } });
  const wanted = email.toLowerCase();
  const user = items.find((u) => (u.primary_email || '').toLowerCase() === wanted);
  if (!user) throw new Error(`No user of this project has the e-mail ${email}.`);
  return user;
}

export async function renderTeam(ctx) {
  const teamId = ctx.itemId;
  const enc = encodeURIComponent;
  const [team, members, perms, definitions, invitations] = await Promise.all([
    api.admin(ctx.projectId, 'GET', `/teams/${enc(teamId)}`),
    api.admin(ctx.projectId, 'GET', '/team-member-profiles', { query: { team_id: teamId } }),
    api.admin(ctx.projectId, 'GET', '/team-permissions', { query: { team_id: teamId } }),
    api.admin(ctx.projectId, 'GET', '/team-permission-definitions'),
    api.admin(ctx.projectId, 'GET', '/team-invitations', { query: { team_id: teamId } }),
  ]);

  const name = input({ value: team.display_name, required: true });
  const renameErrors = errorBox();
  const rename = h('button', { type: 'submit' }, 'Rename');
  const renameForm = h('form', {
    class: 'inline-form',
    onsubmit: async (event) => {
      event.preventDefault();
      const ok = await busy(rename, renameErrors, () => api.admin(ctx.projectId, 'PATCH', `/teams/${enc(teamId)}`,
        { body: { display_name: name.value.trim() } }));
      if (ok) { toast('Saved'); ctx.reload(); }
    },
  }, field('Team name', name), rename);

  // Members, each with their permissions.
  const memberRows = members.items.map((m) => {
    const label = m.user?.primary_email || m.display_name || m.user_id;
    const own = perms.items.filter((p) => p.user_id === m.user_id).map((p) => p.id);
    const grantSelect = h('select', { 'aria-label': `Permission to grant to ${label}` },
      definitions.items.filter((d) => !own.includes(d.id)).map((d) => h('option', { value: d.id }, d.id)));
    const permList = h('span', { class: 'chips' }, own.map((id) => h('span', { class: 'chip' }, h('span', {}, id),
      button('×', async (event) => {
        const ok = await busy(event.target, null, () => api.admin(ctx.projectId, 'DELETE',
          `/team-permissions/${enc(teamId)}/${enc(m.user_id)}/${enc(id)}`));
        if (ok) { toast('Permission removed'); ctx.reload(); }
      }, { 'aria-label': `Remove permission ${id} from ${label}`, class: 'chip-remove' }))));
    return [
      h('a', { href: ctx.path('users', m.user_id) }, label),
      permList,
      h('span', { class: 'row-actions' }, grantSelect,
        button('Grant', async (event) => {
          if (!grantSelect.value) return;
          const ok = await busy(event.target, null, () => api.admin(ctx.projectId, 'POST',
            `/team-permissions/${enc(teamId)}/${enc(m.user_id)}/${enc(grantSelect.value)}`, { body: {} }));
          if (ok) { toast('Permission granted'); ctx.reload(); }
        }, { 'aria-label': `Grant permission to ${label}` }),
        button('Remove', async (event) => {
          if (!await confirmDialog('Remove this member?', `${label} will leave ${team.display_name}.`, 'Remove'))
            return;
          const ok = await busy(event.target, null, () => api.admin(ctx.projectId, 'DELETE',
            `/team-memberships/${enc(teamId)}/${enc(m.user_id)}`));
          if (ok) { toast('Member removed'); ctx.reload(); }
        }, { 'aria-label': `Remove ${label} from the team`, class: 'danger-quiet' })),
    ];
  });
  const memberEmail = input({ type: 'email', required: true });
  const addErrors = errorBox();
  const add = h('button', { type: 'submit', class: 'primary' }, 'Add member');
  const addForm = h('form', {
    class: 'inline-form',
    onsubmit: async (event) => {
      event.preventDefault();
      const ok = await busy(add, addErrors, async () => {
        const user = await findUserByEmail(ctx, memberEmail.value.trim());
        return api.admin(ctx.projectId, 'POST', `/team-memberships/${enc(teamId)}/${enc(user.id)}`, { body: {} });
      });
      if (ok) { toast('Member added'); ctx.reload(); }
    },
  }, field('Member e-mail', memberEmail), add);

  // Invitations
  const domains = ctx.project.config.domains || [];
  const inviteEmail = input({ type: 'email', required: true });
  const inviteCallback = input({ type: 'url', required: true,
    value: domains.length ? `${domains[0].domain}${domains[0].handler_path}/team-invitation`
                          : 'http://localhost:3000/handler/team-invitation' });
  const inviteErrors = errorBox();
  const invite = h('button', { type: 'submit' }, 'Send invitation');
  const inviteForm = h('form', {
    class: 'inline-form',
    onsubmit: async (event) => {
      event.preventDefault();
      const ok = await busy(invite, inviteErrors, () => api.admin(ctx.projectId, 'POST', '/team-invitations/send-code', {
        body: { team_id: teamId, email: inviteEmail.value.trim(), callback_url: inviteCallback.value.trim() },
      }));
      if (ok) { toast('Invitation sent'); ctx.reload(); }
    },
  }, field('Invite e-mail', inviteEmail), field('Invitation link goes to', inviteCallback), invite);
  const invitationRows = invitations.items.map((i) => [i.recipient_email, formatDate(i.expires_at_millis),
    button('Revoke', async (event) => {
      if (!await confirmDialog('Revoke this invitation?', `The invitation of ${i.recipient_email} will stop working.`, 'Revoke'))
        return;
      const ok = await busy(event.target, null, () => api.admin(ctx.projectId, 'DELETE',
        `/team-invitations/${enc(i.id)}`, { query: { team_id: teamId } }));
      if (ok) { toast('Invitation revoked'); ctx.reload(); }
    }, { 'aria-label': `Revoke the invitation of ${i.recipient_email}`, class: 'danger-quiet' })]);

  const deleteErrors = errorBox();
  const remove = button('Delete team', async () => {
    if (!await confirmDialog('Delete this team?', `${team.display_name} and its memberships will be deleted.`, 'Delete team'))
      return;
    const ok = await busy(remove, deleteErrors, () => api.admin(ctx.projectId, 'DELETE', `/teams/${enc(teamId)}`));
    if (ok) { toast('Team deleted'); ctx.navigate(ctx.path('teams')); }
  }, { class: 'danger' });

  const keys = await ownedKeysSection(ctx, 'team', teamId);
  return h('div', {},
    h('p', { class: 'crumbs' }, h('a', { href: ctx.path('teams') }, 'Teams'), ' / '),
    h('h1', {}, team.display_name),
    section('Members', table(['Member', 'Permissions', ''], memberRows, 'No members yet.'),
      h('h3', {}, 'Add a member'), addForm, addErrors),
    section('Invitations', table(['E-mail', 'Expires', ''], invitationRows, 'No pending invitation.'),
      inviteForm, inviteErrors),
    keys,
    section('Team', renameForm, renameErrors, h('p', { class: 'mono small muted' }, `ID ${team.id}`)),
    section('Danger zone', deleteErrors, remove));
}
