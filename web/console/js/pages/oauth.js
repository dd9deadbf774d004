// OAuth providers: which are on, with shared or own keys, and the callback
// URL to register with the provider.
import * as api from '../api.js';
import { busy, copyable, errorBox, field, h, input } from '../dom.js';
import { saveConfig } from '../project.js';

const PROVIDERS = [
  ['google', 'Google'], ['github', 'GitHub'], ['microsoft', 'Microsoft'], ['apple', 'Apple'],
  ['facebook', 'Facebook'], ['discord', 'Discord'], ['gitlab', 'GitLab'], ['bitbucket', 'Bitbucket'],
  ['linkedin', 'LinkedIn'], ['spotify', 'Spotify'], ['x', 'X'], ['twitch', 'Twitch'],
  ['oidc', 'OpenID Connect (any provider)'],
];

function providerCard(ctx, id, name) {
  const current = (ctx.project.config.oauth_providers || []).find((p) => p.id === id);
  const ownOnly = id === 'oidc';
  const enabled = h('input', { type: 'checkbox', role: 'switch', checked: !!current });
  const typeName = `type-${id}`;
  const shared = h('input', { type: 'radio', name: typeName, value: 'shared',
                              checked: !ownOnly && (current?.type ?? 'shared') === 'shared', disabled: ownOnly });
  const standard = h('input', { type: 'radio', name: typeName, value: 'standard',
                                checked: ownOnly || current?.type === 'standard' });
  const clientId = input({ value: current?.client_id ?? '', autocomplete: 'off' });
  const secret = id === 'apple'
    ? h('textarea', { rows: 4, class: 'mono', autocomplete: 'off', value: current?.client_secret ?? '' })
    : input({ type: 'password', value: current?.client_secret ?? '', autocomplete: 'off' });
  const extra = {};
  if (id === 'microsoft') extra.microsoft_tenant_id = input({ value: current?.microsoft_tenant_id ?? '' });
  if (id === 'facebook') extra.facebook_config_id = input({ value: current?.facebook_config_id ?? '' });
  if (id === 'apple') {
    extra.apple_team_id = input({ value: current?.apple_team_id ?? '' });
    extra.apple_key_id = input({ value: current?.apple_key_id ?? '' });
  }
  if (id === 'oidc') extra.discovery_url = input({ type: 'url', value: current?.discovery_url ?? '' });
  const extraLabels = {
    microsoft_tenant_id: ['Tenant ID', 'common, organizations, consumers or your tenant\'s id'],
    facebook_config_id: ['Configuration ID', 'Facebook Login for Business only'],
    apple_team_id: ['Apple team ID'], apple_key_id: ['Key ID'],
    discovery_url: ['Discovery URL', 'e.g. https://accounts.example.com/.well-known/openid-configuration'],
  };
  const ownFields = h('div', { class: 'own-keys' },
    field(id === 'apple' ? 'Services ID (client ID)' : 'Client ID', clientId),
    field(id === 'apple' ? 'Private key (.p8)' : 'Client secret', secret),
    Object.entries(extra).map(([key, el]) => field(extraLabels[key][0], el, extraLabels[key][1])));
  const showOwn = () => { ownFields.hidden = !standard.checked; };
  shared.addEventListener('change', showOwn);
  standard.addEventListener('change', showOwn);
  showOwn();
  const errors = errorBox();
  const save = h('button', { type: 'submit', class: 'primary' }, `Save ${name}`);
  const status = h('span', { class: current ? 'badge on' : 'badge' }, current ? 'On' : 'Off');
  const form = h('form', {
    onsubmit: async (event) => {
      event.preventDefault();
      const others = (ctx.project.config.oauth_providers || []).filter((p) => p.id !== id);
      const list = [...others];
      if (enabled.checked) {
        const entry = { id, type: standard.checked ? 'standard' : 'shared' };
        if (standard.checked) {
          entry.client_id = clientId.value.trim();
          entry.client_secret = secret.value.trim();
        }
        for (const [key, el] of Object.entries(extra)) if (el.value.trim()) entry[key] = el.value.trim();
        list.push(entry);
      }
      const project = await busy(save, errors, () => saveConfig(ctx, { oauth_providers: list }));
      if (project) {
        const on = project.config.oauth_providers.some((p) => p.id === id);
        status.textContent = on ? 'On' : 'Off';
        status.className = on ? 'badge on' : 'badge';
      }
    },
  },
  h('label', { class: 'toggle' }, enabled, h('span', { class: 'toggle-label' }, `Sign in with ${name}`)),
  h('fieldset', {}, h('legend', {}, 'Keys'),
    h('label', { class: 'radio' }, shared, ownOnly ? 'Shared keys (not available for OpenID Connect)'
                                                   : 'Shared development keys of this server'),
    h('label', { class: 'radio' }, standard, 'My own OAuth app')),
  ownFields,
  copyable(`Callback URL for ${name}`, `${api.publicUrl()}/api/v1/auth/oauth/callback/${id}`),
  errors, h('div', { class: 'actions' }, save));
  return h('details', { class: 'card provider', open: !!current },
    h('summary', {}, h('span', { class: 'provider-name' }, name), status), form);
}

export async function renderOAuth(ctx) {
  return h('div', {}, h('h1', {}, 'OAuth providers'),
    h('p', { class: 'muted' }, 'Register the callback URL with the provider, then paste its client ID and secret. ' +
      'Shared keys work only when the server was started with them (STACK_<PROVIDER>_CLIENT_ID/_SECRET).'),
    PROVIDERS.map(([id, name]) => providerCard(ctx, id, name)));
}
