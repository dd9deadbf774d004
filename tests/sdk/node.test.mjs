// Every published SDK version in Node: ./flow.mjs with each version's own
// @stackframe/js (installed by `npm ci` in v<version>/), one Latchkey server
// for all of them (SQLite, or PostgreSQL with $LATCHKEY_TEST_DATABASE_URL).
// $SDK_VERSIONS (comma-separated) picks a subset.
import { after, before, test } from 'node:test';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { runFlow } from './flow.mjs';
import { VERSIONS, startLatchkey, versionDir } from './latchkey.mjs';

const versions = process.env.SDK_VERSIONS ? process.env.SDK_VERSIONS.split(',') : VERSIONS;
let latchkey;

before(async () => { latchkey = await startLatchkey(); });
after(async () => { await latchkey?.stop(); });

for (const version of versions) {
  test(`SDK ${version} in Node`, { timeout: 120_000 }, async () => {
    const sdk = await import(pathToFileURL(path.join(versionDir(version), 'sdk.mjs')).href);
    try {
      await runFlow(sdk, latchkey.config(version));
    } catch (e) {
      console.error(latchkey.logs().split('\n').slice(-40).join('\n'));
      throw e;
    }
  });
}
