// A customised e-mail template as a person sees it: Latchkey renders the
// template document, delivers it over SMTP to a sink on loopback, and
// Debian's Chromium (playwright-core) shows the HTML part. The test checks
// what is on screen (heading, text, the button and where it leads, the
// columns side by side), that nothing in the template ran as script, and
// saves a screenshot ($LATCHKEY_SCREENSHOT_DIR, else a temporary folder; the
// path is printed).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { startLatchkey } from './latchkey.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

// The smallest SMTP server that accepts mail: enough for Latchkey's libcurl
// client (no TLS offered, no AUTH advertised).
async function startSmtpSink() {
  const messages = [];
  const waiting = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let inData = false;
    socket.setEncoding('latin1');
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          messages.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write('250 accepted\r\n');
          waiting.splice(0).forEach((resolve) => resolve());
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 sink\r\n');
        else if (verb === 'DATA') { inData = true; socket.write('354 go ahead\r\n'); }
        else if (verb === 'QUIT') { socket.end('221 bye\r\n'); return; }
        else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: server.address().port,
    async next() {
      if (!messages.length) await new Promise((resolve) => waiting.push(resolve));
      return messages.shift();
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

// The decoded HTML part of a multipart message with base64 parts.
function htmlPart(message) {
  const boundary = /boundary="([^"]+)"/.exec(message)[1];
  for (const part of message.split(`--${boundary}`)) {
    if (!/Content-Type: text\/html/i.test(part)) continue;
    const body = part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\s+/g, '');
    return Buffer.from(body, 'base64').toString('utf8');
  }
  throw new Error(`no HTML part in:\n${message}`);
}

const padding = { top: 16, right: 24, bottom: 16, left: 24 };
const template = {
  root: {
    type: 'EmailLayout',
    data: {
      backdropColor: '#E8EEF5', canvasColor: '#FFFFFF', textColor: '#1F2937',
      fontFamily: 'MODERN_SANS',
      childrenIds: ['heading', 'text', 'button', 'divider', 'columns', 'footer'],
    },
  },
  heading: { type: 'Heading', data: { props: { text: 'Welcome to {{ projectDisplayName }}', level: 'h1' }, style: { padding } } },
  text: {
    type: 'Text',
    data: {
      props: { text: 'You are invited.<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">' },
      style: { padding, fontSize: 16 },
    },
  },
  button: {
    type: 'Button',
    data: {
      props: { text: 'Sign in now', url: '{{ signInInvitationLink }}', buttonBackgroundColor: '#2563EB', buttonTextColor: '#FFFFFF', buttonStyle: 'rounded', size: 'large' },
      style: { padding, textAlign: 'center' },
    },
  },
  divider: { type: 'Divider', data: { props: { lineColor: '#CBD5E1', lineHeight: 1 }, style: { padding } } },
  columns: {
    type: 'ColumnsContainer',
    data: {
      props: { columnsCount: 2, columnsGap: 16, columns: [{ childrenIds: ['left'] }, { childrenIds: ['right'] }, { childrenIds: [] }] },
      style: { padding },
    },
  },
  left: { type: 'Text', data: { props: { text: 'Left column' } } },
  right: { type: 'Text', data: { props: { text: 'Right column' } } },
  footer: { type: 'Text', data: { props: { text: 'Not expecting this? Ignore it.' }, style: { color: '#6B7280', fontSize: 12, padding } } },
};

let latchkey;
let sink;
let profile;
let context;

before(async () => {
  sink = await startSmtpSink();
  latchkey = await startLatchkey();
  await latchkey.admin('PATCH', '/internal/projects/current', {
    config: {
      allow_localhost: true,
      email_config: {
        type: 'standard', host: '127.0.0.1', port: sink.port, username: 'u', password: 'p',
        sender_name: 'Browser test', sender_email: 'browser@example.com',
      },
    },
  });
  profile = await mkdtemp(path.join(tmpdir(), 'latchkey-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
});

after(async () => {
  await context?.close();
  await latchkey?.stop();
  await sink?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

test('a customised template renders in Chromium as designed, without running script', async (t) => {
  await latchkey.admin('PATCH', '/email-templates/sign_in_invitation',
                       { subject: 'Join {{ projectDisplayName }}', content: template });
  const callback = 'http://localhost:12345/welcome?from=email';
  await latchkey.admin('POST', '/internal/send-sign-in-invitation',
                       { email: 'reader@example.com', callback_url: callback });
  const message = await sink.next();
  assert.match(message, /^Subject: Join Browser test\r$/m);
  const html = htmlPart(message);

  const page = await context.newPage();
  await page.setViewportSize({ width: 700, height: 900 });
  await page.setContent(html, { waitUntil: 'load' });

  assert.equal(await page.locator('h1').innerText(), 'Welcome to Browser test');
  assert.ok(await page.getByText('You are invited.<script>window.__pwned = 1</script>', { exact: false }).isVisible());
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('script, img[onerror]').count(), 0);

  const button = page.getByRole('link', { name: 'Sign in now' });
  assert.ok(await button.isVisible());
  assert.equal(await button.getAttribute('href'), callback);
  assert.equal(await button.evaluate((a) => getComputedStyle(a).backgroundColor), 'rgb(37, 99, 235)');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(232, 238, 245)');

  // The two columns sit side by side.
  const left = await page.getByText('Left column').boundingBox();
  const right = await page.getByText('Right column').boundingBox();
  assert.ok(Math.abs(left.y - right.y) < 2 && right.x > left.x + left.width, JSON.stringify({ left, right }));

  const dir = process.env.LATCHKEY_SCREENSHOT_DIR || await mkdtemp(path.join(tmpdir(), 'latchkey-email-'));
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'sign-in-invitation.png');
  await page.screenshot({ path: file, fullPage: true });
  t.diagnostic(`screenshot: ${file}`);
  await page.close();
});
