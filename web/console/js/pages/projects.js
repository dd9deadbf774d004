// The signed-in user's projects, and a new one.
import * as api from '../api.js';
import { busy, button, errorBox, field, formatDate, h, input } from '../dom.js';
import { projectPath } from '../paths.js';

export async function renderProjects({ navigate }) {
  const { items } = await api.internal('GET', '/internal/projects');
  const name = input({ name: 'display_name', required: true, maxlength: 200 });
  const description = input({ name: 'description' });
  const errors = errorBox();
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create');
  const form = h('form', {
    class: 'card new-project', hidden: true, 'aria-label': 'New project',
    onsubmit: async (event) => {
      event.preventDefault();
      const project = await busy(create, errors, () => api.internal('POST', '/internal/projects', {
        body: { display_name: name.value.trim(), description: description.value.trim() || undefined },
      }));
      if (project) navigate(projectPath(project.id));
    },
  },
  h('h2', {}, 'New project'), field('Project name', name), field('Description', description, 'Optional'),
  errors, h('div', { class: 'actions' }, button('Cancel', () => { form.hidden = true; }), create));
  const open = button('New project', () => {
    form.hidden = false;
    name.focus();
  }, { class: 'primary' });

  const list = items.length
    ? h('ul', { class: 'project-grid' }, items.map((p) => h('li', {},
        h('a', { href: projectPath(p.id), class: 'project-card' },
          h('span', { class: 'project-card-name' }, p.display_name),
          h('span', { class: 'muted' }, p.description || p.id),
          h('span', { class: 'muted small' },
            `${p.user_count ?? 0} users · created ${formatDate(p.created_at_millis)}`)))))
    : h('p', { class: 'empty' }, 'You do not manage any project yet. Create the first one.');
  return h('div', {}, h('div', { class: 'page-head' }, h('h1', {}, 'Projects'), open), form, list);
}
