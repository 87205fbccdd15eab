// A new tenant's whole way through the portal, in the browser language of the project (en, de):
// sign up, confirm by mail, sign in, add and verify a domain through DNS, create a mailbox and
// an app password that then works over IMAP and SMTP, message tracking, editing in place, aliases and catch-all, two-factor sign-in with
// TOTP and a recovery code, users, tokens and the audit log, billing (a plan limit, the plan without
// Stripe keys, the past-due banner and the read-only portal). axe and a screenshot on every page.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test, expect, request, type Page } from '@playwright/test';
import en from '../src/i18n/en';
import de from '../src/i18n/de';
import { publish } from './dns-server';
import { baseUrl, cli, mailedToken, sql, totp, visit, zoneDir } from './helpers';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const exact = (text: string) => new RegExp(`^${escapeRegExp(text)}$`);

async function signIn(page: Page, s: typeof en, email: string, password: string) {
  await page.goto(baseUrl() + '/login');
  await page.getByLabel(s.login.email).fill(email);
  await page.getByLabel(s.login.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: s.login.submit }).click();
}

test('a new tenant completes every journey', async ({ page }, info) => {
  const lang = info.project.name as 'en' | 'de';
  const s = lang === 'de' ? de : en;
  const tenant = `acme-${lang}-${Date.now() % 1_000_000}`;
  const email = `owner@${tenant}.example`;
  const domain = `${tenant}.example`;
  const password = 'correct horse battery staple';
  const nav = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true }).click();

  // Sign up: the language comes from the browser; an invalid field shows the API's problem next to it.
  await page.goto(baseUrl() + '/signup');
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.signup.title);
  await visit(page, info, '01-signup');
  // The short name's rule shows as it is typed.
  const slug = page.getByLabel(s.signup.tenantName);
  await slug.fill('9acme');
  await expect(page.locator('.rule.unmet')).toContainText([s.slug.start, s.password.length, s.password.variety]);
  await expect(page.locator('.rule.unmet')).toHaveCount(3);
  await slug.fill(tenant);
  await page.getByLabel(s.signup.tenantDisplayName).fill(`Acme ${lang.toUpperCase()} Ltd`);
  await page.getByLabel(s.signup.email).fill(email);
  await page.getByLabel(s.signup.password, { exact: true }).fill('short');
  await expect(page.locator('.rule.unmet')).toContainText(s.password.length);
  await page.getByRole('button', { name: s.signup.submit }).click();
  const passwordInput = page.getByLabel(s.signup.password, { exact: true });
  await expect(passwordInput).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.field-error')).toContainText('password is too short');
  await visit(page, info, '02-signup-error');
  await passwordInput.fill(password);
  await page.getByRole('button', { name: s.signup.submit }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.signup.doneTitle);

  // Confirm by mail: the link is read from the development mailbox over IMAP.
  const token = await mailedToken(email, 'confirm-email');
  await page.goto(`${baseUrl()}/confirm-email#token=${token}`);
  await expect(page.getByText(s.confirm.done)).toBeVisible();
  await visit(page, info, '03-confirmed');

  // Sign in: a wrong password is refused with the translated message.
  await signIn(page, s, email, 'not the password');
  await expect(page.getByRole('alert')).toContainText(s.problems['invalid-credentials']);
  await visit(page, info, '04-login-failed');
  await page.getByLabel(s.login.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: s.login.submit }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.dashboard.title);
  await expect(page.getByText(s.dashboard.noDomains)).toBeVisible();
  await expect(page.locator('.who')).toContainText(`Acme ${lang.toUpperCase()} Ltd`);
  await visit(page, info, '05-dashboard-new');

  // Add a domain: the records page shows the ownership record to publish.
  await nav(s.nav.domains);
  await page.getByLabel(s.domains.name).fill(domain);
  await page.getByRole('button', { name: s.domains.submit }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.records.title.replace('{{domain}}', domain));
  const values = page.locator('.record-box .value');
  const txtName = await values.nth(0).innerText();
  const txtValue = await values.nth(1).innerText();
  expect(txtName).toBe(`_hostedmail.${domain}`);
  await page.getByRole('button', { name: s.records.checkNow }).click();
  await expect(page.getByRole('status')).toHaveText(s.records.verifyResult.missing);
  await visit(page, info, '06-records-pending');

  // Publish it (and MX, SPF and a DMARC record with a policy RFC 7489 does not know) on the DNS
  // server the node asks, then "Check now".
  publish(zoneDir(), txtName, { type: 'TXT', data: txtValue });
  publish(zoneDir(), domain, { type: 'MX', data: { preference: 10, exchange: 'mail.hostedmail.test' } },
    { type: 'TXT', data: 'v=spf1 include:_spf.mail.hostedmail.test ~all' });
  publish(zoneDir(), `_dmarc.${domain}`, { type: 'TXT', data: 'v=DMARC1; p=maybe' });
  await page.getByRole('button', { name: s.records.checkNow }).click();
  await expect(page.getByRole('status')).toHaveText(s.records.verifyResult.ok);
  const rows = page.locator('tr.record');
  await expect(rows.filter({ hasText: s.records.purpose.mx }).locator('.badge')).toHaveText(s.records.st.ok);
  await expect(rows.filter({ hasText: s.records.purpose.spf }).locator('.badge')).toHaveText(s.records.st.ok);
  const dmarc = rows.filter({ hasText: s.records.purpose.dmarc });
  await expect(dmarc.locator('.badge')).toHaveText(s.records.st.wrong);
  await expect(dmarc.locator('.note')).toContainText(s.records.note.replace('{{note}}', ''));
  await expect(dmarc.locator('.note')).toContainText('p=maybe: the policy must be none, quarantine or reject');
  await visit(page, info, '07-records-verified');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: s.records.download }).click()]);
  const zone = readFileSync((await download.path())!, 'utf8');
  expect(zone).toContain(`_hostedmail.${domain}`);
  expect(zone).toContain(txtValue);
  await nav(s.nav.domains);
  await expect(page.getByRole('cell', { name: s.domains.verified, exact: true })).toBeVisible();
  await visit(page, info, '08-domains');
  // The free plan allows one domain: a second is refused at the form with the plan's limit and the
  // way to Billing, which (no Stripe keys in this run) shows the plan and its usage but nothing to buy.
  await page.getByLabel(s.domains.name).fill(`second-${domain}`);
  await page.getByRole('button', { name: s.domains.submit }).click();
  const limitProblem = page.locator('form .problem');
  await expect(limitProblem).toContainText(s.planLimit.title);
  await expect(limitProblem).toContainText(s.planLimit.domains_one.replace('{{plan}}', 'free').replace('{{count}}', '1'));
  await visit(page, info, '08b-plan-limit');
  await limitProblem.getByRole('link', { name: s.planLimit.action }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.billing.title);
  await expect(page.getByText(s.billing.notConfigured)).toBeVisible();
  await expect(page.getByRole('article').filter({ hasText: s.billing.current })).toContainText(s.billing.limits.domains.replace('{{value}}', '1'));
  await expect(page.getByRole('meter', { name: `${s.dashboard.domains}: 100 %` })).toBeVisible();
  await expect(page.getByRole('main').getByRole('button')).toHaveCount(0);
  await visit(page, info, '08c-billing');

  // Mailboxes: the password rules follow the typing; the mailbox name is not allowed in it.
  await nav(s.nav.mailboxes);
  await page.getByLabel(s.mailboxes.localPart).fill('alice');
  await page.getByLabel(`${s.common.displayName} ${s.common.optional}`).fill('Alice Example');
  await page.getByLabel(s.mailboxes.quota).fill('2');
  const mailboxPassword = page.getByLabel(s.common.password, { exact: true });
  await mailboxPassword.fill('alice-in-wonderland');
  await expect(page.locator('.rule.unmet')).toHaveText(new RegExp(s.password.notName));
  await mailboxPassword.fill('velvet thunder 42');
  await expect(page.locator('.rule.unmet')).toHaveCount(0);
  await page.getByRole('button', { name: s.mailboxes.submit }).click();
  await expect(page.getByRole('cell', { name: `alice@${domain}`, exact: true })).toBeVisible();
  await expect(page.getByRole('cell', { name: '0 B', exact: false })).toContainText('2 GB');
  await visit(page, info, '09-mailboxes');
  // Edit in place: a refused quota is shown at its field; the display name then changes.
  const aliceRow = page.getByRole('row').filter({ hasText: `alice@${domain}` });
  await aliceRow.getByRole('button', { name: s.common.edit }).click();
  const editor = page.getByRole('group', { name: s.mailboxes.editTitle.replace('{{address}}', `alice@${domain}`) });
  await editor.getByLabel(s.mailboxes.quota).fill('0');
  await editor.getByRole('button', { name: s.common.save }).click();
  await expect(editor.getByLabel(s.mailboxes.quota)).toHaveAttribute('aria-invalid', 'true');
  await expect(editor.locator('.field-error')).toContainText('quota must be positive');
  await visit(page, info, '09b-mailbox-edit');
  await editor.getByLabel(s.mailboxes.quota).fill('2');
  await editor.getByLabel(s.common.displayName, { exact: true }).fill('Alice Liddell');
  await editor.getByRole('button', { name: s.common.save }).click();
  await expect(aliceRow.getByRole('cell', { name: 'Alice Liddell' })).toBeVisible();

  // Set up a mail client: server settings from autoconfig, an app password with its QR code.
  await page.getByRole('link', { name: new RegExp(s.mailboxes.setup) }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.setup.title.replace('{{address}}', `alice@${domain}`));
  await expect(page.getByRole('cell', { name: '993', exact: true })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'mail.hostedmail.test' }).first()).toBeVisible();
  await page.getByLabel(s.setup.appName).fill('Phone');
  await page.getByRole('button', { name: s.setup.createApp }).click();
  const appPassword = (await page.getByTestId('app-password').innerText()).split(/\s/)[0];
  expect(appPassword).toMatch(/^[a-z0-9]{4}(-[a-z0-9]{4}){4}$/);
  await expect(page.getByRole('img', { name: s.setup.qr })).toBeVisible();
  await visit(page, info, '10-setup');
  const apple = await page.request.get(baseUrl() + (await page.getByRole('link', { name: s.setup.appleDownload }).getAttribute('href')));
  expect(apple.status()).toBe(200);
  expect(await apple.text()).toContain(`alice@${domain}`);
  // The app password shown in the portal sends over SMTP submission (STARTTLS, AUTH) and
  // reads the message back over IMAP.
  const subject = `Hello from the ${lang} journey`;
  const messageId = `journey-${tenant}@${domain}`;
  execFileSync('curl', ['-sS', '--max-time', '30', `smtp://127.0.0.1:${process.env.E2E_SUBMISSION_PORT}`, '--ssl-reqd', '--insecure',
    '--user', `alice@${domain}:${appPassword}`, '--mail-from', `alice@${domain}`, '--mail-rcpt', `alice@${domain}`, '--mail-rcpt', 'partner@elsewhere.example', '--upload-file', '-'],
    { input: `From: alice@${domain}\r\nTo: alice@${domain}, partner@elsewhere.example\r\nSubject: ${subject}\r\nMessage-ID: <${messageId}>\r\n\r\nSent with an app password.\r\n` });
  const found = execFileSync('curl', ['-s', '--max-time', '20', '--user', `alice@${domain}:${appPassword}`, `imap://127.0.0.1:${process.env.E2E_IMAP_PORT}/INBOX`, '-X', `UID SEARCH SUBJECT "${subject}"`], { encoding: 'utf8' });
  expect(found).toMatch(/\* SEARCH \d+/);

  // Message tracking finds that message by its Message-ID: the copy delivered to alice, and the
  // copy for the partner elsewhere, waiting in the queue (outbound delivery is off in this run).
  await nav(s.nav.tracking);
  await page.getByLabel(s.tracking.by).selectOption('messageId');
  await page.getByLabel(s.tracking.query).fill(`<${messageId}>`);
  await page.getByRole('button', { name: s.tracking.submit }).click();
  await expect(page.locator('#tracking-results')).toHaveText(s.tracking.found_other.replace('{{count}}', '2'));
  const receivedCopy = page.getByRole('article').filter({ has: page.getByRole('heading', { name: new RegExp(s.tracking.kinds.received) }) });
  await expect(receivedCopy.getByRole('row').filter({ hasText: `alice@${domain}` })).toContainText(s.tracking.states.delivered);
  await expect(receivedCopy).toContainText(subject);
  const sentCopy = page.getByRole('article').filter({ has: page.getByRole('heading', { name: new RegExp(s.tracking.kinds.outbound) }) });
  await expect(sentCopy.getByRole('row').filter({ hasText: 'partner@elsewhere.example' })).toContainText(s.tracking.states.queued);
  await expect(sentCopy).toContainText(messageId);
  await visit(page, info, '10b-tracking');
  await page.setViewportSize({ width: 390, height: 844 });
  await visit(page, info, '10c-tracking-phone');
  await page.setViewportSize({ width: 1280, height: 720 });

  // Aliases and the catch-all.
  await nav(s.nav.aliases);
  await page.getByLabel(s.aliases.address).fill('sales');
  await page.getByLabel(s.aliases.targets).fill(`alice@${domain}, partner@elsewhere.example`);
  await page.getByRole('button', { name: s.aliases.submit }).click();
  await expect(page.getByRole('cell', { name: `sales@${domain}`, exact: true })).toBeVisible();
  await page.getByLabel(s.aliases.targets).fill(`nobody@${domain}`);
  await page.getByLabel(s.aliases.address).fill('info');
  await page.getByRole('button', { name: s.aliases.submit }).click();
  // A target in our own domain that does not exist: 400 with errors.targets, shown at the field.
  await expect(page.getByLabel(s.aliases.targets)).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.field-error')).toContainText('is not a mailbox or alias');
  await page.getByLabel(s.aliases.catchAll).check();
  await page.getByLabel(s.aliases.targets).fill(`alice@${domain}`);
  await page.getByRole('button', { name: s.aliases.submit }).click();
  await expect(page.locator('td[data-label]').filter({ hasText: `*@${domain}` })).toContainText(s.aliases.catchAllBadge);
  // Change the targets of sales@ in place.
  await page.getByRole('row').filter({ hasText: `sales@${domain}` }).getByRole('button', { name: s.common.edit }).click();
  await page.getByLabel(s.aliases.newTargets.replace('{{address}}', `sales@${domain}`)).fill(`alice@${domain}`);
  await page.getByRole('button', { name: s.common.save }).click();
  await expect(page.getByRole('row').filter({ hasText: `sales@${domain}` }).getByRole('cell', { name: `alice@${domain}`, exact: true })).toBeVisible();
  await visit(page, info, '11-aliases');

  // A second tenant for the same account: sign up again with the same address (its password is
  // kept), confirm by mail; the session then lists both and the switcher signs in to the other.
  await page.goto(baseUrl() + '/signup');
  await page.getByLabel(s.signup.tenantName).fill(`${tenant}-two`);
  await page.getByLabel(s.signup.tenantDisplayName).fill(`Second ${lang.toUpperCase()}`);
  await page.getByLabel(s.signup.email).fill(email);
  await page.getByLabel(s.signup.password, { exact: true }).fill('another unused passphrase');
  await page.getByRole('button', { name: s.signup.submit }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.signup.doneTitle);
  await page.goto(`${baseUrl()}/confirm-email#token=${await mailedToken(email, 'confirm-email', token)}`);
  await expect(page.getByText(s.confirm.done)).toBeVisible();
  await page.goto(baseUrl() + '/');
  const switcher = page.getByRole('form', { name: s.switch.title });
  await switcher.getByLabel(s.switch.tenant, { exact: true }).selectOption({ label: `Second ${lang.toUpperCase()} (${tenant}-two)` });
  await switcher.getByLabel(s.login.password, { exact: true }).fill(password);
  await visit(page, info, '11b-switch-tenant');
  await switcher.getByRole('button', { name: s.switch.submit.replace('{{tenant}}', `Second ${lang.toUpperCase()}`) }).click();
  await expect(page.locator('.who')).toContainText(`Second ${lang.toUpperCase()}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.dashboard.title);
  await expect(page.getByText(s.dashboard.noDomains)).toBeVisible();
  await switcher.getByLabel(s.switch.tenant, { exact: true }).selectOption({ label: `Acme ${lang.toUpperCase()} Ltd (${tenant})` });
  await switcher.getByLabel(s.login.password, { exact: true }).fill(password);
  await switcher.getByRole('button', { name: s.switch.submit.replace('{{tenant}}', `Acme ${lang.toUpperCase()} Ltd`) }).click();
  await expect(page.locator('.who')).toContainText(`Acme ${lang.toUpperCase()} Ltd`);

  // An ended session (here: signed out behind the app's back, the cookie kept) sends the next
  // call back to sign-in with a message.
  // The sign-out goes through a copy of the browser's cookies: had it gone through the page's own,
  // the cookie would be gone until put back, and a background call in that moment would find
  // nobody signed in (not an ended session) and show no message.
  const behindTheBack = await request.newContext({ storageState: await page.context().storageState() });
  const csrf = (await (await behindTheBack.get(`${baseUrl()}/api/v1/auth/session`)).json()).csrfToken as string;
  expect((await behindTheBack.post(`${baseUrl()}/api/v1/auth/logout`, { headers: { 'X-CSRF-Token': csrf } })).status()).toBe(204);
  await behindTheBack.dispose();
  // The click makes the next call; a background refresh (the billing banner's read) may make it
  // first and leave the signed-in pages before the click lands. Either way ends on sign-in.
  await page.getByRole('navigation').getByRole('link', { name: s.nav.domains, exact: true }).click({ timeout: 5_000 }).catch(() => undefined);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.login.title);
  await expect(page.getByRole('alert')).toHaveText(s.app.sessionEnded);
  await visit(page, info, '11c-session-ended');
  await page.getByLabel(s.login.email).fill(email);
  await page.getByLabel(s.login.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: s.login.submit }).click();
  // Back where the session ended: the domains page if the click ended it, the dashboard if the
  // background refresh did first.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    new RegExp(`^(${escapeRegExp(s.domains.title)}|${escapeRegExp(s.dashboard.title)})$`));

  // Two-factor sign-in: turn it on with a TOTP code, then sign in with the app's next code
  // and, once more, with a recovery code.
  await nav(s.nav.security);
  await page.getByRole('button', { name: s.security.start }).click();
  const secret = await page.getByTestId('totp-secret').innerText();
  await page.getByLabel(s.security.code).fill(totp(secret));
  await visit(page, info, '12-security-setup');
  await page.getByRole('button', { name: s.security.enable }).click();
  const codes = page.getByTestId('recovery-codes').locator('li');
  await expect(codes).toHaveCount(10);
  const recovery = await codes.first().innerText();
  const lastRecovery = await codes.last().innerText();
  await visit(page, info, '13-security');
  await page.getByRole('banner').getByRole('button', { name: s.app.signOut }).click();
  await signIn(page, s, email, password);
  await page.getByLabel(s.login.totp).fill(totp(secret, 1));
  await visit(page, info, '14-login-totp');
  await page.getByRole('button', { name: s.login.submit }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.dashboard.title);
  await page.getByRole('banner').getByRole('button', { name: s.app.signOut }).click();
  await signIn(page, s, email, password);
  await page.getByRole('button', { name: s.login.useRecovery }).click();
  await page.getByLabel(s.login.recovery).fill(recovery);
  await page.getByRole('button', { name: s.login.submit }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.dashboard.title);
  // The domain's DKIM key was never published: the dashboard names that record (and only
  // required ones: the DMARC suggestion with its unknown policy is not listed).
  const attention = page.locator('.attention');
  await expect(attention).toContainText(s.dashboard.recordsWrong.replace('{{domain}}', domain).split('{{records}}')[0]);
  await expect(attention).toContainText(`._domainkey.${domain}`);
  await expect(attention).not.toContainText(`_dmarc.${domain}`);
  await visit(page, info, '15-dashboard');

  // Users, API tokens, the audit log.
  await nav(s.nav.users);
  await page.getByLabel(s.common.email, { exact: true }).fill(`admin@${domain}`);
  await page.getByRole('button', { name: s.users.submit }).click();
  await expect(page.getByRole('status')).toHaveText(s.users.invited.replace('{{email}}', `admin@${domain}`));
  await expect(page.getByRole('row').filter({ hasText: `admin@${domain}` }).locator('.badge.pending')).toHaveText(s.users.pending);
  await visit(page, info, '16-users');
  await nav(s.nav.tokens);
  await page.getByLabel(s.common.name, { exact: true }).fill('deploy');
  await page.getByRole('button', { name: s.tokens.submit }).click();
  await expect(page.getByRole('status')).toContainText('hmt_');
  await visit(page, info, '17-tokens');
  await nav(s.nav.audit);
  await expect(page.getByRole('cell', { name: 'domain.verify' }).or(page.getByRole('cell', { name: 'domain.add' })).first()).toBeVisible();
  // Filtered on the server by kind: alias.create twice, alias.update once.
  await page.getByLabel(s.audit.action, { exact: true }).selectOption('alias');
  await page.getByRole('button', { name: s.auditFilter.apply }).click();
  await expect(page.locator('tbody tr')).toHaveCount(3);
  await visit(page, info, '18-audit');

  // Billing: the payment failed (set in the database the way Stripe's webhook would leave it). The
  // banner above every page says what happens when, the dashboard lists it; 15 days later the
  // portal refuses changes except billing, and says so at the form.
  const tenantId = `(SELECT tenant_id FROM tenants WHERE lower(name) = '${tenant}')`;
  // The tenant's grain keeps the subscription in memory: after a hand edit the operator says so.
  const pastDueFor = (days: number) => {
    sql(`INSERT INTO billing_subscriptions (tenant_id, customer_id, subscription_id, plan, status, billing_interval, seats, past_due_since)
    VALUES (${tenantId}, 'cus_e2e_${tenant}', 'sub_e2e_${tenant}', 'free', 'past_due', 'month', 1, now() - interval '${days} days')
    ON CONFLICT (tenant_id) DO UPDATE SET status = 'past_due', past_due_since = excluded.past_due_since`);
    cli('billing', 'refresh', tenant);
  };
  pastDueFor(1);
  await nav(s.nav.dashboard);
  await page.reload();
  const banner = page.getByRole('region', { name: s.billing.banner.label, exact: true });
  await expect(banner).toContainText(s.billing.banner.title.grace);
  await expect(page.locator('.attention')).toContainText(s.dashboard.paymentFailed.split('{{since}}')[0]);
  await visit(page, info, '18b-dashboard-past-due');
  await banner.getByRole('link', { name: s.billing.banner.open }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.billing.title);
  await expect(page.getByRole('region', { name: s.billing.plan, exact: true })).toContainText(s.billing.statuses.past_due);
  await visit(page, info, '18c-billing-past-due');
  pastDueFor(15);
  await nav(s.nav.aliases);
  await page.reload();
  await expect(banner).toContainText(s.billing.banner.title.read_only);
  await page.getByLabel(s.aliases.address).fill('late');
  await page.getByLabel(s.aliases.targets).fill(`alice@${domain}`);
  await page.getByRole('button', { name: s.aliases.submit }).click();
  const readOnly = page.locator('form .problem');
  await expect(readOnly).toContainText(s.problems['billing-read-only']);
  await expect(readOnly.getByRole('link', { name: s.billing.banner.open })).toHaveAttribute('href', '/billing');
  await visit(page, info, '18d-read-only');
  sql(`DELETE FROM billing_subscriptions WHERE tenant_id = ${tenantId}`);
  cli('billing', 'refresh', tenant);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.aliases.title);
  await expect(banner).toHaveCount(0);

  // Phone width: the records page still reads, tables as cards.
  await page.setViewportSize({ width: 390, height: 844 });
  await nav(s.nav.domains);
  await visit(page, info, '19-domains-phone');
  await nav(s.nav.billing);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.billing.title);
  await visit(page, info, '19b-billing-phone');
  await page.setViewportSize({ width: 1280, height: 720 });

  // A forgotten password: the mailed link sets a new one, which then signs in.
  await page.getByRole('banner').getByRole('button', { name: s.app.signOut }).click();
  await page.getByRole('link', { name: s.login.forgot }).click();
  // The sign-in page has a field of the same name: fill this page's, not the one it replaces.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.reset.requestTitle);
  await page.getByLabel(s.common.email).fill(email);
  await page.getByRole('button', { name: s.reset.request }).click();
  await expect(page.getByRole('status')).toHaveText(s.reset.requested);
  await visit(page, info, '20-forgot-password');
  const resetToken = await mailedToken(email, 'reset-password');
  await page.goto(`${baseUrl()}/reset-password#token=${resetToken}`);
  await page.getByLabel(s.reset.newPassword).fill('a brand new passphrase');
  await visit(page, info, '21-reset-password');
  await page.getByRole('button', { name: s.reset.submit }).click();
  await expect(page.getByRole('status')).toContainText(s.reset.done);
  // A recovery code, not the app's code: a TOTP step used by the sign-in above may not have
  // passed yet, and a used step is refused (RFC 6238 section 5.2).
  await signIn(page, s, email, 'a brand new passphrase');
  await page.getByRole('button', { name: s.login.useRecovery }).click();
  await page.getByLabel(s.login.recovery).fill(lastRecovery);
  await page.getByRole('button', { name: s.login.submit }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.dashboard.title);
});
