// The examples of examples/ against a Latchkey server on SQLite, set up as
// the README tells a developer: a project from `latchkey project create
// --env`, configured through the admin REST API (the app's origin as a
// trusted domain, client team creation and user API keys on).
//  - nextjs: `next build` (production), `next start` on a free loopback port,
//    then driven in Debian's Chromium like a person: sign-up on the SDK's
//    page, the user on the server and in the client, reload, teams, sign-out,
//    the protected page's redirect, a wrong password, sign-in. Screenshots go
//    to $EXAMPLES_ARTIFACTS (default tests/examples/artifacts/). Every
//    request the browser makes goes to the app or to Latchkey.
//  - node: examples/node/demo.mjs (JWKS verification, API keys).
//  - python: examples/python/latchkey_example.py (the seed's functions).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

import { serveLatchkey } from '../sdk/latchkey.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const examples = path.resolve(here, '..', '..', 'examples');
const artifacts = process.env.EXAMPLES_ARTIFACTS || path.join(here, 'artifacts');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
// As tests/browser: root in CI needs --no-sandbox; containers often have a
// tiny /dev/shm.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];
const run = promisify(execFile);

let latchkey;
let appOrigin;
let appPort;
let appEnv; // the lines of `project create --env`, as an object

async function freePort() {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

// The caller's environment without any Stack settings, plus the app's.
function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('STACK_') && !k.startsWith('NEXT_PUBLIC_STACK_')) env[k] = v;
  return { ...env, ...appEnv, ...extra };
}

// Runs a command to its end: {code, output}.
async function runToEnd(command, args, options) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const [code] = await once(child, 'exit');
  return { code, output };
}

before(async () => {
  await mkdir(artifacts, { recursive: true });
  latchkey = await serveLatchkey();
  appPort = await freePort();
  appOrigin = `http://127.0.0.1:${appPort}`;
  const { stdout, stderr } = await run(latchkey.bin, [
    'project', 'create', '--name', 'Examples', '--env', '--public-url', latchkey.baseUrl,
    '--database', latchkey.database], { env: latchkey.env, cwd: latchkey.dir });
  appEnv = Object.fromEntries(stdout.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
  assert.equal(appEnv.NEXT_PUBLIC_STACK_API_URL, latchkey.baseUrl);
  const adminKey = /super secret admin key[^:]*: (\S+)/.exec(stderr)?.[1];
  assert.ok(adminKey, stderr);
  // What a developer deploying the app does (README): trust the app's
  // origin instead of any localhost, and turn on what the examples use.
  const r = await fetch(`${latchkey.baseUrl}/api/v1/internal/projects/current`, {
    method: 'PATCH',
    headers: {
      'content-type': 'application/json',
      'x-stack-access-type': 'admin',
      'x-stack-project-id': appEnv.NEXT_PUBLIC_STACK_PROJECT_ID,
      'x-stack-super-secret-admin-key': adminKey,
    },
    body: JSON.stringify({ config: {
      allow_localhost: false,
      domains: [{ domain: appOrigin, handler_path: '/handler' }],
      client_team_creation_enabled: true,
      allow_user_api_keys: true,
    } }),
  });
  assert.equal(r.status, 200, await r.text());
});

after(async () => {
  await latchkey?.stop();
});

test('node example: JWKS verification and user API keys', { timeout: 60_000 }, async () => {
  const { code, output } = await runToEnd(process.execPath, ['demo.mjs'], {
    cwd: path.join(examples, 'node'), env: childEnv({ APP_URL: appOrigin }),
  });
  await writeFile(path.join(artifacts, 'node-example.log'), output);
  assert.equal(code, 0, `${output}\n${latchkey.logs().split('\n').slice(-20).join('\n')}`);
  assert.match(output, /node example: OK/);
});

test('python example: the seed functions', { timeout: 60_000 }, async () => {
  const { code, output } = await runToEnd('/usr/bin/python3', ['latchkey_example.py'], {
    cwd: path.join(examples, 'python'), env: childEnv({ APP_URL: appOrigin }),
  });
  await writeFile(path.join(artifacts, 'python-example.log'), output);
  assert.equal(code, 0, output);
  assert.match(output, /python example: OK/);
});

test('nextjs example: production build driven in Chromium', { timeout: 840_000 }, async (t) => {
  const dir = path.join(examples, 'nextjs');
  const next = path.join(dir, 'node_modules', '.bin', 'next');
  const env = childEnv({ NEXT_TELEMETRY_DISABLED: '1' });
  const started = Date.now();
  const build = await runToEnd(next, ['build'], { cwd: dir, env });
  await writeFile(path.join(artifacts, 'next-build.log'), build.output);
  assert.equal(build.code, 0, build.output);
  t.diagnostic(`next build: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const server = spawn(next, ['start', '--hostname', '127.0.0.1', '--port', String(appPort)], {
    cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let serverOutput = '';
  server.stdout.on('data', (d) => { serverOutput += d; });
  server.stderr.on('data', (d) => { serverOutput += d; });
  let browser;
  const external = [];
  const problems = [];
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${appOrigin}/`)).ok) break;
      } catch { /* not listening yet */ }
      assert.ok(i < 300 && server.exitCode === null, `next start did not answer:\n${serverOutput}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(20_000);
    const latchkeyOrigin = new URL(latchkey.baseUrl).origin;
    // The SDK probes https://1.1.1.1/cdn-cgi/trace only to describe a
    // request that failed (its network diagnostics, e.g. after a fetch cut
    // off by a navigation); the failed requests are listed in
    // failed-requests.log. Anything else elsewhere fails the test.
    const diagnosticsProbe = 'https://1.1.1.1/cdn-cgi/trace';
    const failed = [];
    page.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()} ${r.failure()?.errorText}`));
    t.after(() => writeFile(path.join(artifacts, 'failed-requests.log'), failed.join('\n')));
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return; // data:, blob:
      if (r.url() === diagnosticsProbe) return;
      if (url.origin !== appOrigin && url.origin !== latchkeyOrigin) external.push(r.url());
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    let shot = 0;
    const screenshot = (name) =>
      page.screenshot({ path: path.join(artifacts, `${String(++shot).padStart(2, '0')}-${name}.png`),
                        fullPage: true });
    const text = (id) => page.getByTestId(id);
    const expectText = async (id, expected) => {
      await page.getByTestId(id).filter({ hasText: expected }).waitFor();
    };

    const email = `next-${Date.now()}@example.com`;
    const password = 'correct horse battery 9';

    await page.goto(`${appOrigin}/`);
    await expectText('server-user', 'Server: not signed in');
    await expectText('client-user', 'Client: not signed in');
    await screenshot('home-signed-out');

    // Sign up on the SDK's page.
    await page.getByRole('link', { name: 'sign up' }).click();
    await page.waitForURL(/\/handler\/sign-up/);
    await page.locator('#email').fill(email);
    await page.locator('#password').fill(password);
    await page.locator('#repeat-password').fill(password);
    await screenshot('sign-up');
    await page.getByRole('button', { name: 'Sign Up' }).click();
    await page.waitForURL(`${appOrigin}/`);
    await expectText('server-user', `Server: signed in as ${email}`);
    await expectText('client-user', `Client: signed in as ${email}`);
    await screenshot('signed-up');

    await page.reload();
    await expectText('server-user', `Server: signed in as ${email}`);
    await expectText('client-user', `Client: signed in as ${email}`);

    // Teams: create two, then switch back to the first with the switcher.
    await page.goto(`${appOrigin}/teams`);
    await expectText('server-selected-team', 'Selected team (server): none');
    for (const team of ['Blue team', 'Green team']) {
      await page.getByLabel('Team name').fill(team);
      await page.getByRole('button', { name: 'Create team' }).click();
      await expectText('client-selected-team', `Selected team (client): ${team}`);
    }
    // A new request renders the server component afresh.
    await page.reload();
    await expectText('server-selected-team', 'Selected team (server): Green team');
    await expectText('server-team-count', 'Your teams (server): 2');
    await page.getByRole('combobox').click();
    await page.getByRole('option', { name: 'Blue team' }).click();
    await expectText('client-selected-team', 'Selected team (client): Blue team');
    await page.reload();
    await expectText('server-selected-team', 'Selected team (server): Blue team');
    await screenshot('teams');

    // Sign out; the protected page then sends us to sign in.
    await page.goto(`${appOrigin}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectText('server-user', 'Server: not signed in');
    await expectText('client-user', 'Client: not signed in');
    await screenshot('signed-out');
    await page.goto(`${appOrigin}/protected`);
    await page.waitForURL(/\/handler\/sign-in/);
    assert.equal(await text('protected-user').count(), 0);

    await page.locator('#email').fill(email);
    await page.locator('#password').fill('a wrong password 1');
    await page.getByRole('button', { name: 'Sign In' }).click();
    await page.getByText(/wrong e-mail or password/i).waitFor();
    await screenshot('wrong-password');

    await page.locator('#password').fill(password);
    await page.getByRole('button', { name: 'Sign In' }).click();
    await page.waitForURL(`${appOrigin}/protected`);
    await expectText('protected-user', `Only signed-in users see this: ${email}`);
    await screenshot('protected');

    assert.deepEqual(external, [], 'requests to neither the app nor Latchkey');
    assert.deepEqual(problems, []);
  } catch (e) {
    e.message += `\n--- next start ---\n${serverOutput.slice(-3000)}` +
                 `\n--- latchkey ---\n${latchkey.logs().split('\n').slice(-30).join('\n')}`;
    throw e;
  } finally {
    await browser?.close();
    if (server.exitCode === null && server.signalCode === null) {
      process.kill(-server.pid, 'SIGTERM');
      await once(server, 'exit');
    }
    await writeFile(path.join(artifacts, 'next-start.log'), serverOutput);
  }
});
