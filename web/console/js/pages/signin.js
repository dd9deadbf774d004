// Sign in to the console: a dashboard user of the internal project, with
// e-mail and password (then an authenticator code when the user has TOTP
// on), or with a code sent by e-mail when the internal project allows it.
import * as api from '../api.js';
import { busy, button, errorBox, field, h, input } from '../dom.js';

function totpForm(attemptCode, onSignedIn) {
  const code = input({ inputmode: 'numeric', autocomplete: 'one-time-code', required: true, maxlength: 6 });
  const errors = errorBox();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Verify');
  const form = h('form', {
    class: 'signin card',
    onsubmit: async (event) => {
      event.preventDefault();
      if (await busy(submit, errors, async () => { await api.signInWithTotp(attemptCode, code.value.trim()); return true; }))
        onSignedIn();
    },
  }, h('h1', {}, 'Two-factor authentication'), field('Authenticator code', code), errors, submit);
  queueMicrotask(() => code.focus());
  return form;
}

function codeForm(replace, onSignedIn) {
  const email = input({ type: 'email', autocomplete: 'username', required: true });
  const code = input({ autocomplete: 'one-time-code', maxlength: 6, required: true });
  const errors = errorBox();
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send code');
  const verify = h('button', { type: 'submit', class: 'primary' }, 'Sign in with code');
  let nonce = null;
  const codeStep = h('div', { hidden: true }, h('p', { class: 'muted' }, 'Type the code from the e-mail, or open its link.'),
                     field('Code', code), verify);
  const form = h('form', {
    class: 'signin card',
    onsubmit: async (event) => {
      event.preventDefault();
      if (!nonce) {
        nonce = await busy(send, errors, () => api.sendSignInCode(email.value.trim()));
        if (nonce) {
          send.hidden = true;
          codeStep.hidden = false;
          code.focus();
        }
      } else if (await busy(verify, errors, async () => {
        await api.signInWithCode(code.value.trim() + nonce);
        return true;
      })) {
        onSignedIn();
      }
    },
  }, h('h1', {}, 'Sign in with a code'), field('Email', email), send, codeStep, errors,
  h('p', {}, button('Sign in with a password instead', () => replace(null), { class: 'link' })));
  queueMicrotask(() => email.focus());
  return form;
}

export async function renderSignIn({ onSignedIn }) {
  const holder = h('div', {});
  const replace = (form) => holder.replaceChildren(form ?? passwordForm);
  let config = {};
  try {
    config = await api.internalConfig();
  } catch {
    config = {};  // the password form still works; its errors say what is wrong
  }
  const email = input({ type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = input({ type: 'password', name: 'password', autocomplete: 'current-password',
                           required: true });
  const errors = errorBox();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const passwordForm = h('form', {
    class: 'signin card',
    onsubmit: async (event) => {
      event.preventDefault();
      let mfa = null;
      const ok = await busy(submit, errors, async () => {
        try {
          await api.signIn(email.value.trim(), password.value);
          return true;
        } catch (e) {
          if (e.code !== 'MULTI_FACTOR_AUTHENTICATION_REQUIRED') throw e;
          mfa = e.details?.attempt_code;
          return false;
        }
      });
      if (ok) onSignedIn();
      else if (mfa) replace(totpForm(mfa, onSignedIn));
      else password.select();
    },
  },
  h('div', { class: 'signin-brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Latchkey'),
  h('h1', {}, 'Sign in to the console'),
  h('p', { class: 'muted' }, 'Use a dashboard account of the internal project.'),
  field('Email', email), field('Password', password), errors, submit,
  config.magic_link_enabled
    ? h('p', {}, button('Email me a sign-in code', () => replace(codeForm(replace, onSignedIn)), { class: 'link' }))
    : null,
  h('p', { class: 'hint' }, 'No account yet? Create one on the server: ',
    h('code', {}, 'latchkey console-user create --email … --all-projects')));
  replace(null);
  queueMicrotask(() => email.focus());
  return holder;
}

// The magic link of a sign-in e-mail: /console/magic-link?code=…
export async function completeMagicLink() {
  const code = new URLSearchParams(location.search).get('code');
  if (!code) throw new Error('This sign-in link has no code.');
  await api.signInWithCode(code);
}
