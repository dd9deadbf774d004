// The admin console (/console/) in Debian's Chromium, driven by
// playwright-core as a person would use it: sign in (a wrong password shows
// the API's error), create a project, create and revoke a key set, change a
// setting and read it back through the REST API, find a user by e-mail and
// revoke a session, create a team and add a member, edit an e-mail template
// with its live preview, page through the sent-e-mail log. Every page is
// screenshotted into tests/browser/artifacts/console/; any page script
// error or Content-Security-Policy violation fails the test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { latchkeyBinary, startLatchkey } from './latchkey.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(here, 'artifacts', 'console');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];
const ADMIN_EMAIL = 'admin@console.test';
const ADMIN_PASSWORD = 'console-password-1';

let latchkey;
let browser;
let page;
let problems = [];
let created = {};  // what one test leaves for the next

// Records script errors and CSP violations of a page. A failed API request
// is logged by Chromium as "Failed to load resource": the console expects
// those (a wrong password), so they are not problems.
function watch(p) {
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = m.text();
    if (/Failed to load resource/.test(text)) return;
    if (m.type() === 'error' || /Content.Security.Policy/i.test(text)) problems.push(`console ${m.type()}: ${text}`);
  });
  return p;
}

async function shot(p, name) {
  await p.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

function run(args, input) {
  return new Promise((resolve, reject) => {
    const child = execFile(latchkeyBinary(), args, { env: latchkey.env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

// A client request to a project with its publishable client key.
async function clientGet(projectId, key, route) {
  const r = await fetch(`${latchkey.baseUrl}/api/v1${route}`, {
    headers: { 'x-stack-access-type': 'client', 'x-stack-project-id': projectId,
               'x-stack-publishable-client-key': key },
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

async function heading(p, name) {
  await p.getByRole('heading', { level: 1, name, exact: true }).waitFor();
}

async function openSection(label, title = label) {
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: label, exact: true }).click();
  await heading(page, title);
}

async function until(check, what, timeout = 5000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  latchkey = await startLatchkey();
  // The first dashboard user, made with the CLI (password on stdin), managing
  // every project that exists (the fixture's "Browser test" among them).
  const out = await run(['console-user', 'create', '--email', ADMIN_EMAIL, '--password-stdin',
                         '--all-projects', '--database', latchkey.database], `${ADMIN_PASSWORD}\n`);
  assert.match(out, /created console user/);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = watch(await context.newPage());
});

afterEach(() => {
  const found = problems;
  problems = [];
  assert.deepEqual(found, [], 'no script error or CSP violation on any page');
});

after(async () => {
  await browser?.close();
  await latchkey?.stop();
});

test('the console is served with a strict Content-Security-Policy', async () => {
  const r = await fetch(`${latchkey.baseUrl}/console/projects/anything`);
  assert.equal(r.status, 200);
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const js = await fetch(`${latchkey.baseUrl}/console/js/main.js`);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  const again = await fetch(`${latchkey.baseUrl}/console/js/main.js`,
                            { headers: { 'if-none-match': js.headers.get('etag') } });
  assert.equal(again.status, 304);
});

test('sign in: a wrong password shows the API error, the right one signs in', { timeout: 60_000 }, async () => {
  await page.goto(`${latchkey.baseUrl}/console/`);
  await heading(page, 'Sign in to the console');
  await shot(page, '01-sign-in');
  await page.getByLabel('Email', { exact: true }).fill(ADMIN_EMAIL);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.filter({ hasText: 'Wrong e-mail or password.' }).waitFor();
  await shot(page, '02-sign-in-error');
  // Keyboard only: the password field submits on Enter.
  await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await heading(page, 'Projects');
  assert.ok(await page.getByRole('link', { name: /Browser test/ }).isVisible());
});

test('create a project', { timeout: 60_000 }, async () => {
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Project name').fill('Console demo');
  await shot(page, '03-projects-new');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await heading(page, 'Console demo');
  const m = /\/console\/projects\/([^/]+)$/.exec(new URL(page.url()).pathname);
  assert.ok(m, page.url());
  created.projectId = decodeURIComponent(m[1]);
  await shot(page, '04-overview');
  // A full navigation back to the list shows the new project.
  await page.getByRole('link', { name: '← All projects' }).click();
  await heading(page, 'Projects');
  await page.getByRole('link', { name: /Console demo/ }).waitFor();
  await shot(page, '05-projects');
  await page.getByRole('link', { name: /Console demo/ }).click();
  await heading(page, 'Console demo');
});

test('create a key set: its keys are shown once and work', { timeout: 60_000 }, async () => {
  await openSection('API keys');
  await page.getByRole('button', { name: 'Create key set' }).click();
  const pck = await page.getByRole('textbox', { name: 'Publishable client key', exact: true }).inputValue();
  assert.match(pck, /^pck_/);
  assert.match(await page.getByRole('textbox', { name: 'Secret server key', exact: true }).inputValue(), /^ssk_/);
  await shot(page, '06-keys-created');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('cell', { name: `…${pck.slice(-4)}` }).waitFor();
  created.pck = pck;
  const r = await clientGet(created.projectId, pck, '/projects/current');
  assert.equal(r.status, 200);
  assert.equal(r.body.display_name, 'Console demo');
});

test('change a setting and see it in GET /projects/current', { timeout: 60_000 }, async () => {
  const before = await clientGet(created.projectId, created.pck, '/projects/current');
  assert.equal(before.body.config.client_team_creation_enabled, false);
  await openSection('Authentication');
  const toggle = page.getByRole('switch', { name: /Client team creation/ });
  await toggle.check();
  await page.locator('#toast', { hasText: 'Saved' }).waitFor();
  await shot(page, '07-authentication');
  const afterChange = await clientGet(created.projectId, created.pck, '/projects/current');
  assert.equal(afterChange.body.config.client_team_creation_enabled, true);
  // A reload shows the saved state.
  await page.reload();
  await heading(page, 'Authentication');
  assert.equal(await page.getByRole('switch', { name: /Client team creation/ }).isChecked(), true);
});

test('visit every project page', { timeout: 90_000 }, async () => {
  const pages = [['Overview', 'Console demo'], ['OAuth providers'], ['Domains'], ['E-mail'],
                 ['E-mail templates'], ['Users'], ['Teams'], ['Permissions'], ['Webhooks'],
                 ['Sent e-mails'], ['Settings']];
  let n = 8;
  for (const [label, title] of pages) {
    await openSection(label, title ?? label);
    await shot(page, `${String(n++).padStart(2, '0')}-${label.toLowerCase().replace(/[^a-z]+/g, '-')}`);
  }
  // A deep link opens straight on its page.
  await page.goto(`${latchkey.baseUrl}/console/projects/${created.projectId}/oauth`);
  await heading(page, 'OAuth providers');
  // Providers that are off are folded: open GitHub's settings.
  await page.locator('summary', { hasText: 'GitHub' }).click();
  assert.match(await page.getByRole('textbox', { name: 'Callback URL for GitHub' }).inputValue(),
               /\/api\/v1\/auth\/oauth\/callback\/github$/);
});

test('an e-mail template shows a live preview of the unsaved edit', { timeout: 60_000 }, async () => {
  await openSection('E-mail templates');
  const card = page.locator('details', { has: page.locator('summary', { hasText: 'Password reset' }) });
  await card.locator('summary').click();
  // The e-mail as the server renders it, in the sandboxed preview frame.
  const frame = page.frameLocator('iframe[title="Preview of Password reset"]');
  await frame.getByText('Reset your password at Console demo').first().waitFor();
  await card.getByText('Subject: Reset your password at Console demo', { exact: true }).waitFor();
  const sandbox = await card.locator('iframe').getAttribute('sandbox');
  assert.doesNotMatch(sandbox, /allow-scripts/);

  const doc = {
    root: { type: 'EmailLayout', data: { backdropColor: '#F5F5F5', canvasColor: '#FFFFFF', childrenIds: ['t', 'b'] } },
    t: { type: 'Text', data: { style: { color: '#B91C1C' }, props: { text: 'Preview check for {{ projectDisplayName }}' } } },
    b: { type: 'Button', data: { props: { text: 'Choose a password', url: '{{ passwordResetLink }}' } } },
  };
  await card.getByLabel('Document (JSON)').fill(JSON.stringify(doc, null, 2));
  const text = frame.getByText('Preview check for Console demo');
  await text.waitFor();
  // The e-mail's inline styles apply inside the frame (its own policy).
  assert.equal(await text.evaluate((el) => getComputedStyle(el).color), 'rgb(185, 28, 28)');
  assert.match(await frame.getByRole('link', { name: 'Choose a password' }).getAttribute('href'),
               /^https:\/\/example\.com\/handler\/password-reset\?code=/);
  await card.getByLabel('Subject', { exact: true }).fill('Draft for {{ projectDisplayName }}');
  await card.getByText('Subject: Draft for Console demo', { exact: true }).waitFor();
  await shot(page, '36-template-preview');

  // A document the server refuses: its error is shown, the last preview stays.
  doc.t.type = 'Marquee';
  await card.getByLabel('Document (JSON)').fill(JSON.stringify(doc));
  await card.getByRole('alert').filter({ hasText: 'content.t.type is not a known block type' }).waitFor();
  await text.waitFor();
  await card.getByLabel('Document (JSON)').fill('{ not json');
  await card.getByRole('alert').filter({ hasText: 'The document is not valid JSON.' }).waitFor();
  // Nothing was saved: the template is still the built-in one.
  await page.reload();
  await heading(page, 'E-mail templates');
  await card.getByText('Built in', { exact: true }).waitFor();
});

test('add and delete a webhook endpoint', { timeout: 60_000 }, async () => {
  await openSection('Webhooks');
  await page.getByLabel('Endpoint URL').fill('https://hooks.example.com/latchkey');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByRole('heading', { name: 'https://hooks.example.com/latchkey' }).waitFor();
  await page.getByRole('button', { name: 'Show signing secret' }).click();
  assert.match(await page.getByRole('textbox', { name: /^Signing secret/ }).inputValue(), /^whsec_/);
  await shot(page, '29-webhooks');
  await page.getByRole('button', { name: 'Delete endpoint https://hooks.example.com/latchkey' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('No endpoint yet.').waitFor();
});

test('revoke the key set', { timeout: 60_000 }, async () => {
  await openSection('API keys');
  await page.getByRole('button', { name: 'Revoke key set Created in the console' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke this key set?' });
  await dialog.waitFor();
  await shot(page, '30-keys-confirm-revoke');
  await dialog.getByRole('button', { name: 'Revoke' }).click();
  await page.getByText('Revoked', { exact: true }).waitFor();
  const r = await until(async () => {
    const res = await clientGet(created.projectId, created.pck, '/projects/current');
    return res.status === 401 ? res : null;
  }, 'the revoked key to be refused');
  assert.match(r.body.code, /^(INVALID_PUBLISHABLE_CLIENT_KEY|API_KEY_REVOKED)$/);
});

test('a delivery attempt shows the payload it delivered', { timeout: 60_000 }, async () => {
  // An endpoint on loopback of the fixture's project: the server refuses to
  // deliver to private addresses (no --webhooks-allow-private-addresses), so
  // the attempt fails without leaving the machine, and is recorded.
  const url = 'http://127.0.0.1:9/latchkey-hook';
  await page.goto(`${latchkey.baseUrl}/console/projects/${latchkey.project.id}/webhooks`);
  await heading(page, 'Webhooks');
  await page.getByLabel('Endpoint URL').fill(url);
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByRole('heading', { name: url }).waitFor();
  await latchkey.admin('POST', '/users', { primary_email: 'hooked@console.test' });
  const show = page.getByRole('button', { name: 'Show delivery attempts' });
  const payloadButton = page.getByRole('button', { name: /^Show payload of message / }).first();
  await until(async () => {
    await show.click();
    await page.waitForTimeout(200);
    return payloadButton.isVisible();
  }, 'a delivery attempt', 20_000);
  await payloadButton.click();
  await page.getByRole('heading', { name: /^Payload of user\.created/ }).waitFor();
  const shown = JSON.parse(await page.locator('pre.payload').textContent());
  assert.equal(shown.type, 'user.created');
  assert.equal(shown.data.primary_email, 'hooked@console.test');
  await shot(page, '38-webhook-payload');
  await page.getByRole('button', { name: `Delete endpoint ${url}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('No endpoint yet.').waitFor();
});

test('find a user by e-mail and revoke a session', { timeout: 60_000 }, async () => {
  // Two users of the fixture's project sign up through the REST API.
  const { project } = latchkey;
  const signUp = async (email) => {
    const r = await fetch(`${latchkey.baseUrl}/api/v1/auth/password/sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-stack-access-type': 'client',
                 'x-stack-project-id': project.id, 'x-stack-publishable-client-key': project.publishable_client_key },
      body: JSON.stringify({ email, password: 'user-password-1', verification_callback_url: 'http://localhost:3000/verify' }),
    });
    assert.equal(r.status, 200, await r.clone().text());
    return r.json();
  };
  const alice = await signUp('alice@console.test');
  await signUp('bob@console.test');
  created.alice = alice;

  await page.goto(`${latchkey.baseUrl}/console/projects/${project.id}/users`);
  await heading(page, 'Users');
  await page.getByRole('searchbox', { name: 'Search users' }).fill('alice@console');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('link', { name: 'bob@console.test' }).waitFor({ state: 'detached' });
  await shot(page, '31-users-search');
  await page.getByRole('link', { name: 'alice@console.test' }).click();
  await heading(page, 'alice@console.test');
  await shot(page, '32-user');
  await page.getByRole('button', { name: /^Revoke session created/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await page.getByText('No active session.').waitFor();
  // The session's refresh token no longer refreshes.
  const r = await fetch(`${latchkey.baseUrl}/api/v1/auth/sessions/current/refresh`, {
    method: 'POST',
    headers: { 'x-stack-access-type': 'client', 'x-stack-project-id': project.id,
               'x-stack-publishable-client-key': project.publishable_client_key,
               'x-stack-refresh-token': alice.refresh_token },
  });
  assert.equal(r.status, 401);
});

test('create a team and add a member', { timeout: 60_000 }, async () => {
  await openSection('Teams');
  await page.getByRole('button', { name: 'New team' }).click();
  await page.getByLabel('Team name').fill('Ops');
  await page.getByRole('button', { name: 'Create team' }).click();
  await heading(page, 'Ops');
  await page.getByLabel('Member e-mail').fill('alice@console.test');
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.getByRole('link', { name: 'alice@console.test' }).waitFor();
  await shot(page, '33-team');
  const teamId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  const members = await latchkey.admin('GET', `/users?team_id=${teamId}`);
  assert.deepEqual(members.items.map((u) => u.primary_email), ['alice@console.test']);
  // The member got the default member permission, shown on the page.
  await page.getByText('team_member', { exact: true }).first().waitFor();
});

test('page through the sent-e-mail log', { timeout: 60_000 }, async () => {
  // 25 sign-in invitations of the fixture's project, each in its log (the
  // server has no SMTP server: e-mails are logged, and listed as sent).
  for (let i = 0; i < 25; i++) {
    await latchkey.admin('POST', '/internal/send-sign-in-invitation',
                         { email: `invitee-${i}@console.test`, callback_url: 'http://localhost:3000/sign-in' });
  }
  const all = (await latchkey.admin('GET', '/internal/emails')).items.map((m) => m.to.join(', '));
  assert.ok(all.length > 20 && all.length <= 40, `${all.length} e-mails`);
  assert.equal(all[0], 'invitee-24@console.test');

  await page.goto(`${latchkey.baseUrl}/console/projects/${latchkey.project.id}/sent-emails`);
  await heading(page, 'Sent e-mails');
  const pager = page.getByRole('navigation', { name: 'Pages of sent e-mails' });
  const recipients = () => page.locator('main tbody tr td:nth-child(2)').allTextContents();
  await pager.getByText('Page 1').waitFor();
  assert.deepEqual(await recipients(), all.slice(0, 20));
  assert.equal(await pager.getByRole('button', { name: 'Previous page' }).isDisabled(), true);
  await shot(page, '37-sent-emails');

  await pager.getByRole('button', { name: 'Next page' }).click();
  await pager.getByText('Page 2').waitFor();
  assert.deepEqual(await recipients(), all.slice(20));
  assert.equal(await pager.getByRole('button', { name: 'Next page' }).isDisabled(), true);

  await pager.getByRole('button', { name: 'Previous page' }).click();
  await pager.getByText('Page 1').waitFor();
  assert.deepEqual(await recipients(), all.slice(0, 20));
});

test('works on a phone-sized screen', { timeout: 60_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = watch(await context.newPage());
  try {
    await phone.goto(`${latchkey.baseUrl}/console/projects/${latchkey.project.id}/users`);
    await phone.getByLabel('Email', { exact: true }).fill(ADMIN_EMAIL);
    await phone.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    // Signing in from a deep link lands on that page.
    await heading(phone, 'Users');
    await phone.getByRole('link', { name: 'alice@console.test' }).waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
    await shot(phone, '34-phone-users');
    await phone.getByRole('link', { name: 'Authentication' }).click();
    await heading(phone, 'Authentication');
    await shot(phone, '35-phone-authentication');
  } finally {
    await context.close();
  }
});

test('sign out', { timeout: 30_000 }, async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await heading(page, 'Sign in to the console');
  await page.goto(`${latchkey.baseUrl}/console/projects`);
  await heading(page, 'Sign in to the console');
});
