// What a Stack Auth client does with passkeys, against Latchkey's REST API:
// sign up, register a passkey (navigator.credentials.create), then sign in
// with it (navigator.credentials.get). The test calls these functions.
'use strict';

function toB64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(text) {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

class Latchkey {
  constructor({ baseUrl, projectId, clientKey }) {
    this.baseUrl = baseUrl;
    this.projectId = projectId;
    this.clientKey = clientKey;
  }

  async call(route, body, accessToken) {
    const headers = {
      'content-type': 'application/json',
      'x-stack-access-type': 'client',
      'x-stack-project-id': this.projectId,
      'x-stack-publishable-client-key': this.clientKey,
    };
    if (accessToken) headers['x-stack-access-token'] = accessToken;
    const r = await fetch(this.baseUrl + '/api/v1' + route, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await r.json();
    if (!r.ok) throw new Error(`${route}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  }
}

// Sign up with a password; returns the variant-A body.
async function signUp(config, email) {
  const lk = new Latchkey(config);
  return lk.call('/auth/password/sign-up', {
    email, password: 'correct horse 123', verification_callback_url: location.origin + '/verify',
  });
}

// The SDK's registration: the options' rp.id placeholder becomes this page's
// hostname; binary members travel as base64url.
async function registerPasskey(config, accessToken) {
  const lk = new Latchkey(config);
  const { options_json: o, code } = await lk.call('/auth/passkey/initiate-passkey-registration', {}, accessToken);
  const credential = await navigator.credentials.create({
    publicKey: {
      ...o,
      challenge: fromB64url(o.challenge),
      rp: { ...o.rp, id: location.hostname },
      user: { ...o.user, id: fromB64url(o.user.id) },
      excludeCredentials: [],
    },
  });
  const json = {
    id: credential.id,
    rawId: toB64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toB64url(credential.response.clientDataJSON),
      attestationObject: toB64url(credential.response.attestationObject),
      transports: credential.response.getTransports ? credential.response.getTransports() : [],
    },
    authenticatorAttachment: credential.authenticatorAttachment,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
  const result = await lk.call('/auth/passkey/register', { credential: json, code }, accessToken);
  return { credentialId: credential.id, userHandle: result.user_handle, optionsUserId: o.user.id };
}

// The SDK's sign-in: discoverable credential, no allowCredentials.
async function signInWithPasskey(config) {
  const lk = new Latchkey(config);
  const { options_json: o, code } = await lk.call('/auth/passkey/initiate-passkey-authentication', {});
  const assertion = await navigator.credentials.get({
    publicKey: { ...o, challenge: fromB64url(o.challenge), rpId: location.hostname, allowCredentials: [] },
  });
  const r = assertion.response;
  const json = {
    id: assertion.id,
    rawId: toB64url(assertion.rawId),
    type: assertion.type,
    response: {
      clientDataJSON: toB64url(r.clientDataJSON),
      authenticatorData: toB64url(r.authenticatorData),
      signature: toB64url(r.signature),
      userHandle: r.userHandle ? toB64url(r.userHandle) : null,
    },
    authenticatorAttachment: assertion.authenticatorAttachment,
    clientExtensionResults: assertion.getClientExtensionResults(),
  };
  const tokens = await lk.call('/auth/passkey/sign-in', { authentication_response: json, code });
  const me = await lk.call('/users/me', undefined, tokens.access_token);
  return { tokens, me };
}

// The test drives these through page.evaluate().
window.latchkeyPasskeys = { signUp, registerPasskey, signInWithPasskey };
