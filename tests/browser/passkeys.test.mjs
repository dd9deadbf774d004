// Passkeys in a real browser: Debian's Chromium (driven by playwright-core,
// never a downloaded browser) with a CDP virtual authenticator registers a
// passkey with Latchkey from http://localhost and signs in with it.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { startLatchkey, startPageServer } from './latchkey.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
// Root in CI needs --no-sandbox; containers often have a tiny /dev/shm.
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

let latchkey;
let pages;
let profile;
let context;

before(async () => {
  latchkey = await startLatchkey();
  await latchkey.admin('PATCH', '/internal/projects/current',
                       { config: { passkey_enabled: true, allow_localhost: true } });
  pages = await startPageServer();
  // A fresh profile per run (launchPersistentContext owns --user-data-dir).
  profile = await mkdtemp(path.join(tmpdir(), 'latchkey-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
  });
});

after(async () => {
  await context?.close();
  await pages?.stop();
  await latchkey?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

// A page with its own virtual platform authenticator (CTAP2, resident keys,
// user verification that always succeeds).
async function pageWithAuthenticator() {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  await page.goto(pages.url);
  return { page, cdp, authenticatorId };
}

function clientConfig() {
  return {
    baseUrl: latchkey.baseUrl,
    projectId: latchkey.project.id,
    clientKey: latchkey.project.publishable_client_key,
  };
}

test('register a passkey and sign in with it', { timeout: 120_000 }, async () => {
  const { page, cdp, authenticatorId } = await pageWithAuthenticator();
  try {
    const config = clientConfig();
    const email = `browser-${Date.now()}@example.com`;
    const user = await page.evaluate(([c, e]) => window.latchkeyPasskeys.signUp(c, e), [config, email]);

    const reg = await page.evaluate(([c, t]) => window.latchkeyPasskeys.registerPasskey(c, t),
                                    [config, user.access_token]);
    assert.equal(reg.userHandle, reg.credentialId);
    assert.equal(Buffer.from(reg.optionsUserId, 'base64url').toString(), user.user_id);

    // The authenticator holds one discoverable credential for RP ID "localhost".
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0].rpId, 'localhost');
    assert.equal(credentials[0].isResidentCredential, true);
    assert.equal(Buffer.from(credentials[0].userHandle, 'base64').toString(), user.user_id);

    for (let i = 1; i <= 2; i++) {
      const { tokens, me } = await page.evaluate((c) => window.latchkeyPasskeys.signInWithPasskey(c), config);
      assert.deepEqual(Object.keys(tokens), ['access_token', 'refresh_token', 'user_id', 'is_new_user']);
      assert.equal(tokens.user_id, user.user_id);
      assert.equal(tokens.is_new_user, false);
      assert.equal(me.id, user.user_id);
      assert.equal(me.primary_email, email);
      assert.equal(me.passkey_auth_enabled, true);
    }
    // Each assertion raised the authenticator's signature counter, and the
    // server accepted every increase.
    const after2 = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok(after2.credentials[0].signCount >= 2, `signCount ${after2.credentials[0].signCount}`);
  } finally {
    await page.close();
  }
});

test('a passkey deleted on the server no longer signs in', { timeout: 120_000 }, async () => {
  // The browser still holds the credential; Latchkey refuses it once the
  // user's passkey is gone (PATCH passkey_auth_enabled: false).
  const { page } = await pageWithAuthenticator();
  try {
    const config = clientConfig();
    const user = await page.evaluate(([c, e]) => window.latchkeyPasskeys.signUp(c, e),
                                     [config, `browser-del-${Date.now()}@example.com`]);
    await page.evaluate(([c, t]) => window.latchkeyPasskeys.registerPasskey(c, t), [config, user.access_token]);
    const r = await fetch(`${latchkey.baseUrl}/api/v1/users/${user.user_id}`, {
      method: 'PATCH',
      headers: {
        'content-type': 'application/json',
        'x-stack-access-type': 'server',
        'x-stack-project-id': latchkey.project.id,
        'x-stack-secret-server-key': latchkey.project.secret_server_key,
      },
      body: JSON.stringify({ passkey_auth_enabled: false }),
    });
    assert.equal(r.status, 200, await r.text());
    const error = await page.evaluate((c) => window.latchkeyPasskeys.signInWithPasskey(c).then(
      () => null, (e) => String(e.message)), config);
    assert.match(error ?? '', /PASSKEY_AUTHENTICATION_FAILED.*Passkey not found/);
  } finally {
    await page.close();
  }
});
