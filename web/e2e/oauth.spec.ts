// Issue 15: OAuth 2.0 for mail clients in a real browser against a real node. Chromium signs in on
// the authorization server's pages and consents; the redirect reaches a loopback listener like a
// native app's (RFC 8252 section 7.3); the tokens then sign in to IMAP, POP3 and SMTP submission
// with curl and Python's imaplib, and are refreshed. Then dynamic client registration (RFC 7591):
// a registered client goes through the same flow, and the abuse cases are refused.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { test, expect, type Page } from '@playwright/test';
import { baseUrl, loopbackRedirect, mailedToken, postJson, token, totp, visit } from './helpers';
import { devMailbox, oauthRegistrationsPerHour } from './node';
import { oauthPageWords, type OAuthPageWords } from './oauth-pages';

const mailClientId = 'hostedmail-mail';
const base64url = (b: Buffer) => b.toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

/**
 * Code + PKCE in the browser: sign in (unless signed in already), consent, and the code from the
 * loopback redirect (the published client's is `http://127.0.0.1/` on any port, the path exact).
 */
async function authorize(page: Page, words: OAuthPageWords, clientId: string, expectedName: string, signIn: boolean, redirectPath: string): Promise<{ code: string; verifier: string; redirectUri: string }> {
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  const app = await loopbackRedirect(redirectPath);
  try {
    const state = base64url(randomBytes(8));
    const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: app.uri, scope: 'mail offline_access',
      state, code_challenge: challenge, code_challenge_method: 'S256' });
    await page.goto(`${baseUrl()}/connect/authorize?${query}`);
    if (signIn) {
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.mailboxSignIn);
      await page.getByLabel(words.email).fill(devMailbox.address);
      await page.getByLabel(words.password).fill(devMailbox.password);
      await page.getByRole('button', { name: words.signIn, exact: true }).click();
    }
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.consent);
    await expect(page.getByText(expectedName)).toBeVisible();
    await expect(page.getByText(devMailbox.address)).toBeVisible();
    // The consent form's answer is a redirect to the app: the page's CSP must allow it (form-action).
    await page.getByRole('button', { name: words.allow }).click();
    const received = await app.received;
    expect(received.get('state')).toBe(state);
    expect(received.get('error')).toBeNull();
    return { code: received.get('code')!, verifier, redirectUri: app.uri };
  } finally {
    app.close();
  }
}

function curl(args: string[], input?: string): string {
  return execFileSync('curl', ['-sS', '--max-time', '30', '-k', '--ssl-reqd', ...args], { encoding: 'utf8', input });
}

function imapList(accessToken: string, mechanism: 'XOAUTH2' | 'OAUTHBEARER'): string {
  // STARTTLS on the IMAP listener: bearer mechanisms are offered only over TLS.
  return curl(['--login-options', `AUTH=${mechanism}`, '--user', `${devMailbox.address}:`, '--oauth2-bearer', accessToken,
    `imap://127.0.0.1:${process.env.E2E_IMAP_PORT}/`]);
}

test('a mail client gets tokens through the browser and uses them for IMAP, POP3 and SMTP', async ({ page }, info) => {
  const words = oauthPageWords(info.project.name);
  const { code, verifier, redirectUri } = await authorize(page, words, mailClientId, words.mailClients, true, '/');
  const exchanged = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: mailClientId, code_verifier: verifier });
  expect(exchanged.status, JSON.stringify(exchanged.json)).toBe(200);
  const access = exchanged.json.access_token;
  expect(exchanged.json.scope.split(' ')).toContain('mail');

  expect(imapList(access, 'XOAUTH2')).toContain('INBOX');
  expect(imapList(access, 'OAUTHBEARER')).toContain('INBOX');
  curl(['--login-options', 'AUTH=XOAUTH2', '--user', `${devMailbox.address}:`, '--oauth2-bearer', access, `pop3://127.0.0.1:${process.env.E2E_POP3_PORT}/`]);
  const subject = `oauth e2e ${info.project.name} ${Date.now()}`;
  curl(['--login-options', 'AUTH=XOAUTH2', '--user', `${devMailbox.address}:`, '--oauth2-bearer', access,
    '--mail-from', devMailbox.address, '--mail-rcpt', devMailbox.address, '-T', '-', `smtp://127.0.0.1:${process.env.E2E_SUBMISSION_PORT}`],
    `From: ${devMailbox.address}\r\nTo: ${devMailbox.address}\r\nSubject: ${subject}\r\n\r\nsent with a bearer token from the browser flow\r\n`);

  const python = `
import imaplib, ssl, sys
port, user, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
imap = imaplib.IMAP4("127.0.0.1", port)
imap.starttls(ssl_context=context)
typ, _ = imap.authenticate("XOAUTH2", lambda _: f"user={user}\\x01auth=Bearer {token}\\x01\\x01".encode())
print(typ, imap.select("INBOX")[0])
try:
    other = imaplib.IMAP4("127.0.0.1", port)
    other.starttls(ssl_context=context)
    other.authenticate("XOAUTH2", lambda _: f"user=someone-else@ops.test\\x01auth=Bearer {token}\\x01\\x01".encode())
    print("WRONG-USER-ACCEPTED")
except imaplib.IMAP4.error:
    print("other user refused")
`;
  const out = execFileSync('python3', ['-c', python, process.env.E2E_IMAP_PORT!, devMailbox.address, access], { encoding: 'utf8' });
  expect(out).toContain('OK OK');
  expect(out).toContain('other user refused');

  // Refresh: a new pair; the new access token works, the spent refresh token is refused.
  const refreshed = await token({ grant_type: 'refresh_token', refresh_token: exchanged.json.refresh_token, client_id: mailClientId });
  expect(refreshed.status, JSON.stringify(refreshed.json)).toBe(200);
  expect(refreshed.json.refresh_token).not.toBe(exchanged.json.refresh_token);
  expect(imapList(refreshed.json.access_token, 'XOAUTH2')).toContain('INBOX');

  // The user's own list of connected apps, on the authorization server (still signed in).
  await page.goto(`${baseUrl()}/connect/grants`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.connectedApps);
  await expect(page.getByText(words.mailClients).first()).toBeVisible();
  await visit(page, info, 'oauth-connected-apps');

  // Presenting the spent refresh token again is theft (RFC 9700 section 4.14.2): refused, and the chain ends.
  const reused = await token({ grant_type: 'refresh_token', refresh_token: exchanged.json.refresh_token, client_id: mailClientId });
  expect(reused.json.error).toBe('invalid_grant');
  expect(() => imapList(refreshed.json.access_token, 'XOAUTH2')).toThrow();
});

test('a dynamically registered native client signs in with its own client id; abuse is refused', async ({ page }, info) => {
  // Each project (language) runs this once against the same node: its own source addresses.
  const net = info.project.name === 'en' ? '127.0.2' : '127.0.3';
  const app = await loopbackRedirect();
  app.close();
  const registered = await postJson('/connect/register', {
    client_name: 'E2E Mail', redirect_uris: [app.uri], token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: 'mail offline_access',
  }, `${net}.1`);
  expect(registered.status, JSON.stringify(registered.json)).toBe(201);
  const clientId = registered.json.client_id as string;
  expect(registered.json.registration_access_token).toBeTruthy();

  // Any loopback port matches the registered one (RFC 8252 section 7.3).
  const words = oauthPageWords(info.project.name);
  const { code, verifier, redirectUri } = await authorize(page, words, clientId, words.unverified('E2E Mail'), true, '/callback');
  const exchanged = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier });
  expect(exchanged.status, JSON.stringify(exchanged.json)).toBe(200);
  expect(imapList(exchanged.json.access_token, 'XOAUTH2')).toContain('INBOX');
  const refreshed = await token({ grant_type: 'refresh_token', refresh_token: exchanged.json.refresh_token, client_id: clientId });
  expect(refreshed.status).toBe(200);

  // A confidential client, a plain-http redirect off the loopback interface, an implicit grant.
  const confidential = await postJson('/connect/register', { redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'client_secret_basic' }, `${net}.2`);
  expect(confidential.status).toBe(400);
  expect(confidential.json.error).toBe('invalid_client_metadata');
  const remote = await postJson('/connect/register', { redirect_uris: ['http://mail-app.example/cb'], token_endpoint_auth_method: 'none' }, `${net}.2`);
  expect(remote.status).toBe(400);
  expect(remote.json.error).toBe('invalid_redirect_uri');
  const implicit = await postJson('/connect/register', { redirect_uris: ['http://127.0.0.1/cb'], grant_types: ['implicit'] }, `${net}.2`);
  expect(implicit.json.error).toBe('invalid_client_metadata');

  // A flood from one address: the budget, then 429 with Retry-After; another address still registers.
  const statuses: number[] = [];
  let limited: Awaited<ReturnType<typeof postJson>> | undefined;
  for (let i = 0; i < oauthRegistrationsPerHour + 1 && !limited; i++) {
    const r = await postJson('/connect/register', { redirect_uris: ['com.example.flood:/cb'], token_endpoint_auth_method: 'none' }, `${net}.3`);
    statuses.push(r.status);
    if (r.status === 429) limited = r;
  }
  expect(statuses).toEqual([...Array(oauthRegistrationsPerHour).fill(201), 429]);
  expect(limited!.json.error).toBe('too_many_requests');
  expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
  const other = await postJson('/connect/register', { redirect_uris: ['com.example.other:/cb'], token_endpoint_auth_method: 'none' }, `${net}.4`);
  expect(other.status).toBe(201);
});

/** A portal API call with JSON, carrying the session cookie and CSRF token once signed in. */
async function portal(path: string, body: unknown, session?: { cookie: string; csrf: string }): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (session) {
    headers.cookie = session.cookie;
    headers['x-csrf-token'] = session.csrf;
  }
  return fetch(`${baseUrl()}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

test('a portal account with two-factor authentication signs in on the authorization pages for the api scope', async ({ page }, info) => {
  const words = oauthPageWords(info.project.name);
  const tenant = `totp-${info.project.name}-${Date.now() % 1_000_000}`;
  const email = `owner@${tenant}.example`;
  const password = 'amber glacier lantern 4';

  // A confirmed portal account with TOTP on (through the portal API, as the portal's pages do).
  const signup = await portal('/api/v1/auth/signup', { tenantName: tenant, tenantDisplayName: 'TOTP Ltd', email, password, displayName: null });
  expect(signup.status, await signup.clone().text()).toBeLessThan(300);
  expect((await portal('/api/v1/auth/confirm-email', { token: await mailedToken(email, 'confirm-email') })).status).toBeLessThan(300);
  const login = await portal('/api/v1/auth/login', { email, password });
  expect(login.status, await login.clone().text()).toBe(200);
  const session = { cookie: login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: (await login.json()).csrfToken as string };
  const setup = await portal('/api/v1/account/2fa/setup', {}, session);
  expect(setup.status, await setup.clone().text()).toBe(200);
  const secret = (await setup.json()).secret as string;
  const enabled = await portal('/api/v1/account/2fa/enable', { code: totp(secret) }, session);
  expect(enabled.status, await enabled.clone().text()).toBe(200);

  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  const app = await loopbackRedirect('/');
  try {
    const query = new URLSearchParams({ response_type: 'code', client_id: 'hostedmail-api', redirect_uri: app.uri, scope: 'api offline_access',
      state: 'totp', code_challenge: challenge, code_challenge_method: 'S256' });
    await page.goto(`${baseUrl()}/connect/authorize?${query}`);
    await expect(page.locator('html')).toHaveAttribute('lang', info.project.name);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.portalSignIn);
    await visit(page, info, 'oauth-portal-sign-in');

    // The password alone is not enough: the page asks for the code.
    await page.getByLabel(words.email).fill(email);
    await page.getByLabel(words.password).fill(password);
    await page.getByRole('button', { name: words.signIn, exact: true }).click();
    await expect(page.getByRole('alert')).toHaveText(words.secondFactorRequired);
    await visit(page, info, 'oauth-portal-totp');

    // The next time step: the one just used to turn TOTP on is spent (RFC 6238 section 5.2).
    await page.getByLabel(words.password).fill(password);
    await page.getByLabel(words.totp).fill(totp(secret, 1));
    await page.getByRole('button', { name: words.signIn, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.consent);
    await expect(page.getByText(words.apiTools)).toBeVisible();
    await visit(page, info, 'oauth-portal-consent');
    await page.getByRole('button', { name: words.allow }).click();
    const received = await app.received;
    expect(received.get('state')).toBe('totp');
    const exchanged = await token({ grant_type: 'authorization_code', code: received.get('code')!, redirect_uri: app.uri, client_id: 'hostedmail-api', code_verifier: verifier });
    expect(exchanged.status, JSON.stringify(exchanged.json)).toBe(200);
    const tenantInfo = await fetch(`${baseUrl()}/api/v1/tenant`, { headers: { authorization: `Bearer ${exchanged.json.access_token}` } });
    expect(tenantInfo.status).toBe(200);
    expect(JSON.stringify(await tenantInfo.json())).toContain(tenant);
  } finally {
    app.close();
  }
});
