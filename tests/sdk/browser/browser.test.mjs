// The oldest and the newest SDK in a real browser, across origins: each is
// bundled for the browser with esbuild (../v<version>/sdk.mjs and
// ../flow.mjs), loaded by a page on http://127.0.0.1:<port> and run in
// Debian's Chromium against Latchkey on http://localhost:<other port>, so
// every request is a cross-origin one with a CORS preflight.
// $SDK_BROWSER_VERSIONS (comma-separated) picks the versions.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

import { startLatchkey, versionDir } from '../latchkey.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
// As tests/browser: root in CI needs --no-sandbox; containers often have a
// tiny /dev/shm.
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];
const versions = (process.env.SDK_BROWSER_VERSIONS || '2.8.39,2.8.108').split(',');

// The page and one bundle per version, served from memory.
async function bundle(version) {
  const out = await esbuild.build({
    stdin: {
      contents: `import * as sdk from './sdk.mjs';
                 import { runFlow } from '../flow.mjs';
                 window.runSdkFlow = (cfg) => runFlow(sdk, cfg);`,
      resolveDir: versionDir(version),
      sourcefile: `sdk-${version}-entry.mjs`,
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'chrome110',
    write: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return out.outputFiles[0].contents;
}

async function startPageServer(bundles) {
  const server = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://127.0.0.1').pathname;
    const m = /^\/sdk-([0-9.]+)\.js$/.exec(name);
    if (m && bundles.has(m[1])) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundles.get(m[1]));
    } else if (/^\/([0-9.]+)$/.test(name) && bundles.has(name.slice(1))) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><title>SDK ${name.slice(1)}</title>` +
             `<script type="module" src="/sdk-${name.slice(1)}.js"></script>`);
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

let latchkey;
let pages;
let profile;
let context;

before(async () => {
  const bundles = new Map();
  for (const v of versions) bundles.set(v, await bundle(v));
  latchkey = await startLatchkey();
  pages = await startPageServer(bundles);
  profile = await mkdtemp(path.join(tmpdir(), 'latchkey-sdk-chromium-'));
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

for (const version of versions) {
  test(`SDK ${version} in Chromium, page and Latchkey on different origins`, { timeout: 120_000 },
       async () => {
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()} ` +
                                                  `${r.failure()?.errorText}`));
    try {
      await page.goto(`${pages.origin}/${version}`);
      await page.waitForFunction(() => typeof window.runSdkFlow === 'function');
      const cfg = latchkey.config(version);
      assert.notEqual(new URL(cfg.baseUrl).origin, pages.origin);
      const result = await page.evaluate(async (c) => {
        try {
          return { steps: await window.runSdkFlow(c) };
        } catch (e) {
          return { error: String(e?.message ?? e), steps: e?.steps };
        }
      }, cfg);
      assert.equal(result.error, undefined,
                   `${result.error}\n${problems.join('\n')}\n${latchkey.logs().split('\n').slice(-30).join('\n')}`);
      // Every SDK request carries x-stack-* (x-hexclave-*) headers from
      // another origin: Chromium sent each only after a CORS preflight.
      assert.ok(result.steps.includes('sign-out revoked the refresh token'), JSON.stringify(result));
    } finally {
      await page.close();
    }
  });
}
