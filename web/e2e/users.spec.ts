// Portal users and roles, in the browser language of the project (en, de): an owner invites a new
// person and a person who already has an account elsewhere; each accepts through the link mailed
// to the development mailbox (a new person chooses a password, an existing account accepts with
// its own); then the owner changes a role and the person's next request has the new role's rights.
// axe on every page.
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import en from '../src/i18n/en';
import de from '../src/i18n/de';
import { baseUrl, mailedToken, visit } from './helpers';

const password = 'correct horse battery staple';

/** A tenant with a confirmed owner, made through the API as the journey makes one in the browser. */
async function tenantByApi(request: APIRequestContext, tenantName: string, email: string): Promise<void> {
  const signUp = await request.post(`${baseUrl()}/api/v1/auth/signup`, { data: { tenantName, email, password, displayName: 'Owner' } });
  expect(signUp.status()).toBe(201);
  const token = await mailedToken(email, 'confirm-email');
  expect((await request.post(`${baseUrl()}/api/v1/auth/confirm-email`, { data: { token } })).status()).toBe(204);
}

async function signIn(page: Page, s: typeof en, email: string) {
  await page.goto(baseUrl() + '/login');
  await page.getByLabel(s.login.email).fill(email);
  await page.getByLabel(s.login.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: s.login.submit }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.dashboard.title);
}

test('invited people accept by mail and a role change takes effect', async ({ page, browser, request }, info) => {
  const lang = info.project.name as 'en' | 'de';
  const s = lang === 'de' ? de : en;
  const run = `${lang}-${Date.now() % 1_000_000}`;
  const owner = `owner@team-${run}.example`;
  const newcomer = `reader@team-${run}.example`;
  const existing = `owner@elsewhere-${run}.example`;
  await tenantByApi(request, `team-${run}`, owner);
  // Someone with an account already: the owner of another tenant.
  await tenantByApi(request, `elsewhere-${run}`, existing);
  const existingSignUpToken = await mailedToken(existing, 'confirm-email');

  // The owner invites both: a new address as read only, the existing account as billing.
  await signIn(page, s, owner);
  await page.getByRole('navigation').getByRole('link', { name: s.nav.users, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.users.title);
  const invite = async (email: string, role: keyof typeof s.users.roles) => {
    await page.getByLabel(s.common.email, { exact: true }).fill(email);
    await page.getByLabel(s.users.role, { exact: true }).selectOption(role);
    await page.getByRole('button', { name: s.users.submit }).click();
    await expect(page.getByRole('status')).toHaveText(s.users.invited.replace('{{email}}', email));
    await expect(page.getByRole('row').filter({ hasText: email }).locator('.badge.pending')).toHaveText(s.users.pending);
  };
  await invite(newcomer, 'read_only');
  await invite(existing, 'billing');
  await expect(page.getByLabel(`${s.users.role} ${newcomer}`)).toHaveValue('read_only');
  await visit(page, info, 'users-01-invited');

  // The new person's mail leads to choosing a password.
  const reader = await (await browser.newContext({ locale: info.project.use.locale })).newPage();
  await reader.goto(`${baseUrl()}/reset-password#token=${await mailedToken(newcomer, 'reset-password')}`);
  await expect(reader.getByRole('heading', { level: 1 })).toHaveText(s.reset.title);
  await visit(reader, info, 'users-02-choose-password');
  await reader.getByLabel(s.reset.newPassword).fill(password);
  await reader.getByRole('button', { name: s.reset.submit }).click();
  await expect(reader.getByRole('status')).toContainText(s.reset.done);

  // The existing account's mail is a confirmation link: it accepts without a new password.
  const other = await (await browser.newContext({ locale: info.project.use.locale })).newPage();
  await other.goto(`${baseUrl()}/confirm-email#token=${await mailedToken(existing, 'confirm-email', existingSignUpToken)}`);
  await expect(other.getByText(s.confirm.done)).toBeVisible();
  await visit(other, info, 'users-03-accepted');

  // Both are members now: the list no longer marks them invited.
  await page.reload();
  await expect(page.getByRole('row').filter({ hasText: newcomer })).toBeVisible();
  await expect(page.locator('.badge.pending')).toHaveCount(0);

  // The existing account now belongs to two organisations and may switch to this one, as billing.
  await signIn(other, s, existing);
  await expect(other.getByRole('form', { name: s.switch.title }).getByRole('option', { name: `team-${run}` })).toHaveCount(1);

  // Read only: the newcomer signs in and may not see the people of the tenant.
  await signIn(reader, s, newcomer);
  await reader.getByRole('navigation').getByRole('link', { name: s.nav.users, exact: true }).click();
  await expect(reader.getByRole('alert')).toContainText('may not read users');
  await expect(reader.getByRole('table')).toHaveCount(0);

  // The owner makes the newcomer an administrator: said on the page, kept after a reload.
  await page.getByLabel(`${s.users.role} ${newcomer}`).selectOption('admin');
  await expect(page.getByRole('status').filter({ hasText: newcomer })).toHaveText(
    s.usersRole.changed.replace('{{email}}', newcomer).replace('{{role}}', s.users.roles.admin));
  await visit(page, info, 'users-04-role-changed');
  await page.reload();
  await expect(page.getByLabel(`${s.users.role} ${newcomer}`)).toHaveValue('admin');

  // The newcomer's same session has the new rights at once.
  await reader.reload();
  await expect(reader.getByRole('row').filter({ hasText: owner })).toBeVisible();
  await expect(reader.getByRole('alert')).toHaveCount(0);
  await visit(reader, info, 'users-05-as-admin');
});
