// Sign in to the console: a dashboard user of the internal project.
import * as api from '../api.js';
import { busy, errorBox, field, h, input } from '../dom.js';

export async function renderSignIn({ onSignedIn }) {
  const email = input({ type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = input({ type: 'password', name: 'password', autocomplete: 'current-password',
                           required: true });
  const errors = errorBox();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', {
    class: 'signin card',
    onsubmit: async (event) => {
      event.preventDefault();
      const ok = await busy(submit, errors, async () => {
        await api.signIn(email.value.trim(), password.value);
        return true;
      });
      if (ok) onSignedIn();
      else password.select();
    },
  },
  h('div', { class: 'signin-brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Latchkey'),
  h('h1', {}, 'Sign in to the console'),
  h('p', { class: 'muted' }, 'Use a dashboard account of the internal project.'),
  field('Email', email), field('Password', password), errors, submit,
  h('p', { class: 'hint' }, 'No account yet? Create one on the server: ',
    h('code', {}, 'latchkey console-user create --email … --all-projects')));
  queueMicrotask(() => email.focus());
  return form;
}
