// The server the SDK tests run against: Latchkey on loopback with a fresh
// database (a temporary SQLite file, or a new database on the PostgreSQL
// server of $LATCHKEY_TEST_DATABASE_URL, dropped afterwards) and a project
// created through the CLI, with client team creation on.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// The server binary and its environment, as the passkey tests start it.
import { latchkeyBinary, serverEnv } from '../browser/latchkey.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

export const VERSIONS = ['2.8.39', '2.8.41', '2.8.51', '2.8.77', '2.8.102', '2.8.108'];
export const versionDir = (version) => path.join(here, `v${version}`);

// A new database on the PostgreSQL server of `serverUrl`: [url, drop()].
async function freshPostgresDatabase(serverUrl) {
  const name = `sdk_${randomBytes(8).toString('hex')}`;
  await run('psql', [serverUrl, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE "${name}"`]);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const drop = () => run('psql', [serverUrl, '-qc', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`])
    .catch(() => {});
  return [url.toString(), drop];
}

// Latchkey on a free loopback port, served as http://localhost:PORT (so that
// a page on http://127.0.0.1 is another origin), on a fresh database:
// {baseUrl, bin, env, dir, database, logs(), stop()}.
export async function serveLatchkey() {
  const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-sdk-'));
  let database = path.join(dir, 'latchkey.db');
  let dropDatabase = async () => {};
  if (process.env.LATCHKEY_TEST_DATABASE_URL)
    [database, dropDatabase] = await freshPostgresDatabase(process.env.LATCHKEY_TEST_DATABASE_URL);
  const bin = latchkeyBinary();
  const env = serverEnv();
  // A free port chosen first: the public URL (the tokens' issuer) names it.
  const free = net.createServer().listen(0, '127.0.0.1');
  await once(free, 'listening');
  const port = free.address().port;
  await new Promise((resolve) => free.close(resolve));
  const baseUrl = `http://localhost:${port}`;
  const child = spawn(bin, ['serve', '--host', '127.0.0.1', '--port', String(port), '--public-url',
                            baseUrl, '--database', database],
                      { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d) => { output += d; });
  child.stdout.on('data', (d) => { output += d; });
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await dropDatabase();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`latchkey did not start:\n${output}`)), 30000);
      child.stdout.on('data', () => {
        if (output.includes('listening on ')) { clearTimeout(timer); resolve(); }
      });
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`latchkey exited (${code}):\n${output}`));
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { baseUrl, bin, env, dir, database, logs: () => output, stop };
}

export async function startLatchkey() {
  const latchkey = await serveLatchkey();
  const { baseUrl, bin, env, dir, database, stop } = latchkey;
  try {
    const { stdout } = await run(bin, ['project', 'create', '--name', 'SDK test', '--json',
                                       '--database', database], { env, cwd: dir });
    const project = JSON.parse(stdout.split('\n').find((l) => l.trim().startsWith('{')));
    const r = await fetch(`${baseUrl}/api/v1/internal/projects/current`, {
      method: 'PATCH',
      headers: {
        'content-type': 'application/json',
        'x-stack-access-type': 'admin',
        'x-stack-project-id': project.id,
        'x-stack-super-secret-admin-key': project.super_secret_admin_key,
      },
      body: JSON.stringify({ config: { client_team_creation_enabled: true, allow_localhost: true } }),
    });
    if (!r.ok) throw new Error(`configuring the project: ${r.status} ${await r.text()}`);
    return {
      baseUrl,
      logs: latchkey.logs,
      stop,
      config: (version) => ({
        version,
        baseUrl,
        projectId: project.id,
        publishableClientKey: project.publishable_client_key,
        secretServerKey: project.secret_server_key,
      }),
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
