// How users sign in and what they may do themselves.
import { field, h, section, toast, toggle } from '../dom.js';
import { configToggleHandler, saveConfig } from '../project.js';

export async function renderAuthMethods(ctx) {
  const c = ctx.project.config;
  const t = (key, label, hint) => toggle(label, c[key], configToggleHandler(ctx, key), hint);
  const merge = h('select', {
    onchange: async (event) => {
      try {
        await saveConfig(ctx, { oauth_account_merge_strategy: event.target.value });
      } catch (e) {
        toast(e.message, true);
      }
    },
  }, [['link_method', 'Link to the existing account'], ['raise_error', 'Refuse the sign-in'],
      ['allow_duplicates', 'Create a separate account']].map(([value, label]) =>
    h('option', { value, selected: c.oauth_account_merge_strategy === value }, label)));
  return h('div', {}, h('h1', {}, 'Authentication'),
    section('Sign-in methods',
      t('credential_enabled', 'Password', 'E-mail and password sign-up and sign-in.'),
      t('magic_link_enabled', 'OTP / magic link', 'A one-time code or link sent by e-mail.'),
      t('passkey_enabled', 'Passkeys', 'WebAuthn passkeys (needs a trusted domain or localhost).'),
      h('p', { class: 'hint' }, 'OAuth sign-in is set up under ', h('a', { href: ctx.path('oauth') }, 'OAuth providers'),
        '. Anonymous sign-up is not part of the REST API; turn it on or off with ',
        h('code', {}, `latchkey project anonymous-sign-up ${ctx.projectId} on|off`), '.')),
    section('Sign-up',
      t('sign_up_enabled', 'Allow sign-up', 'Off: only users you create can sign in.'),
      t('create_team_on_sign_up', 'Create a personal team on sign-up')),
    section('What users may do',
      t('client_team_creation_enabled', 'Client team creation', 'Signed-in users may create teams.'),
      t('client_user_deletion_enabled', 'User deletion', 'Signed-in users may delete their own account.'),
      t('allow_user_api_keys', 'User API keys', 'Users may create API keys of their own.'),
      t('allow_team_api_keys', 'Team API keys', 'Teams may have API keys.')),
    section('Accounts with the same e-mail',
      field('When an OAuth sign-in uses the e-mail of an existing account', merge)));
}
