// GET /api/v1/openapi.json (README "Operations"): the document a running
// server serves passes an independent OpenAPI 3.1 validator
// (@seriousme/openapi-schema-validator), each operation in it is a route
// the server answers, the server validates the declared bodies as the
// document says, and real answers of a representative set of routes match
// the success schemas the document declares for them (ajv, JSON Schema
// 2020-12, the dialect of OpenAPI 3.1), extra properties included. The unit
// tests in src/api/openapi_test.cpp check the converse: every registered
// route is in the document, with a declaration.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { serveLatchkey } from '../sdk/latchkey.mjs';

const NOT_A_ROUTE = 'this page does not exist in Stack Auth\'s API';
let latchkey;
let document;
let project;
let accessToken;
let refreshToken;
let signUpAnswer;

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
  signUpAnswer = await signUp.json();
  accessToken = signUpAnswer.access_token;
  refreshToken = signUpAnswer.refresh_token;
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
// The headers of each access type (with the signed-in user's token).
function accessHeaders(access) {
  if (!access) return {};  // a route any caller may call: anonymous
  const keys = {
    client: { 'x-stack-publishable-client-key': project.publishable_client_key },
    server: { 'x-stack-secret-server-key': project.secret_server_key },
    admin: { 'x-stack-super-secret-admin-key': project.super_secret_admin_key },
  };
  return { 'x-stack-project-id': project.id, 'x-stack-access-type': access, ...keys[access] };
}

// Routes whose handler refuses the request before it reads its body, with
// the reason.
const CHECKS_BEFORE_BODY = {
  'post /api/v1/internal/projects': 'needs a dashboard user of the internal project first',
};

test('the server validates each declared body as the document describes it', async () => {
  let checked = 0;
  for (const [path, item] of Object.entries(document.paths)) {
    // Svix's API validates its own bodies (Svix's 422 errors).
    if (path.startsWith('/svix/')) continue;
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters' || op['x-latchkey-schema'] !== 'declared' || !op.requestBody)
        continue;
      if (CHECKS_BEFORE_BODY[`${method} ${path}`]) continue;
      const schema = op.requestBody.content['application/json'].schema;
      // A body that takes any property and requires none refuses nothing.
      const closed = schema.additionalProperties === false;
      if (!closed && !schema.required) continue;
      // Path parameters: a well-formed id, so that only the body is wrong.
      const url = latchkey.baseUrl + path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const access = op['x-latchkey-access-types'][0];
      const r = await fetch(url, {
        method: method.toUpperCase(),
        headers: {
          'content-type': 'application/json',
          'x-stack-access-token': accessToken,
          ...accessHeaders(access),
        },
        body: JSON.stringify({ latchkey_undocumented_field: 1 }),
      });
      const text = await r.text();
      const where = `${method} ${path} (${access ?? 'anonymous'}): ${r.status} ${text}`;
      assert.equal(r.status, 400, where);
      assert.equal(r.headers.get('x-stack-known-error'), 'SCHEMA_ERROR', where);
      if (closed)
        assert.ok(text.includes('body contains unknown properties: latchkey_undocumented_field'),
                  where);
      for (const field of schema.required ?? [])
        assert.ok(text.includes(`body.${field} must be defined`), `${where}: ${field}`);
      checked += 1;
    }
  }
  assert.ok(checked >= 60, `${checked} declared bodies checked`);
});

// --- Real answers against their declared schemas ------------------------------

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);

// The schema of an answer to `access`: fields marked x-latchkey-server-only
// are required of server and admin answers, and must be absent from a
// client's (additionalProperties false then refuses them).
function forAccess(schema, server) {
  if (Array.isArray(schema)) return schema.map((s) => forAccess(s, server));
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) out[key] = forAccess(value, server);
  if (out.properties) {
    const required = new Set(out.required ?? []);
    for (const [name, property] of Object.entries(schema.properties)) {
      if (!property['x-latchkey-server-only']) continue;
      if (server) required.add(name);
      else delete out.properties[name];
    }
    if (required.size) out.required = [...required];
  }
  return out;
}

let validated = 0;
const validatedOperations = new Set();

// Validates `body`, the answer with `status` of `method path` (the document's
// path template) to `access`, against the schema the document declares.
function expectDeclared(method, template, access, status, body) {
  const op = document.paths[template]?.[method];
  assert.ok(op, `${method} ${template} is not in the document`);
  const declared = op.responses[String(status)];
  const where = `${method} ${template} (${access}) answered ${status}`;
  assert.ok(declared, `${where}, which the document does not declare: ${JSON.stringify(body)}`);
  const schema = declared.content?.['application/json']?.schema;
  assert.ok(schema, `${where}: no JSON schema declared`);
  const validate = ajv.compile(forAccess(schema, access !== 'client'));
  assert.ok(validate(body),
            `${where}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body, null, 1)}`);
  validated += 1;
  validatedOperations.add(`${method} ${template}`);
}

// Calls `method template` (with `params` filled in) as `access` and checks
// its answer against the document: the answer's JSON.
async function call(method, template, { access = 'client', params = {}, query, body,
                                        headers = {} } = {}) {
  let path = template;
  for (const [name, value] of Object.entries(params))
    path = path.replace(`{${name}}`, encodeURIComponent(value));
  const url = new URL(`${latchkey.baseUrl}/api/v1${path}`);
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
  const r = await fetch(url, {
    method: method.toUpperCase(),
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      'x-stack-access-token': accessToken,
      ...accessHeaders(access),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.ok(r.status < 300, `${method} ${path} (${access}): ${r.status} ${text}`);
  const answer = JSON.parse(text);
  expectDeclared(method, `/api/v1${template}`, access, r.status, answer);
  return answer;
}

// The Svix-compatible API (its own paths, a Bearer token): each answer
// against the document.
async function checkSvixAnswers(token) {
  const svix = async (method, path, body) => {
    const r = await fetch(latchkey.baseUrl + path, {
      method: method.toUpperCase(),
      headers: { authorization: `Bearer ${token}`,
                 ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text}`);
    return [r.status, text ? JSON.parse(text) : undefined];
  };
  const check = async (method, template, params, body) => {
    let path = template;
    for (const [name, value] of Object.entries(params)) path = path.replace(`{${name}}`, value);
    const [status, answer] = await svix(method, path, body);
    expectDeclared(method, template, 'svix', status, answer);
    return answer;
  };
  const apps = await check('get', '/svix/api/v1/app', {});
  const app = { app_id: apps.data[0].id };
  await check('post', '/svix/api/v1/app', {}, { uid: project.id, name: 'OpenAPI' });
  await check('get', '/svix/api/v1/app/{app_id}', app);
  const endpoint = await check('post', '/svix/api/v1/app/{app_id}/endpoint', app,
                               { url: 'http://127.0.0.1:9/hook', filterTypes: ['user.created'] });
  const one = { ...app, endpoint_id: endpoint.id };
  await check('get', '/svix/api/v1/app/{app_id}/endpoint', app);
  await check('get', '/svix/api/v1/app/{app_id}/endpoint/{endpoint_id}', one);
  await check('patch', '/svix/api/v1/app/{app_id}/endpoint/{endpoint_id}', one,
              { description: 'patched' });
  await check('put', '/svix/api/v1/app/{app_id}/endpoint/{endpoint_id}', one,
              { url: 'http://127.0.0.1:9/hook2' });
  await check('get', '/svix/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret', one);
  const message = await check('post', '/svix/api/v1/app/{app_id}/msg', app,
                              { eventType: 'user.created', payload: { id: 'x' } });
  await check('get', '/svix/api/v1/app/{app_id}/msg', app);
  await check('get', '/svix/api/v1/app/{app_id}/msg/{msg_id}', { ...app, msg_id: message.id });
  await check('get', '/svix/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}', one);
  await check('get', '/svix/api/v1/app/{app_id}/attempt/msg/{msg_id}',
              { ...app, msg_id: message.id });
}

test('real answers match the success schemas the document declares', async () => {
  expectDeclared('post', '/api/v1/auth/password/sign-up', 'client', 200, signUpAnswer);
  const me = await call('get', '/users/me');
  await call('get', '/users/me', { access: 'server' });
  await call('patch', '/users/me', { body: { display_name: 'Ada' } });
  const other = await call('post', '/users', {
    access: 'server', body: { primary_email: 'other@example.com', display_name: 'Other' } });
  await call('get', '/users', { access: 'server' });
  await call('get', '/users', { access: 'server', query: { limit: '1' } });
  await call('get', '/users/{user_id}', { access: 'admin', params: { user_id: other.id } });

  const team = await call('post', '/teams', {
    access: 'server', body: { display_name: 'Team', creator_user_id: me.id } });
  await call('get', '/teams', { query: { user_id: 'me' } });
  await call('get', '/teams', { access: 'server' });
  await call('get', '/teams/{team_id}', { params: { team_id: team.id } });
  await call('patch', '/teams/{team_id}', {
    access: 'server', params: { team_id: team.id }, body: { display_name: 'Team 2' } });
  await call('post', '/team-memberships/{team_id}/{user_id}', {
    access: 'server', params: { team_id: team.id, user_id: other.id }, body: {} });
  await call('get', '/team-member-profiles', { access: 'server', query: { team_id: team.id } });
  await call('get', '/team-member-profiles', { query: { team_id: team.id, user_id: 'me' } });
  await call('get', '/team-member-profiles/{team_id}/{user_id}', {
    params: { team_id: team.id, user_id: 'me' } });
  await call('patch', '/users/me', { body: { selected_team_id: team.id } });
  await call('get', '/users/me');  // with its selected team
  await call('get', '/users/{user_id}', { access: 'server', params: { user_id: me.id } });

  await call('post', '/team-permission-definitions', {
    access: 'admin', body: { id: 'read', description: 'Reads' } });
  await call('get', '/team-permission-definitions', { access: 'admin' });
  await call('post', '/team-permissions/{team_id}/{user_id}/{permission_id}', {
    access: 'server', params: { team_id: team.id, user_id: other.id, permission_id: 'read' },
    body: {} });
  await call('get', '/team-permissions', { query: { team_id: team.id, user_id: 'me' } });
  await call('get', '/team-invitations', { access: 'server', query: { team_id: team.id } });

  await call('get', '/contact-channels', { query: { user_id: 'me' } });
  const channel = await call('post', '/contact-channels', {
    access: 'server',
    body: { user_id: other.id, type: 'email', value: 'second@example.com', used_for_auth: false } });
  await call('get', '/contact-channels/{user_id}/{contact_channel_id}', {
    access: 'server', params: { user_id: other.id, contact_channel_id: channel.id } });

  await call('get', '/auth/sessions', { query: { user_id: 'me' } });
  await call('post', '/auth/sessions', { access: 'server', body: { user_id: other.id } });
  await call('post', '/auth/sessions/current/refresh', {
    headers: { 'x-stack-refresh-token': refreshToken } });

  await call('get', '/projects/current');
  await call('patch', '/internal/projects/current', {
    access: 'admin', body: { config: { allow_user_api_keys: true, allow_team_api_keys: true } } });
  await call('get', '/internal/projects/current', { access: 'admin' });
  const key = await call('post', '/user-api-keys', {
    body: { user_id: 'me', description: 'CI', expires_at_millis: null } });
  await call('get', '/user-api-keys', { query: { user_id: 'me' } });
  await call('post', '/user-api-keys/check', { access: 'server', body: { api_key: key.value } });
  await call('post', '/team-api-keys', {
    access: 'server',
    body: { team_id: team.id, description: 'Team key', expires_at_millis: Date.now() + 3600e3 } });
  await call('get', '/internal/api-keys', { access: 'admin' });
  await call('post', '/internal/api-keys', {
    access: 'admin',
    body: { description: 'keys', expires_at_millis: Date.now() + 3600e3,
            has_publishable_client_key: true, has_secret_server_key: false,
            has_super_secret_admin_key: false } });

  await call('get', '/emails/notification-preference/{user_id}', { params: { user_id: 'me' } });
  await call('get', '/email-templates', { access: 'admin' });
  await call('get', '/internal/emails', { access: 'admin', query: { limit: '5' } });

  await call('patch', '/internal/projects/current', {
    access: 'admin', body: { config: { passkey_enabled: true } } });
  await call('post', '/auth/passkey/initiate-passkey-registration', { body: {} });
  await call('get', '/internal/projects/current/rate-limits', { access: 'admin' });
  await call('patch', '/internal/projects/current/rate-limits', {
    access: 'admin', body: { sign_in_failures_per_account: '5/15min' } });
  await call('post', '/auth/cli', { body: {} });
  const { token: svixToken } = await call('post', '/webhooks/svix-token', {
    access: 'admin', body: {} });
  await checkSvixAnswers(svixToken);
  await call('post', '/check-version', {
    access: null, body: { clientVersion: 'js @stackframe/js@2.8.41' } });
  await call('get', '/projects/{project_id}/.well-known/jwks.json', {
    access: null, params: { project_id: project.id } });
  await call('post', '/emails/render-email', {
    access: null, body: { theme: 'default-light', preview_html: '<p>Hi</p>' } });

  await call('delete', '/teams/{team_id}', { access: 'server', params: { team_id: team.id } });
  assert.ok(validated >= 65, `${validated} answers validated`);
  assert.ok(validatedOperations.size >= 55, `${validatedOperations.size} operations`);
  console.log(`# ${validated} answers of ${validatedOperations.size} operations validated`);
});

// The check above can fail: an answer with a property its declaration
// lacks, or without one it requires, is refused.
test('an answer that drifts from its declaration fails the check', async () => {
  const me = await call('get', '/users/me');
  assert.throws(() => expectDeclared('get', '/api/v1/users/me', 'client', 200,
                                     { ...me, latchkey_new_field: 1 }),
                /must NOT have additional properties/);
  const { display_name: _, ...missing } = me;
  assert.throws(() => expectDeclared('get', '/api/v1/users/me', 'client', 200, missing),
                /must have required property 'display_name'/);
  // A server-only field in a client's answer, or missing from a server's.
  assert.throws(() => expectDeclared('get', '/api/v1/users/me', 'client', 200,
                                     { ...me, server_metadata: null }),
                /must NOT have additional properties/);
  assert.throws(() => expectDeclared('get', '/api/v1/users/me', 'server', 200, me),
                /must have required property/);
});
