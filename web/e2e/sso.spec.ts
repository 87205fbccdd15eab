// Single sign-on from the portal's own sign-in page in a real browser against a real node: a tenant
// admin connects the organisation's OpenID Connect provider (e2e/oidc-provider.ts, on loopback),
// then signs in with only the address through it and lands on the dashboard in a portal session;
// the one-time ticket is refused when used again, and an address whose domain has no provider is
// refused at the address field. axe and a screenshot on every page, in English and German.
import { test, expect } from '@playwright/test';
import en from '../src/i18n/en';
import de from '../src/i18n/de';
import { baseUrl, cli, mailedToken, postApi, visit } from './helpers';
import { clientId, clientSecret, startProvider } from './oidc-provider';

test('a portal member signs in to the portal through the organisation\'s provider', async ({ page, browser }, info) => {
  const lang = info.project.name as 'en' | 'de';
  const s = lang === 'de' ? de : en;
  const tenant = `sso-${lang}-${Date.now() % 1_000_000}`;
  const domain = `${tenant}.example`;
  const email = `owner@${domain}`;
  const password = 'correct horse battery staple';
  const provider = await startProvider(`${baseUrl()}/connect/federation/callback`);
  try {
    const signup = await postApi('/api/v1/auth/signup', { tenantName: tenant, tenantDisplayName: 'SSO Ltd', email, password, displayName: null });
    expect(signup.status, await signup.clone().text()).toBeLessThan(300);
    expect((await postApi('/api/v1/auth/confirm-email', { token: await mailedToken(email, 'confirm-email') })).status).toBeLessThan(300);
    cli('domain', 'add', domain, '--tenant', tenant, '--verified');

    // The admin connects the provider (with the password, once).
    const h1 = page.getByRole('heading', { level: 1 });
    await page.goto(baseUrl() + '/login');
    await page.getByLabel(s.login.email).fill(email);
    await page.getByLabel(s.login.password, { exact: true }).fill(password);
    await page.getByRole('button', { name: s.login.submit, exact: true }).click();
    await expect(h1).toHaveText(s.dashboard.title);
    await page.getByRole('navigation', { name: s.app.nav }).getByRole('link', { name: s.nav.oauth, exact: true }).click();
    await page.getByRole('navigation', { name: s.oauth.sections }).getByRole('link', { name: s.oauth.sso.nav, exact: true }).click();
    await expect(h1).toHaveText(s.oauth.sso.title);
    await page.getByLabel(s.oauth.sso.displayName).fill('SSO Ltd sign-in');
    await page.getByLabel(s.oauth.sso.issuer).fill(provider.issuer);
    await page.getByLabel(s.oauth.sso.clientId).fill(clientId);
    await page.getByLabel(s.oauth.sso.clientSecret).fill(clientSecret);
    await page.getByRole('button', { name: s.oauth.sso.save }).click();
    await expect(page.getByText(s.oauth.sso.saved)).toBeVisible();

    // Another browser: only the address, then the provider, then the dashboard.
    const context = await browser.newContext({ locale: info.project.use.locale });
    const sso = await context.newPage();
    provider.email = email;
    await sso.goto(baseUrl() + '/login');
    await sso.getByLabel(s.login.email).fill(email);
    await visit(sso, info, 'sso-01-login');
    const redeemed = sso.waitForRequest((r) => r.url().includes('/api/v1/auth/sso/redeem?ticket='));
    await sso.getByRole('button', { name: s.login.sso }).click();
    await expect(sso.getByRole('heading', { level: 1 })).toHaveText(s.dashboard.title);
    expect(new URL(sso.url()).origin).toBe(baseUrl());
    await expect(sso.locator('.who')).toContainText('SSO Ltd');
    await visit(sso, info, 'sso-02-dashboard');
    const ticketUrl = (await redeemed).url();

    // The ticket again (copied from a log, in a third browser): refused, explained, not signed in.
    const other = await browser.newContext({ locale: info.project.use.locale });
    const replay = await other.newPage();
    await replay.goto(ticketUrl);
    await expect(replay.getByRole('heading', { level: 1 })).toHaveText(s.login.title);
    await expect(replay.getByRole('alert')).toContainText(s.login.ssoFailed.used);
    await visit(replay, info, 'sso-03-replayed');

    // An address whose domain has no provider: refused at the address field.
    await replay.getByLabel(s.login.email).fill('carol@nowhere.example');
    await replay.getByRole('button', { name: s.login.sso }).click();
    await expect(replay.getByText(s.login.ssoUnavailable)).toBeVisible();
    await expect(replay.getByLabel(s.login.email)).toHaveAttribute('aria-invalid', 'true');
    await visit(replay, info, 'sso-04-no-provider');
    await other.close();
    await context.close();
  } finally {
    await provider.close();
  }
});
