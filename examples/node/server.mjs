// An API server that trusts Latchkey's users:
//   GET /whoami        Authorization: Bearer <access token>
//     The token is verified here, without asking Latchkey: its signature
//     against the project's public keys (JWKS, fetched once and cached by
//     jose), its issuer, audience and expiry.
//   GET /api-key-owner X-Api-Key: <a user API key>
//     The key is checked by Latchkey (POST /api/v1/user-api-keys/check,
//     through the SDK's StackServerApp.getUser({ apiKey })).
import http from 'node:http';
import { pathToFileURL } from 'node:url';

import { StackServerApp } from '@stackframe/js';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { stackSettings } from './stack.mjs';

export function createServer(settings = stackSettings()) {
  const stack = new StackServerApp({ ...settings, tokenStore: null });
  const jwks = createRemoteJWKSet(
    new URL(`${settings.baseUrl}/api/v1/projects/${settings.projectId}/.well-known/jwks.json`));
  // Stack's issuer: the API's origin (any path of the URL dropped).
  const issuer = new URL(`/api/v1/projects/${settings.projectId}`, settings.baseUrl).href;

  async function whoami(req) {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return [401, { error: 'no bearer token' }];
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer, audience: settings.projectId,
                                                    algorithms: ['ES256'] }));
    } catch (e) {
      return [401, { error: `invalid access token: ${e.code ?? e.message}` }];
    }
    // The claims are enough to know who is calling; the server key gets
    // the rest of the profile when it is needed.
    const user = await stack.getUser(payload.sub);
    return [200, { user_id: payload.sub, email: payload.email, display_name: user?.displayName ?? null }];
  }

  async function apiKeyOwner(req) {
    const apiKey = req.headers['x-api-key'];
    if (!apiKey) return [401, { error: 'no X-Api-Key header' }];
    const user = await stack.getUser({ apiKey });
    if (!user) return [401, { error: 'unknown, expired or revoked API key' }];
    return [200, { user_id: user.id, email: user.primaryEmail }];
  }

  return http.createServer(async (req, res) => {
    const routes = { '/whoami': whoami, '/api-key-owner': apiKeyOwner };
    const route = req.method === 'GET' ? routes[new URL(req.url, 'http://x').pathname] : undefined;
    let status = 404;
    let body = { error: 'not found' };
    try {
      if (route) [status, body] = await route(req);
    } catch (e) {
      console.error(e);
      [status, body] = [500, { error: 'internal error' }];
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 4000);
  createServer().listen(port, '127.0.0.1', () =>
    console.log(`listening on http://127.0.0.1:${port}`));
}
