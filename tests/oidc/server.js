// A real OpenID Connect provider (node oidc-provider) on loopback for
// Latchkey's OAuth end-to-end tests. Its routes use Google's paths, so the
// same server stands in for Google (Latchkey's test-only base URL setting
// points the google provider here) and serves the generic `oidc` provider
// through its discovery document.
//
// Environment: PORT (required), OIDC_CLIENTS (JSON array of
// {client_id, client_secret, redirect_uris, token_endpoint_auth_method?}).
//
// The login/consent interaction is a plain form an HTTP client can post:
// POST /interaction/<uid> with login=<account id> and optionally
// email=<address or "-" for none>, email_verified=true|false, name=<text>,
// or decision=deny to refuse (the client then receives access_denied).
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
if (!port) throw new Error('PORT is required');
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');

const GOOGLE_EMAIL = 'https://www.googleapis.com/auth/userinfo.email';
const GOOGLE_PROFILE = 'https://www.googleapis.com/auth/userinfo.profile';

// Accounts are created by logging in; the form decides their claims.
const accounts = new Map();

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: c.token_endpoint_auth_method || 'client_secret_basic',
  })),
  routes: {
    authorization: '/o/oauth2/v2/auth',
    token: '/token',
    userinfo: '/v1/userinfo',
    jwks: '/oauth2/v3/certs',
  },
  scopes: ['openid', 'offline_access', 'email', 'profile', GOOGLE_EMAIL, GOOGLE_PROFILE],
  claims: {
    email: ['email', 'email_verified'],
    profile: ['name', 'picture'],
    [GOOGLE_EMAIL]: ['email', 'email_verified'],
    [GOOGLE_PROFILE]: ['name', 'picture'],
  },
  async findAccount(_ctx, id) {
    const claims = accounts.get(id);
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  // Every client that may refresh gets refresh tokens (Google's
  // access_type=offline), so connected-account refreshes can be tested.
  async issueRefreshToken(_ctx, client) {
    return client.grantTypeAllowed('refresh_token');
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['latchkey-test-oidc-provider-only'] },
  ttl: { AccessToken: 3600, AuthorizationCode: 600, IdToken: 3600, RefreshToken: 86400,
         Interaction: 600, Session: 3600, Grant: 86400 },
});

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      data += chunk;
      if (data.length > 100000) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([A-Za-z0-9_-]+)$/);
  if (!m) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Sign in</title>
<form method="post" action="/interaction/${escapeHtml(details.uid)}">
<p>Prompt: ${escapeHtml(details.prompt.name)} for ${escapeHtml(details.params.client_id)}</p>
<input name="login" placeholder="account id"> <input name="email" placeholder="e-mail">
<select name="email_verified"><option>true</option><option>false</option></select>
<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button>
</form>`;
    return undefined;
  }
  if (ctx.method !== 'POST') {
    ctx.status = 405;
    return undefined;
  }
  const form = new URLSearchParams(await readBody(ctx.req));
  let result;
  if (form.get('decision') === 'deny') {
    result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
  } else {
    const accountId = form.get('login') || details.session?.accountId;
    if (!accountId) {
      ctx.status = 400;
      ctx.body = 'login is required';
      return undefined;
    }
    if (form.get('login')) {
      const email = form.get('email') || `${accountId}@example.com`;
      const claims = { name: form.get('name') || `Test ${accountId}` };
      if (email !== '-') {
        claims.email = email;
        claims.email_verified = form.get('email_verified') !== 'false';
      }
      accounts.set(accountId, claims);
    }
    // Login and consent in one step: the grant covers what was asked for.
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    result = { login: { accountId }, consent: { grantId } };
  }
  const redirectTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.status = 303;
  ctx.redirect(redirectTo);
  return undefined;
});

http.createServer(provider.callback()).listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
