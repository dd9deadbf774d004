// The console's only way to the server: Latchkey's public REST API, as any
// client uses it. The dashboard user signs in to the internal project with
// its publishable client key; every project is then managed with that
// user's access token as the admin access token (x-stack-admin-access-token),
// as Stack's dashboard does.

const SESSION_KEY = 'latchkey-console-session';
let config = null;
let session = null;
let refreshing = null;
const signedOutListeners = [];

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export async function loadConfig() {
  const r = await fetch('/console/config.json', { cache: 'no-store' });
  if (!r.ok) throw new Error(`The console's configuration did not load (${r.status}).`);
  config = await r.json();
  try {
    session = JSON.parse(localStorage.getItem(SESSION_KEY) || 'null');
  } catch {
    session = null;
  }
  return config;
}

export function publicUrl() {
  return (config?.public_url || location.origin).replace(/\/+$/, '');
}

export function isSignedIn() {
  return !!session;
}

export function onSignedOut(listener) {
  signedOutListeners.push(listener);
}

function saveSession(s) {
  session = s;
  if (s) localStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else localStorage.removeItem(SESSION_KEY);
}

async function request(method, path, { headers = {}, body, query } = {}) {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [k, v] of Object.entries(query ?? {}))
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  const init = { method, headers: { ...headers }, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(url, init);
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server could not be reached. Check that Latchkey is running.');
  }
  const text = await r.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!r.ok) {
    const code = r.headers.get('x-stack-known-error') || data?.code;
    const message = data && typeof data.error === 'string' ? data.error
                  : text ? text.split('\n\nRequest ID')[0] : `The server answered ${r.status}.`;
    throw new ApiError(r.status, code, message, data?.details);
  }
  return data;
}

function internalHeaders() {
  return {
    'x-stack-access-type': 'client',
    'x-stack-project-id': config.project_id,
    'x-stack-publishable-client-key': config.publishable_client_key,
  };
}

function startSession(r) {
  saveSession({ access_token: r.access_token, refresh_token: r.refresh_token, user_id: r.user_id });
}

// A sign-in of a user with TOTP answers MULTI_FACTOR_AUTHENTICATION_REQUIRED
// with an attempt code: finish it with signInWithTotp.
export async function signIn(email, password) {
  startSession(await request('POST', '/auth/password/sign-in',
                             { headers: internalHeaders(), body: { email, password } }));
}

export async function signInWithTotp(attemptCode, totp) {
  startSession(await request('POST', '/auth/mfa/sign-in',
                             { headers: internalHeaders(), body: { type: 'totp', totp, code: attemptCode } }));
}

// The internal project's public configuration (which sign-in methods the
// console may offer).
export async function internalConfig() {
  return (await request('GET', '/projects/current', { headers: internalHeaders() })).config;
}

export const MAGIC_LINK_PATH = '/console/magic-link';

// Sends a sign-in code (and magic link back to the console); resolves to the
// nonce that completes the 6-character code typed from the e-mail.
export async function sendSignInCode(email) {
  const r = await request('POST', '/auth/otp/send-sign-in-code', {
    headers: internalHeaders(), body: { email, callback_url: `${location.origin}${MAGIC_LINK_PATH}` },
  });
  return r.nonce;
}

export async function signInWithCode(code) {
  startSession(await request('POST', '/auth/otp/sign-in', { headers: internalHeaders(), body: { code } }));
}

export async function signOut() {
  const s = session;
  saveSession(null);
  if (!s) return;
  try {
    await request('DELETE', '/auth/sessions/current', {
      headers: { ...internalHeaders(), 'x-stack-access-token': s.access_token,
                 'x-stack-refresh-token': s.refresh_token },
    });
  } catch {
    // Signed out here either way; the session may already be gone.
  }
}

function expiresSoon(token) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return payload.exp * 1000 < Date.now() + 30_000;
  } catch {
    return true;
  }
}

// One refresh at a time, however many requests wait for it.
function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const r = await request('POST', '/auth/sessions/current/refresh', {
          headers: { ...internalHeaders(), 'x-stack-refresh-token': session.refresh_token },
        });
        saveSession({ ...session, access_token: r.access_token });
      } catch (e) {
        if (e.status >= 400 && e.status < 500) {
          saveSession(null);
          for (const l of signedOutListeners) l();
          throw new ApiError(401, 'SIGNED_OUT', 'Your session has ended. Please sign in again.');
        }
        throw e;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

async function withToken(call) {
  if (!session) throw new ApiError(401, 'SIGNED_OUT', 'Please sign in.');
  if (expiresSoon(session.access_token)) await refresh();
  try {
    return await call(session.access_token);
  } catch (e) {
    if (e.status === 401 && /EXPIRED|UNPARSABLE/.test(e.code || '')) {
      await refresh();
      return call(session.access_token);
    }
    throw e;
  }
}

// A request to the internal project as the signed-in dashboard user.
export function internal(method, path, options = {}) {
  return withToken((token) => request(method, path, {
    ...options, headers: { ...internalHeaders(), 'x-stack-access-token': token },
  }));
}

// An admin request to one of the user's projects.
export function admin(projectId, method, path, options = {}) {
  return withToken((token) => request(method, path, {
    ...options,
    headers: {
      'x-stack-access-type': 'admin',
      'x-stack-project-id': projectId,
      'x-stack-admin-access-token': token,
    },
  }));
}

export const me = () => internal('GET', '/users/me');

// The webhook management API (Svix's, under /svix): a Bearer token per
// project from POST /webhooks/svix-token (valid 7 days), kept in memory.
const svixTokens = new Map();

export async function svix(projectId, method, path, body) {
  let token = svixTokens.get(projectId);
  if (!token || token.until < Date.now()) {
    const r = await admin(projectId, 'POST', '/webhooks/svix-token', { body: {} });
    token = { value: r.token, until: Date.now() + 6 * 24 * 60 * 60 * 1000 };
    svixTokens.set(projectId, token);
  }
  const init = { method, headers: { authorization: `Bearer ${token.value}` }, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(`/svix/api/v1/app/${encodeURIComponent(projectId)}${path}`, init);
  const text = await r.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!r.ok) {
    const detail = Array.isArray(data?.detail) ? data.detail.map((d) => d.msg ?? JSON.stringify(d)).join('; ')
                                               : data?.detail;
    throw new ApiError(r.status, data?.code, detail || `The server answered ${r.status}.`);
  }
  return data;
}
