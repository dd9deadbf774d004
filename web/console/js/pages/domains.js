// Trusted domains: where Latchkey may redirect after sign-in (OAuth, magic
// links, password reset) and which origins passkeys accept.
import { busy, button, confirmDialog, errorBox, field, h, input, section, table, toggle } from '../dom.js';
import { configToggleHandler, saveConfig } from '../project.js';

export async function renderDomains(ctx) {
  const domains = ctx.project.config.domains || [];
  const domain = input({ type: 'url', placeholder: 'https://app.example.com', required: true });
  const handler = input({ value: '/handler', required: true });
  const errors = errorBox();
  const add = h('button', { type: 'submit', class: 'primary' }, 'Add domain');
  const form = h('form', {
    class: 'inline-form',
    onsubmit: async (event) => {
      event.preventDefault();
      const entry = { domain: domain.value.trim(), handler_path: handler.value.trim() };
      const ok = await busy(add, errors, () => saveConfig(ctx, { domains: [...domains, entry] }));
      if (ok) ctx.reload();
    },
  }, field('Domain', domain), field('Handler path', handler), add);
  const rows = domains.map((d) => [h('span', { class: 'mono' }, d.domain), h('span', { class: 'mono' }, d.handler_path),
    button('Remove', async (event) => {
      if (!await confirmDialog('Remove this domain?', `${d.domain} will no longer be trusted for redirects.`, 'Remove'))
        return;
      const ok = await busy(event.target, null, () =>
        saveConfig(ctx, { domains: domains.filter((x) => x.domain !== d.domain) }));
      if (ok) ctx.reload();
    }, { 'aria-label': `Remove ${d.domain}`, class: 'danger-quiet' })]);
  return h('div', {}, h('h1', {}, 'Domains'),
    section('Trusted domains', table(['Domain', 'Handler path', ''], rows, 'No trusted domain yet.'),
      h('h3', {}, 'Add a domain'), form, errors),
    section('Development',
      toggle('Allow localhost', ctx.project.config.allow_localhost, configToggleHandler(ctx, 'allow_localhost'),
             'Trust any http://localhost origin. Turn it off in production.')));
}
