// GET /api/v1/openapi.json (README "Operations"): the document a running
// server serves passes an independent OpenAPI 3.1 validator
// (@seriousme/openapi-schema-validator), and each operation in it is a route
// the server answers. The unit test src/api/openapi_test.cpp checks the
// converse: every registered route is in the document.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Validator } from '@seriousme/openapi-schema-validator';

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { serveLatchkey } from '../sdk/latchkey.mjs';

const NOT_A_ROUTE = 'this page does not exist in Stack Auth\'s API';
let latchkey;
let document;
let project;
let accessToken;

before(async () => {
  latchkey = await serveLatchkey();
  const { stdout } = await promisify(execFile)(
    latchkey.bin, ['project', 'create', '--name', 'OpenAPI test', '--json', '--database',
                   latchkey.database], { env: latchkey.env, cwd: latchkey.dir });
  project = JSON.parse(stdout.split('\n').find((l) => l.trim().startsWith('{')));
  // A signed-in user, so that routes about "me" get as far as their body.
  const signUp = await fetch(`${latchkey.baseUrl}/api/v1/auth/password/sign-up`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-stack-project-id': project.id,
      'x-stack-access-type': 'client',
      'x-stack-publishable-client-key': project.publishable_client_key,
    },
    body: JSON.stringify({ email: 'openapi@example.com', password: 'a long password',
                           verification_callback_url: `${latchkey.baseUrl}/verify` }),
  });
  assert.equal(signUp.status, 200, await signUp.clone().text());
  accessToken = (await signUp.json()).access_token;
  const r = await fetch(`${latchkey.baseUrl}/api/v1/openapi.json`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  document = await r.json();
});

after(async () => {
  await latchkey?.stop();
});

test('an independent OpenAPI 3.1 validator accepts the document', async () => {
  const validator = new Validator();
  const result = await validator.validate(document);
  assert.deepEqual(result.errors ?? [], []);
  assert.equal(result.valid, true);
  assert.equal(validator.version, '3.1');
});

test('every documented operation reaches a route of the server', async () => {
  // Without credentials: a route that needs them stops at the access check,
  // which still shows it exists (neither the 404 page nor 405).
  let operations = 0;
  for (const [path, item] of Object.entries(document.paths)) {
    if (path.startsWith('/svix/') || path.startsWith('/health')) continue;
    const url = latchkey.baseUrl + path.replace(/\{[^}]+\}/g, 'x');
    for (const method of Object.keys(item)) {
      if (method === 'parameters') continue;
      operations += 1;
      const r = await fetch(url, { method: method.toUpperCase(), redirect: 'manual' });
      const text = await r.text();
      assert.ok(!text.includes(NOT_A_ROUTE), `${method} ${path}: not a route`);
      assert.notEqual(r.status, 405, `${method} ${path}`);
    }
  }
  assert.ok(operations > 100, `${operations} operations`);
});

test('declared routes carry their body schema, access types and errors', () => {
  const signIn = document.paths['/api/v1/auth/password/sign-in'].post;
  assert.deepEqual(signIn['x-latchkey-access-types'], ['client', 'server', 'admin']);
  const body = signIn.requestBody.content['application/json'].schema;
  assert.deepEqual(body.required, ['email', 'password']);
  const errors = signIn.responses['400'].content['application/json'].schema.allOf[1];
  assert.ok(errors.properties.code.enum.includes('EMAIL_PASSWORD_MISMATCH'));
  const accessType = signIn.parameters.find((p) => p.name === 'x-stack-access-type');
  assert.deepEqual(accessType.schema.enum, ['client', 'server', 'admin']);
  const user = document.paths['/api/v1/users/{user_id}'];
  assert.equal(user.parameters[0].name, 'user_id');
  assert.deepEqual(user.get['x-latchkey-access-types'], ['server', 'admin']);
});

// Each declared body, sent empty but for a field the document does not
// list, is refused with one SCHEMA_ERROR that names that field as unknown
// and each field the document marks required as missing: the document says
// what the server validates.
test('the server validates each declared body as the document describes it', async () => {
  const headers = {
    client: { 'x-stack-publishable-client-key': project.publishable_client_key },
    server: { 'x-stack-secret-server-key': project.secret_server_key },
    admin: { 'x-stack-super-secret-admin-key': project.super_secret_admin_key },
  };
  let checked = 0;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters' || op['x-latchkey-schema'] !== 'declared' || !op.requestBody)
        continue;
      // Path parameters: a well-formed id, so that only the body is wrong.
      const url = latchkey.baseUrl + path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const access = op['x-latchkey-access-types'][0] ?? 'client';
      const r = await fetch(url, {
        method: method.toUpperCase(),
        headers: {
          'content-type': 'application/json',
          'x-stack-project-id': project.id,
          'x-stack-access-type': access,
          'x-stack-access-token': accessToken,
          ...headers[access],
        },
        body: JSON.stringify({ latchkey_undocumented_field: 1 }),
      });
      const text = await r.text();
      const where = `${method} ${path} (${access}): ${r.status} ${text}`;
      assert.equal(r.status, 400, where);
      assert.equal(r.headers.get('x-stack-known-error'), 'SCHEMA_ERROR', where);
      assert.ok(text.includes('body contains unknown properties: latchkey_undocumented_field'),
                where);
      const schema = op.requestBody.content['application/json'].schema;
      for (const field of schema.required ?? [])
        assert.ok(text.includes(`body.${field} must be defined`), `${where}: ${field}`);
      checked += 1;
    }
  }
  assert.ok(checked >= 10, `${checked} declared bodies checked`);
});
