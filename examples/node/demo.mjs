// Runs server.mjs and calls it as an app would: a user signs up through the
// SDK (@stackframe/js), calls /whoami with their access token, creates a user
// API key and calls /api-key-owner with it; a forged token and a wrong key are
// refused. Exits non-zero at the first step that goes wrong.
//
// The project must allow user API keys (README). APP_URL is where the sign-up
// e-mail's verification link points (a trusted domain of the project;
// default http://localhost:3000, trusted while the project allows localhost).
import assert from 'node:assert/strict';
import { once } from 'node:events';

import { StackClientApp } from '@stackframe/js';

import { createServer } from './server.mjs';
import { stackSettings } from './stack.mjs';

const settings = stackSettings();
const appUrl = (process.env.APP_URL ?? 'http://localhost:3000').replace(/\/+$/, '');

const server = createServer(settings).listen(0, '127.0.0.1');
await once(server, 'listening');
const api = `http://127.0.0.1:${server.address().port}`;
const call = async (path, headers) => {
  const r = await fetch(api + path, { headers });
  return [r.status, await r.json()];
};

try {
  const client = new StackClientApp({ baseUrl: settings.baseUrl, projectId: settings.projectId,
                                      publishableClientKey: settings.publishableClientKey,
                                      tokenStore: 'memory', redirectMethod: 'none' });
  const email = `node-demo-${Date.now()}@example.com`;
  const signUp = await client.signUpWithCredential({
    email, password: 'correct horse battery 9', noRedirect: true,
    verificationCallbackUrl: `${appUrl}/handler/email-verification`,
  });
  assert.equal(signUp.status, 'ok', `sign-up: ${signUp.error?.message}`);
  const user = await client.getUser({ or: 'throw' });
  console.log(`signed up ${user.primaryEmail} (${user.id})`);

  const { accessToken } = await user.currentSession.getTokens();
  let [status, body] = await call('/whoami', { authorization: `Bearer ${accessToken}` });
  assert.deepEqual([status, body.user_id, body.email], [200, user.id, email], JSON.stringify(body));
  console.log(`/whoami with the access token: ${status} ${JSON.stringify(body)}`);

  // The same token with another signature is refused without asking Latchkey.
  const [head, payload, signature] = accessToken.split('.');
  const forged = `${head}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
  [status, body] = await call('/whoami', { authorization: `Bearer ${forged}` });
  assert.equal(status, 401, JSON.stringify(body));
  console.log(`/whoami with a forged token: ${status} ${JSON.stringify(body)}`);

  const key = await user.createApiKey({ description: 'node demo',
                                        expiresAt: new Date(Date.now() + 3600_000) });
  [status, body] = await call('/api-key-owner', { 'x-api-key': key.value });
  assert.deepEqual([status, body.user_id], [200, user.id], JSON.stringify(body));
  console.log(`/api-key-owner with the user's API key: ${status} ${JSON.stringify(body)}`);

  [status, body] = await call('/api-key-owner', { 'x-api-key': `${key.value.slice(0, -4)}0000` });
  assert.equal(status, 401, JSON.stringify(body));
  console.log(`/api-key-owner with a wrong key: ${status} ${JSON.stringify(body)}`);

  await key.revoke();
  [status, body] = await call('/api-key-owner', { 'x-api-key': key.value });
  assert.equal(status, 401, JSON.stringify(body));
  console.log(`/api-key-owner with the revoked key: ${status}`);
  console.log('node example: OK');
} finally {
  server.close();
}
