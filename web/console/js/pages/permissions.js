// Permission definitions, team and project, and which team permissions
// creators and members get.
import * as api from '../api.js';
import { busy, button, confirmDialog, errorBox, field, h, input, section, table, toast } from '../dom.js';
import { saveConfig } from '../project.js';

function definitions(ctx, scope, title, list) {
  const base = scope === 'team' ? '/team-permission-definitions' : '/project-permission-definitions';
  const id = input({ required: true, placeholder: 'e.g. read_reports', pattern: '[a-z0-9_:\\-]+' });
  const description = input({});
  const contains = h('select', { multiple: true, size: Math.min(5, Math.max(2, list.length)) },
                     list.map((d) => h('option', { value: d.id }, d.id)));
  const errors = errorBox();
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create permission');
  const form = h('form', {
    class: 'inline-form',
    onsubmit: async (event) => {
      event.preventDefault();
      const body = { id: id.value.trim(), contained_permission_ids: [...contains.selectedOptions].map((o) => o.value) };
      if (description.value.trim()) body.description = description.value.trim();
      const ok = await busy(create, errors, () => api.admin(ctx.projectId, 'POST', base, { body }));
      if (ok) { toast('Permission created'); ctx.reload(); }
    },
  }, field('Permission ID', id), field('Description', description),
  list.length ? field('Contains', contains, 'Ctrl/⌘-click to choose several') : null, create);
  const rows = list.map((d) => [h('span', { class: 'mono' }, d.id), d.description ?? '',
    (d.contained_permission_ids || []).join(', '),
    d.id.startsWith('$') ? h('span', { class: 'muted small' }, 'system') :
      button('Delete', async (event) => {
        if (!await confirmDialog('Delete this permission?', `${d.id} will be removed from everyone who has it.`))
          return;
        const ok = await busy(event.target, null, () => api.admin(ctx.projectId, 'DELETE',
          `${base}/${encodeURIComponent(d.id)}`));
        if (ok) { toast('Permission deleted'); ctx.reload(); }
      }, { 'aria-label': `Delete permission ${d.id}`, class: 'danger-quiet' })]);
  return section(title, table(['ID', 'Description', 'Contains', ''], rows, 'No permissions defined.'),
                 h('h3', {}, 'New permission'), form, errors);
}

function defaults(ctx, teamList) {
  const c = ctx.project.config;
  const picker = (key, label) => {
    const chosen = new Set((c[key] || []).map((p) => p.id));
    const select = h('select', { multiple: true, size: Math.min(6, Math.max(2, teamList.length)), 'aria-label': label },
                     teamList.map((d) => h('option', { value: d.id, selected: chosen.has(d.id) }, d.id)));
    return [key, select, label];
  };
  const pickers = [picker('team_creator_default_permissions', 'Team creators get'),
                   picker('team_member_default_permissions', 'Team members get')];
  const errors = errorBox();
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save defaults');
  return section('Default team permissions', h('form', {
    onsubmit: async (event) => {
      event.preventDefault();
      const config = {};
      for (const [key, select] of pickers) config[key] = [...select.selectedOptions].map((o) => ({ id: o.value }));
      await busy(save, errors, () => saveConfig(ctx, config));
    },
  }, h('div', { class: 'grid-2' }, pickers.map(([, select, label]) => field(label, select))), errors,
  h('div', { class: 'actions' }, save)));
}

export async function renderPermissions(ctx) {
  const [team, project] = await Promise.all([
    api.admin(ctx.projectId, 'GET', '/team-permission-definitions'),
    api.admin(ctx.projectId, 'GET', '/project-permission-definitions'),
  ]);
  return h('div', {}, h('h1', {}, 'Permissions'),
    definitions(ctx, 'team', 'Team permissions', team.items),
    defaults(ctx, team.items),
    definitions(ctx, 'project', 'Project permissions', project.items));
}
