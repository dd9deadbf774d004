// Test fixtures for the browser tests: a Latchkey server on a fresh SQLite
// database (--test-mode, loopback only) with a project created through the
// CLI, and a tiny static server for the test pages on http://localhost.
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const run = promisify(execFile);

// $LATCHKEY_BIN (the binary or a build directory), else <repo>/build/latchkey.
export function latchkeyBinary() {
  const configured = process.env.LATCHKEY_BIN;
  if (!configured) return path.join(repo, 'build', 'latchkey');
  return statSync(configured, { throwIfNoEntry: false })?.isDirectory()
    ? path.join(configured, 'latchkey')
    : configured;
}

// Only what the test sets: no STACK_* from the caller's environment.
export function serverEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('STACK_') && !k.startsWith('NEXT_PUBLIC_STACK_')) env[k] = v;
  env.STACK_SERVER_SECRET = '23-wuNpik0gIW4mruTz25rbIvhuuvZFrLOLtL7J4tyo';
  return env;
}

// `extraEnv`: more variables for the server (e.g. CRON_SECRET).
export async function startLatchkey(extraEnv = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-browser-'));
  const database = path.join(dir, 'latchkey.db');
  const bin = latchkeyBinary();
  const env = { ...serverEnv(), ...extraEnv };
  // Port 0: the server prints the port it got ("listening on http://…").
  const child = spawn(bin, ['serve', '--host', '127.0.0.1', '--port', '0', '--database', database,
                            '--test-mode'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d) => { output += d; });
  child.stdout.on('data', (d) => { output += d; });
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await rm(dir, { recursive: true, force: true });
  };
  let baseUrl;
  let project;
  try {
    baseUrl = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`latchkey did not start:\n${output}`)), 20000);
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`latchkey exited (${code}):\n${output}`));
      });
    });
    const { stdout } = await run(bin, ['project', 'create', '--name', 'Browser test', '--json',
                                       '--database', database], { env, cwd: dir });
    project = JSON.parse(stdout.split('\n').find((l) => l.trim().startsWith('{')));
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    baseUrl,
    project,
    database,
    env,
    logs: () => output,
    async admin(method, route, body) {
      const r = await fetch(`${baseUrl}/api/v1${route}`, {
        method,
        headers: {
          'content-type': 'application/json',
          'x-stack-access-type': 'admin',
          'x-stack-project-id': project.id,
          'x-stack-super-secret-admin-key': project.super_secret_admin_key,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`${method} ${route}: ${r.status} ${text}`);
      return JSON.parse(text);
    },
    stop,
  };
}

// Serves tests/browser/page/ on 127.0.0.1; the pages are opened as
// http://localhost:<port>/, a secure context whose hostname is the RP ID.
export async function startPageServer() {
  const root = path.join(here, 'page');
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
  const server = http.createServer(async (req, res) => {
    const name = new URL(req.url, 'http://localhost').pathname.replace(/^\/+/, '') || 'passkeys.html';
    if (!/^[a-z0-9_-]+\.(html|js)$/.test(name)) { res.writeHead(404).end(); return; }
    try {
      const body = await readFile(path.join(root, name));
      res.writeHead(200, { 'content-type': types[path.extname(name)] }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://localhost:${server.address().port}/`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
