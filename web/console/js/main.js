// The console's shell: a client-side router over /console/…, the top bar,
// the project navigation and the page in between. Links under /console/
// change the page without reloading it.
import * as api from './api.js';
import { button, clear, h, toast } from './dom.js';
import { projectPath } from './paths.js';
import { completeMagicLink, renderSignIn } from './pages/signin.js';
import { renderProjects } from './pages/projects.js';
import { renderOverview, renderSettings } from './pages/overview.js';
import { renderAuthMethods } from './pages/auth_methods.js';
import { renderOAuth } from './pages/oauth.js';
import { renderDomains } from './pages/domains.js';
import { renderEmail, renderSentEmails } from './pages/email.js';
import { renderUsers, renderUser } from './pages/users.js';
import { renderTeams, renderTeam } from './pages/teams.js';
import { renderPermissions } from './pages/permissions.js';
import { renderKeys } from './pages/keys.js';
import { renderTemplates } from './pages/templates.js';
import { renderWebhooks } from './pages/webhooks.js';

const app = document.getElementById('app');

// [path segment, navigation label, renderer, renderer of /segment/{id}]
const PROJECT_PAGES = [
  ['', 'Overview', renderOverview],
  ['auth', 'Authentication', renderAuthMethods],
  ['oauth', 'OAuth providers', renderOAuth],
  ['domains', 'Domains', renderDomains],
  ['email', 'E-mail', renderEmail],
  ['email-templates', 'E-mail templates', renderTemplates],
  ['users', 'Users', renderUsers, renderUser],
  ['teams', 'Teams', renderTeams, renderTeam],
  ['permissions', 'Permissions', renderPermissions],
  ['keys', 'API keys', renderKeys],
  ['webhooks', 'Webhooks', renderWebhooks],
  ['sent-emails', 'Sent e-mails', renderSentEmails],
  ['settings', 'Settings', renderSettings],
];

let me = null;
let generation = 0;
let lastPath = null;

function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

function parse(pathname) {
  const rest = pathname.replace(/^\/console\/?/, '').replace(/\/+$/, '');
  const parts = rest ? rest.split('/').map((p) => decodeURIComponent(p)) : [];
  if (parts.length === 0 || (parts[0] === 'projects' && parts.length === 1)) return { page: 'projects' };
  if (parts[0] === 'projects' && parts.length <= 4)
    return { page: 'project', projectId: parts[1], section: parts[2] ?? '', itemId: parts[3] };
  return { page: 'not-found' };
}

function topBar() {
  return h('header', { class: 'topbar' },
           h('a', { href: '/console/', class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }),
             'Latchkey'),
           h('div', { class: 'who' },
             me ? h('span', { class: 'who-email' }, me.primary_email || me.display_name || me.id) : null,
             button('Sign out', async () => {
               await api.signOut();
               me = null;
               navigate('/console/');
             })));
}

function projectNav(project, section) {
  return h('nav', { class: 'sidebar', 'aria-label': 'Project' },
           h('a', { href: '/console/projects', class: 'back' }, '← All projects'),
           h('p', { class: 'project-name' }, project.display_name),
           h('ul', {}, PROJECT_PAGES.map(([segment, label]) =>
             h('li', {}, h('a', { href: projectPath(project.id, segment),
                                  'aria-current': segment === section ? 'page' : false }, label)))));
}

function notFound(message) {
  return h('div', {}, h('h1', { tabindex: '-1' }, 'Not found'), h('p', {}, message),
           h('p', {}, h('a', { href: '/console/projects' }, 'Back to the projects')));
}

function errorPage(e) {
  return h('div', {}, h('h1', { tabindex: '-1' }, 'Something went wrong'),
           h('p', { class: 'error', role: 'alert' }, e.message || String(e)),
           h('p', {}, h('a', { href: '/console/projects' }, 'Back to the projects')));
}

async function render() {
  const mine = ++generation;
  const route = parse(location.pathname);
  const pathChanged = lastPath !== location.pathname;
  lastPath = location.pathname;
  app.setAttribute('aria-busy', 'true');
  if (location.pathname === api.MAGIC_LINK_PATH) {
    try {
      await completeMagicLink();
      navigate('/console/projects', { replace: true });
    } catch (e) {
      clear(app).append(h('div', { class: 'signin-shell' }, h('div', { class: 'card signin' },
        h('h1', {}, 'This sign-in link did not work'), h('p', { class: 'error', role: 'alert' }, e.message),
        h('p', {}, h('a', { href: '/console/' }, 'Back to sign-in')))));
      app.setAttribute('aria-busy', 'false');
    }
    return;
  }
  let page;
  if (!api.isSignedIn()) {
    page = h('div', { class: 'signin-shell' }, await renderSignIn({
      onSignedIn: () => navigate(location.pathname === '/console/' ? '/console/projects' : location.pathname,
                                 { replace: true }),
    }));
  } else {
    let main;
    let nav = null;
    try {
      if (!me) me = await api.me();
      if (route.page === 'projects') {
        main = await renderProjects({ navigate });
      } else if (route.page === 'project') {
        const entry = PROJECT_PAGES.find(([segment]) => segment === route.section);
        const project = await api.admin(route.projectId, 'GET', '/internal/projects/current');
        const ctx = {
          project,
          projectId: project.id,
          itemId: route.itemId,
          navigate,
          path: (...p) => projectPath(project.id, ...p),
          reload: () => render(),
        };
        nav = projectNav(project, route.section);
        if (!entry || (route.itemId !== undefined && !entry[3])) main = notFound('This page does not exist.');
        else main = await (route.itemId !== undefined ? entry[3] : entry[2])(ctx);
      } else {
        main = notFound('This page does not exist.');
      }
    } catch (e) {
      if (!api.isSignedIn()) return render();
      main = e.code === 'ADMIN_ACCESS_TOKEN_IS_NOT_ADMIN' || e.code === 'INVALID_PROJECT_FOR_ADMIN_ACCESS_TOKEN'
        ? notFound('This project does not exist, or you do not manage it.')
        : errorPage(e);
    }
    page = h('div', { class: 'layout' }, topBar(),
             h('div', { class: nav ? 'shell with-nav' : 'shell' }, nav,
               h('main', { id: 'main', tabindex: '-1' }, main)));
  }
  if (mine !== generation) return;  // a later navigation won
  clear(app).append(page);
  app.setAttribute('aria-busy', 'false');
  const heading = app.querySelector('main h1, .signin-shell h1');
  document.title = heading ? `${heading.textContent} · Latchkey console` : 'Latchkey console';
  // On a new page, the focus goes to its heading (screen readers announce
  // it); a re-render of the same page keeps the focus where it was.
  if (pathChanged && heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

document.addEventListener('click', (event) => {
  const a = event.target.closest?.('a[href]');
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
      event.shiftKey || event.altKey || a.target === '_blank')
    return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith('/console')) return;
  event.preventDefault();
  if (url.pathname !== location.pathname) navigate(url.pathname + url.search);
});
window.addEventListener('popstate', render);
api.onSignedOut(() => {
  me = null;
  toast('Your session has ended. Please sign in again.', true);
  render();
});

api.loadConfig().then(render, (e) => {
  clear(app).append(errorPage(e));
});
