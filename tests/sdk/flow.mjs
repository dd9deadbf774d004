// One user's life through Stack's JavaScript SDK against Latchkey, the same
// for every SDK version and in Node and in the browser: sign-up, current user,
// profile update, teams, the server API, a refresh, a wrong password, sign-in,
// sign-out, and the refresh token refused after sign-out. Throws at the
// first step that goes wrong, naming it.
//
// `sdk` is the module of one version (its StackClientApp and StackServerApp);
// `cfg` = {baseUrl, projectId, publishableClientKey, secretServerKey,
// version}. Returns the steps it ran.

function decodePayload(token) {
  const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const padded = part + '='.repeat((4 - (part.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function check(condition, message, detail) {
  if (!condition)
    throw new Error(`${message}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
}

// "2.8.77" >= "2.8.41"
function atLeast(version, minimum) {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

export async function runFlow(sdk, cfg) {
  const { StackClientApp, StackServerApp } = sdk;
  const steps = [];
  const step = async (name, fn) => {
    try {
      const out = await fn();
      steps.push(name);
      return out;
    } catch (e) {
      const err = new Error(`SDK ${cfg.version}, step "${name}": ${e?.stack ?? e}`);
      err.steps = steps;
      throw err;
    }
  };
  const common = {
    baseUrl: cfg.baseUrl,
    projectId: cfg.projectId,
    publishableClientKey: cfg.publishableClientKey,
    tokenStore: 'memory',
    // No navigation after sign-in/-out: this is a script, not an app.
    redirectMethod: 'none',
  };
  const clientApp = () => new StackClientApp({ ...common });
  const server = new StackServerApp({ ...common, secretServerKey: cfg.secretServerKey });

  const email = `sdk-${cfg.version.replace(/\./g, '-')}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = 'correct horse battery 9';
  const callback = 'http://localhost:3000/handler/email-verification';

  const client = clientApp();
  await step('sign-up', async () => {
    const r = await client.signUpWithCredential({
      email, password, verificationCallbackUrl: callback, noRedirect: true,
    });
    check(r.status === 'ok', 'sign-up failed', r.error?.message ?? r);
  });

  const user = await step('current user', async () => {
    const u = await client.getUser();
    check(u, 'no current user after sign-up');
    check(u.primaryEmail === email, 'primaryEmail', u.primaryEmail);
    check(u.primaryEmailVerified === false, 'primaryEmailVerified', u.primaryEmailVerified);
    check(typeof u.id === 'string' && u.id.length === 36, 'id', u.id);
    if (atLeast(cfg.version, '2.8.77')) {
      check(u.isRestricted === false, 'isRestricted', u.isRestricted);
      check(u.restrictedReason === null, 'restrictedReason', u.restrictedReason);
    }
    return u;
  });

  const firstTokens = await step('access token claims', async () => {
    const tokens = await user.currentSession.getTokens();
    check(tokens.accessToken && tokens.refreshToken, 'tokens', tokens);
    const c = decodePayload(tokens.accessToken);
    check(c.sub === user.id && c.aud === cfg.projectId, 'sub/aud', c);
    check(c.project_id === cfg.projectId && c.branch_id === 'main', 'project_id/branch_id', c);
    check(c.refresh_token_id === c.refreshTokenId && c.role === 'authenticated', 'session', c);
    check(c.email === email && c.email_verified === false && c.is_anonymous === false, 'email', c);
    check(c.is_restricted === false && c.restricted_reason === null, 'restriction', c);
    check(Number.isInteger(c.signed_up_at) && Number.isInteger(c.iat), 'times', c);
    return tokens;
  });

  await step('profile update', async () => {
    await user.update({ displayName: 'SDK user', clientMetadata: { version: cfg.version } });
    const u = await client.getUser();
    check(u.displayName === 'SDK user', 'displayName', u.displayName);
    check(u.clientMetadata?.version === cfg.version, 'clientMetadata', u.clientMetadata);
  });

  const team = await step('team create', async () => {
    const t = await user.createTeam({ displayName: `Team ${cfg.version}` });
    check(t && t.id && t.displayName === `Team ${cfg.version}`, 'team', t);
    return t;
  });

  await step('team list', async () => {
    const teams = await user.listTeams();
    check(teams.some((t) => t.id === team.id), 'created team not listed', teams.map((t) => t.id));
  });

  await step('server user list', async () => {
    const users = await server.listUsers();
    check(users.some((u) => u.id === user.id), 'user not listed', users.length);
  });

  await step('server user get and metadata update', async () => {
    const su = await server.getUser(user.id);
    check(su && su.primaryEmail === email && su.displayName === 'SDK user', 'server user', su?.id);
    if (atLeast(cfg.version, '2.8.77')) {
      check(su.restrictedByAdmin === false, 'restrictedByAdmin', su.restrictedByAdmin);
      check(su.restrictedByAdminReason === null, 'restrictedByAdminReason');
    }
    if (atLeast(cfg.version, '2.8.102')) {
      check(su.countryCode === null, 'countryCode', su.countryCode);
      check(su.riskScores.signUp.bot === 0 && su.riskScores.signUp.freeTrialAbuse === 0,
            'riskScores', su.riskScores);
    }
    await su.update({ serverMetadata: { plan: 'pro', version: cfg.version } });
    const again = await server.getUser(user.id);
    check(again.serverMetadata?.plan === 'pro', 'serverMetadata', again.serverMetadata);
  });

  await step('refresh', async () => {
    // A real SDK refresh (what runs when the access token nears expiry):
    // the SDK validates the new token before it keeps it.
    const fresh = await user._internalSession.fetchNewTokens();
    check(fresh && fresh.accessToken, 'refresh gave no tokens', fresh);
    const token = fresh.accessToken.token;
    check(token !== firstTokens.accessToken, 'refresh returned the same access token');
    const c = decodePayload(token);
    // The claims follow the profile update made since sign-up.
    check(c.name === 'SDK user' && c.sub === user.id, 'claims after refresh', c);
    check(c.refresh_token_id === decodePayload(firstTokens.accessToken).refresh_token_id,
          'same session after refresh', c);
    const u = await client.getUser();
    check(u && u.id === user.id, 'user after refresh');
  });

  await step('wrong password', async () => {
    const r = await clientApp().signInWithCredential({ email, password: 'wrong password 1', noRedirect: true });
    check(r.status === 'error', 'wrong password was accepted');
    check(r.error?.errorCode === 'EMAIL_PASSWORD_MISMATCH', 'error code', r.error?.errorCode);
  });

  const second = clientApp();
  const secondUser = await step('sign-in', async () => {
    const r = await second.signInWithCredential({ email, password, noRedirect: true });
    check(r.status === 'ok', 'sign-in failed', r.error?.message ?? r);
    const u = await second.getUser();
    check(u && u.id === user.id && u.displayName === 'SDK user', 'signed-in user', u?.id);
    return u;
  });

  await step('sign-out', async () => {
    await user.signOut();
    check((await client.getUser()) === null, 'still signed in after sign-out');
    // The other session is untouched.
    check((await second.getUser())?.id === secondUser.id, 'the other session ended too');
  });

  await step('sign-out revoked the refresh token', async () => {
    const r = await fetch(`${cfg.baseUrl}/api/v1/auth/sessions/current/refresh`, {
      method: 'POST',
      headers: {
        'x-stack-access-type': 'client',
        'x-stack-project-id': cfg.projectId,
        'x-stack-publishable-client-key': cfg.publishableClientKey,
        'x-stack-refresh-token': firstTokens.refreshToken,
      },
    });
    check(r.status === 401, 'old refresh token still works', r.status);
    check(r.headers.get('x-stack-known-error') === 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED',
          'known error', r.headers.get('x-stack-known-error'));
  });

  return steps;
}
