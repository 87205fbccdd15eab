// The portal's OAuth & sign-in area in a real browser against a real node (issues 15 and 17): a
// tenant admin requires approval for self-registered apps, creates a confidential client (its
// secret shown once, and it works for the client credentials grant), approves an app a mailbox
// asked for, revokes the grant that mailbox then gave (its refresh token stops working), and
// connects and disconnects a single sign-on provider with a refused field on the way. axe and a
// screenshot on every page, in English and German.
import { createHash, randomBytes } from 'node:crypto';
import { test, expect, type Page } from '@playwright/test';
import en from '../src/i18n/en';
import de from '../src/i18n/de';
import { baseUrl, cli, cliWithInput, loopbackRedirect, mailedToken, postApi, postJson, token, visit } from './helpers';
import { oauthPageWords, type OAuthPageWords } from './oauth-pages';

const base64url = (b: Buffer) => b.toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

/**
 * Opens the authorization of a registered native client for `mail` as a mailbox and returns what
 * the browser then shows: the approval page, or the consent page (which it allows) with the code.
 */
async function authorize(page: Page, words: OAuthPageWords, clientId: string, mailbox?: { address: string; password: string }) {
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  const app = await loopbackRedirect();
  try {
    const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: app.uri, scope: 'mail offline_access',
      state: 'xyz', code_challenge: challenge, code_challenge_method: 'S256' });
    await page.goto(`${baseUrl()}/connect/authorize?${query}`);
    if (mailbox) {
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(words.mailboxSignIn);
      await page.getByLabel(words.email).fill(mailbox.address);
      await page.getByLabel(words.password).fill(mailbox.password);
      await page.getByRole('button', { name: words.signIn, exact: true }).click();
    }
    const heading = page.getByRole('heading', { level: 1 });
    const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await expect(heading).toHaveText(new RegExp(`^(${escape(words.approvalNeeded)}|${escape(words.consent)})$`));
    if ((await heading.innerText()) !== words.consent) return { approvalNeeded: true as const };
    await page.getByRole('button', { name: words.allow }).click();
    const received = await app.received;
    expect(received.get('error')).toBeNull();
    return { approvalNeeded: false as const, code: received.get('code')!, verifier, redirectUri: app.uri };
  } finally {
    app.close();
  }
}

test('a tenant admin manages apps, grants, clients and single sign-on in the portal', async ({ page, browser }, info) => {
  const lang = info.project.name as 'en' | 'de';
  const s = lang === 'de' ? de : en;
  const tenant = `oauth-${lang}-${Date.now() % 1_000_000}`;
  const domain = `${tenant}.example`;
  const email = `owner@${domain}`;
  const password = 'correct horse battery staple';
  const mailbox = { address: `alice@${domain}`, password: 'violet harbour lantern 7' };
  const h1 = page.getByRole('heading', { level: 1 });
  const section = (name: string) => page.getByRole('navigation', { name: s.oauth.sections }).getByRole('link', { name, exact: true }).click();

  // A tenant with a verified domain and a mailbox (the journey spec does this through the pages).
  const signup = await postApi('/api/v1/auth/signup', { tenantName: tenant, tenantDisplayName: 'OAuth Ltd', email, password, displayName: null });
  expect(signup.status, await signup.clone().text()).toBeLessThan(300);
  expect((await postApi('/api/v1/auth/confirm-email', { token: await mailedToken(email, 'confirm-email') })).status).toBeLessThan(300);
  cli('domain', 'add', domain, '--tenant', tenant, '--verified');
  cliWithInput(mailbox.password + '\n', 'mailbox', 'create', mailbox.address, '--tenant', tenant, '--password-stdin');

  await page.goto(baseUrl() + '/login');
  await page.getByLabel(s.login.email).fill(email);
  await page.getByLabel(s.login.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: s.login.submit }).click();
  await expect(h1).toHaveText(s.dashboard.title);

  // Registered apps: the area opens on it (loaded on demand), its heading takes focus.
  await page.getByRole('navigation', { name: s.app.nav }).getByRole('link', { name: s.nav.oauth, exact: true }).click();
  await expect(h1).toHaveText(s.oauth.apps.title);
  await expect(h1).toBeFocused();
  await expect(page.getByText(s.oauth.apps.empty)).toBeVisible();
  const requireApproval = page.getByLabel(s.oauth.apps.require);
  await expect(requireApproval).not.toBeChecked();
  await requireApproval.check();
  await page.getByRole('button', { name: s.oauth.apps.save }).click();
  await expect(page.getByText(s.oauth.apps.saved)).toBeVisible();
  await visit(page, info, 'oauth-01-apps');

  // A confidential client: the secret once, listed without it, and it gets an api token.
  await section(s.oauth.clients.nav);
  await expect(h1).toHaveText(s.oauth.clients.title);
  await expect(h1).toBeFocused();
  await page.getByLabel(s.common.name, { exact: true }).fill('Backup script');
  await page.getByLabel(s.oauth.clients.role).selectOption('read_only');
  await page.getByRole('button', { name: s.oauth.clients.submit }).click();
  const secretBox = page.getByRole('region', { name: s.oauth.clients.secretTitle.replace('{{name}}', 'Backup script') });
  await expect(secretBox).toBeVisible();
  const secret = await secretBox.getByTestId('client-secret').innerText();
  const clientId = await secretBox.locator('dd .mono').first().innerText();
  const row = page.getByRole('row').filter({ hasText: 'Backup script' });
  await expect(row).toContainText(clientId);
  await expect(row).toContainText(s.oauth.clients.roles.read_only);
  await expect(row).not.toContainText(secret);
  await visit(page, info, 'oauth-02-client-secret');
  const credentials = await token({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'api' });
  expect(credentials.status, JSON.stringify(credentials.json)).toBe(200);
  const tenantRead = await fetch(`${baseUrl()}/api/v1/tenant`, { headers: { authorization: `Bearer ${credentials.json.access_token}` } });
  expect(tenantRead.status).toBe(200);
  expect((await tenantRead.json()).name).toBe(tenant);
  await secretBox.getByRole('button', { name: s.oauth.clients.done }).click();
  await expect(page.getByText(secret)).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('row').filter({ hasText: 'Backup script' })).toBeVisible();
  await expect(page.getByText(secret)).toHaveCount(0);
  await page.setViewportSize({ width: 390, height: 844 });
  await visit(page, info, 'oauth-03-clients-phone');
  await page.setViewportSize({ width: 1280, height: 720 });

  // A self-registered app: the mailbox is asked to wait for an admin, the admin approves it in the
  // portal, then the mailbox allows it access (the grant).
  const net = lang === 'en' ? '127.0.4' : '127.0.5';
  const redirect = await loopbackRedirect();
  redirect.close();
  const appName = `Portal E2E Mail ${lang}`;
  const registered = await postJson('/connect/register', {
    client_name: appName, redirect_uris: [redirect.uri], token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: 'mail offline_access',
  }, `${net}.1`);
  expect(registered.status, JSON.stringify(registered.json)).toBe(201);
  const appId = registered.json.client_id as string;
  // The person's own browser, in the project's language (the OAuth pages follow Accept-Language).
  const person = await browser.newContext({ locale: info.project.use.locale });
  const personPage = await person.newPage();
  const words = oauthPageWords(info.project.name);
  expect((await authorize(personPage, words, appId, mailbox)).approvalNeeded).toBe(true);

  await section(s.oauth.apps.nav);
  const appRow = page.getByRole('row').filter({ hasText: appName });
  await expect(appRow).toContainText(s.oauth.apps.statuses.pending);
  await expect(appRow).toContainText(mailbox.address);
  await visit(page, info, 'oauth-04-app-waiting');
  await appRow.getByRole('button', { name: `${s.oauth.apps.approve} ${appName}` }).click();
  await expect(page.getByText(s.oauth.apps.approved.replace('{{name}}', appName))).toBeVisible();
  await expect(appRow).toContainText(s.oauth.apps.statuses.approved);

  const allowed = await authorize(personPage, words, appId);
  if (allowed.approvalNeeded) throw new Error('the app still needs approval after the admin approved it');
  const exchanged = await token({ grant_type: 'authorization_code', code: allowed.code, redirect_uri: allowed.redirectUri, client_id: appId, code_verifier: allowed.verifier });
  expect(exchanged.status, JSON.stringify(exchanged.json)).toBe(200);
  await person.close();

  // Connected apps: the grant is listed; revoking asks first, then ends the app's tokens.
  await section(s.oauth.grants.nav);
  await expect(h1).toHaveText(s.oauth.grants.title);
  const grantRow = page.getByRole('row').filter({ hasText: mailbox.address });
  // A grant names the app as the consent screen did: its own claim, marked unverified.
  const grantName = `${appName} (unverified app)`;
  await expect(grantRow).toContainText(grantName);
  await expect(grantRow).toContainText('offline_access');
  await visit(page, info, 'oauth-05-grants');
  await grantRow.getByRole('button', { name: `${s.oauth.grants.revoke} ${grantName} ${mailbox.address}` }).click();
  const question = grantRow.getByRole('group', { name: s.oauth.grants.revokeConfirm.replace('{{app}}', grantName).replace('{{mailbox}}', mailbox.address) });
  const yes = question.getByRole('button', { name: s.oauth.confirm.yes.replace('{{action}}', s.oauth.grants.revokeAction) });
  await expect(yes).toBeFocused();
  await visit(page, info, 'oauth-06-revoke-asks');
  await yes.click();
  await expect(page.getByRole('status')).toContainText(s.oauth.grants.revoked.replace('{{app}}', grantName).replace('{{mailbox}}', mailbox.address));
  await expect(page.getByRole('row').filter({ hasText: mailbox.address })).toHaveCount(0);
  await expect(page.getByText(s.oauth.grants.empty)).toBeVisible();
  const refreshed = await token({ grant_type: 'refresh_token', refresh_token: exchanged.json.refresh_token, client_id: appId });
  expect(refreshed.json.error).toBe('invalid_grant');

  // Single sign-on: a refused issuer is named at its field; a valid provider is saved with the
  // redirect URI to register, then disconnected after asking.
  await section(s.oauth.sso.nav);
  await expect(h1).toHaveText(s.oauth.sso.title);
  await expect(page.getByText(s.oauth.sso.none)).toBeVisible();
  await page.getByLabel(s.oauth.sso.displayName).fill('OAuth Ltd sign-in');
  const issuer = page.getByLabel(s.oauth.sso.issuer);
  await issuer.fill('ftp://login.oauth-ltd.example');
  await page.getByLabel(s.oauth.sso.clientId).fill('hostedmail');
  await page.getByLabel(s.oauth.sso.clientSecret).fill('provider secret');
  await page.getByRole('button', { name: s.oauth.sso.save }).click();
  await expect(issuer).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.field-error')).toHaveText(['issuer must be an absolute https URL']);
  await visit(page, info, 'oauth-07-sso-error');
  await issuer.fill('http://127.0.0.1:9/realms/oauth-ltd');
  await page.getByRole('button', { name: s.oauth.sso.save }).click();
  await expect(page.getByText(s.oauth.sso.saved)).toBeVisible();
  await expect(page.getByText(`${baseUrl()}/connect/federation/callback`)).toBeVisible();
  await expect(page.getByLabel(s.oauth.sso.clientSecret)).toHaveValue('');
  await visit(page, info, 'oauth-08-sso-connected');
  await page.getByRole('button', { name: `${s.oauth.sso.remove} OAuth Ltd sign-in` }).click();
  await page.getByRole('button', { name: s.oauth.confirm.yes.replace('{{action}}', s.oauth.sso.removeAction) }).click();
  await expect(page.getByText(s.oauth.sso.removed)).toBeVisible();
  await expect(page.getByText(s.oauth.sso.none)).toBeVisible();
});
