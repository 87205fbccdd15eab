// Paying through Stripe in a real browser against a node of its own, configured with Billing keys
// and plans that point at a fake Stripe on loopback (e2e/fake-stripe.ts): a new tenant on the free
// plan opens Billing, sees the plans for sale, subscribes (monthly in English, yearly in German),
// comes back from Checkout without paying (the browser's Back button, then Checkout's own link),
// pays on the Checkout page and is back in the portal, which waits for Stripe's signed webhooks and
// then shows the new plan, the active subscription and its higher limits (the second domain the
// free plan refused is now accepted). "Manage billing" opens the customer portal, where the plan is
// canceled at the period's end (shown as "Ends") and kept again; a failed renewal shows the
// past-due banner, whose button leads to the customer portal where paying lifts it. axe and a
// screenshot of the Billing page at each step, in English and German. The run's node has no
// Stripe keys (e2e/journey.spec.ts checks that Billing then offers nothing to buy); this one does.
import { randomBytes } from 'node:crypto';
import { test, expect } from '@playwright/test';
import en from '../src/i18n/en';
import de from '../src/i18n/de';
import { cliOf, mailedToken, postApi, shoot, visit } from './helpers';
import { TestNode, type Environment } from './node';
import { startFakeStripe, type FakeStripe, type Price } from './fake-stripe';

// The version Stripe.net 53.1.0 (Directory.Packages.props) speaks, as the webhook endpoint is set
// up in docs/billing.md; an event of another version would be re-read from the API, and the
// event's outcome (checked below) would say so.
const apiVersion = '2026-10-28.endive';
const secretKey = `sk_test_e2e${randomBytes(8).toString('hex')}`;
const webhookSecret = `whsec_e2e${randomBytes(16).toString('hex')}`;
const prices: Record<string, Price> = {
  price_e2e_business_month: { amount: 2400, currency: 'eur', interval: 'month', product: 'HostedMail Business' },
  price_e2e_business_year: { amount: 24000, currency: 'eur', interval: 'year', product: 'HostedMail Business' },
};

// The Stripe pages are HTTPS with a self-signed certificate (the portal sends browsers only to https).
// The back/forward cache, which Playwright turns off, stays on as in people's browsers: coming back
// from Stripe with the Back button restores the page as it was left.
test.use({
  ignoreHTTPSErrors: true,
  launchOptions: { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'], ignoreDefaultArgs: ['--disable-back-forward-cache'] },
});

let node: TestNode | undefined;
let env: Environment;
let stripe: FakeStripe | undefined;

test.beforeAll(async ({}, info) => {
  stripe = await startFakeStripe({ secretKey, webhookSecret, prices, apiVersion });
  node = new TestNode();
  env = await node.start(info.project.outputDir, {
    HOSTEDMAIL__BILLING__SECRETKEY: secretKey,
    HOSTEDMAIL__BILLING__WEBHOOKSECRETS__0: webhookSecret,
    HOSTEDMAIL__BILLING__APIBASE: stripe.apiBase,
    // The plans (docs/billing.md "Plans"): free as by default, business sold monthly and yearly.
    HOSTEDMAIL__PLANS__FREE__MAXDOMAINS: '1',
    HOSTEDMAIL__PLANS__FREE__MAXMAILBOXES: '5',
    HOSTEDMAIL__PLANS__FREE__MAXALIASES: '20',
    HOSTEDMAIL__PLANS__FREE__MAXSTORAGEBYTES: String(5 * 2 ** 30),
    HOSTEDMAIL__PLANS__FREE__MAXMESSAGESPERHOUR: '100',
    HOSTEDMAIL__PLANS__BUSINESS__DISPLAYNAME: 'Business',
    HOSTEDMAIL__PLANS__BUSINESS__MAXDOMAINS: '20',
    HOSTEDMAIL__PLANS__BUSINESS__MAXMAILBOXES: '500',
    HOSTEDMAIL__PLANS__BUSINESS__MAXALIASES: '5000',
    HOSTEDMAIL__PLANS__BUSINESS__MAXSTORAGEBYTES: String(500 * 2 ** 30),
    HOSTEDMAIL__PLANS__BUSINESS__MAXMESSAGESPERHOUR: '2000',
    HOSTEDMAIL__PLANS__BUSINESS__MONTHLYPRICEID: 'price_e2e_business_month',
    HOSTEDMAIL__PLANS__BUSINESS__YEARLYPRICEID: 'price_e2e_business_year',
    HOSTEDMAIL__PLANS__BUSINESS__FEATURES: 'Priority support',
  });
  stripe.webhookUrl = `${env.baseUrl}/api/v1/billing/stripe/webhook`;
});

test.afterAll(async () => {
  await node?.stop();
  await stripe?.close();
});

test('a tenant subscribes through Stripe Checkout, manages it in the customer portal, and sees a failed payment', async ({ page }, info) => {
  const lang = info.project.name as 'en' | 'de';
  const s = lang === 'de' ? de : en;
  const interval = lang === 'de' ? 'year' : 'month';
  const price = `price_e2e_business_${interval}`;
  const tenant = `pay-${lang}-${Date.now() % 1_000_000}`;
  const domain = `${tenant}.example`;
  const email = `owner@${domain}`;
  const password = 'correct horse battery staple';
  const h1 = page.getByRole('heading', { level: 1 });
  const cli = cliOf(env.nodeEnv);
  const day = (unix: number) => new Intl.DateTimeFormat(lang, { dateStyle: 'long' }).format(new Date(unix * 1000));
  const money = (minor: number) => new Intl.NumberFormat(lang, { style: 'currency', currency: 'EUR' }).format(minor / 100);
  const nav = (name: string) => page.getByRole('navigation', { name: s.app.nav }).getByRole('link', { name, exact: true }).click();
  const planRegion = page.getByRole('region', { name: s.billing.plan, exact: true });
  const fact = (term: string) => planRegion.locator('.facts > div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${term}$`) }) }).locator('dd');
  const planCard = (name: string) => page.getByRole('article', { name: new RegExp(`^${name}`) });
  const banner = page.getByRole('region', { name: s.billing.banner.label, exact: true });

  // A new tenant (signed up and confirmed by mail as in the journey, through the API here).
  const signup = await postApi('/api/v1/auth/signup', { tenantName: tenant, tenantDisplayName: `Pay ${lang.toUpperCase()} Ltd`, email, password, displayName: null }, env.baseUrl);
  expect(signup.status, await signup.clone().text()).toBeLessThan(300);
  const confirmed = await postApi('/api/v1/auth/confirm-email', { token: await mailedToken(email, 'confirm-email', undefined, env.imapPort) }, env.baseUrl);
  expect(confirmed.status).toBeLessThan(300);
  await page.goto(env.baseUrl + '/login');
  await page.getByLabel(s.login.email).fill(email);
  await page.getByLabel(s.login.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: s.login.submit, exact: true }).click();
  await expect(h1).toHaveText(s.dashboard.title);

  // The free plan allows one domain: the second is refused, with the way to Billing.
  const addDomain = async (name: string) => {
    await nav(s.nav.domains);
    await page.getByLabel(s.domains.name).fill(name);
    await page.getByRole('button', { name: s.domains.submit }).click();
  };
  await addDomain(domain);
  await expect(h1).toHaveText(s.records.title.replace('{{domain}}', domain));
  await addDomain(`second-${domain}`);
  const limitProblem = page.locator('form .problem');
  await expect(limitProblem).toContainText(s.planLimit.domains_one.replace('{{plan}}', 'free').replace('{{count}}', '1'));
  await limitProblem.getByRole('link', { name: s.planLimit.action }).click();

  // Billing on the free plan: no subscription, nothing to manage, Business for sale monthly and yearly.
  await expect(h1).toHaveText(s.billing.title);
  await expect(fact(s.billing.planName)).toHaveText('free');
  await expect(fact(s.billing.status)).toHaveText(s.billing.statuses.none);
  await expect(page.getByText(s.billing.notConfigured)).toHaveCount(0);
  await expect(page.getByRole('button', { name: s.billing.manage })).toHaveCount(0);
  await expect(planCard('free')).toContainText(s.billing.current);
  await expect(planCard('free').getByRole('button')).toHaveCount(0);
  const business = planCard('Business');
  await expect(business).toContainText(s.billing.limits.domains.replace('{{value}}', '20'));
  await expect(business).toContainText('Priority support');
  await expect(business.getByRole('button')).toHaveText([`${s.billing.subscribeMonthly} (Business)`, `${s.billing.subscribeYearly} (Business)`]);
  await expect(page.getByRole('meter', { name: `${s.dashboard.domains}: 100 %` })).toBeVisible();
  await visit(page, info, 'billing-01-free');

  // Subscribe: the portal asks the node for a Checkout session and the browser goes to Stripe.
  const subscribe = business.getByRole('button', { name: `${interval === 'month' ? s.billing.subscribeMonthly : s.billing.subscribeYearly} (Business)` });
  const toCheckout = async () => {
    await subscribe.click();
    await expect(page).toHaveURL(/^https:\/\/127\.0\.0\.1:\d+\/c\/pay\/cs_test_/);
    await expect(h1).toHaveText('Checkout');
    await expect(page.getByText(`${(prices[price].amount / 100).toFixed(2)} EUR per ${interval}`)).toBeVisible();
  };
  await toCheckout();
  // The browser's Back button: the page is usable again (not stuck "opening Stripe" with its buttons off).
  // (A page restored from that cache fires no load event: wait for the navigation's commit only.)
  await page.goBack({ waitUntil: 'commit' });
  await expect(h1).toHaveText(s.billing.title);
  await expect(subscribe).toBeEnabled();
  await expect(page.getByText(s.billing.redirecting)).toHaveCount(0);
  // Checkout's own way back (cancel_url): nothing bought, the portal says so.
  await toCheckout();
  await page.getByRole('link', { name: 'Back' }).click();
  await expect(page).toHaveURL(`${env.baseUrl}/billing?checkout=canceled`);
  await expect(page.getByRole('status').filter({ hasText: s.billing.checkoutCanceled })).toBeVisible();
  await expect(fact(s.billing.status)).toHaveText(s.billing.statuses.none);
  await toCheckout();
  await shoot(page, info, 'billing-02-checkout');
  const checkout = stripe!.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
  expect(checkout).toHaveLength(3);
  expect(checkout.map((r) => r.form.get('line_items[0][price]'))).toEqual([price, price, price]);
  expect(checkout[2].form.get('line_items[0][quantity]')).toBe('1');
  expect(checkout[2].form.get('success_url')).toBe(`${env.baseUrl}/billing?checkout=success`);
  expect(checkout[2].form.get('cancel_url')).toBe(`${env.baseUrl}/billing?checkout=canceled`);
  // One Stripe customer for the tenant, made at the first Checkout and used for every later one.
  expect(stripe!.requests.filter((r) => r.method === 'POST' && r.path === '/v1/customers')).toHaveLength(1);
  const customer = checkout[2].form.get('customer')!;
  expect(checkout.map((r) => r.form.get('customer'))).toEqual([customer, customer, customer]);

  // Pay: back in the portal before Stripe's events arrive; the page waits for them.
  await page.getByRole('button', { name: 'Pay' }).click();
  await expect(page).toHaveURL(`${env.baseUrl}/billing?checkout=success`);
  await expect(page.getByRole('status').filter({ hasText: s.billing.checkoutSuccess })).toBeVisible();
  await expect(fact(s.billing.status)).toHaveText(s.billing.statuses.active, { timeout: 45_000 });
  const subscription = stripe!.subscriptionOf(customer)!;
  expect(subscription.price).toBe(price);
  await expect(fact(s.billing.planName)).toHaveText('Business');
  await expect(page.getByRole('status').filter({ hasText: s.billing.checkoutDone.replace('{{plan}}', 'Business') })).toBeVisible();
  await expect(page.getByText(s.billing.checkoutSuccess)).toHaveCount(0);
  await expect(fact(s.billing.interval)).toHaveText(s.billing.intervals[interval]);
  await expect(fact(s.billing.renews)).toHaveText(day(subscription.periodEnd));
  const nextInvoice = s.billing.nextInvoiceOn.replace('{{amount}}', money(prices[price].amount)).replace('{{date}}', day(subscription.periodEnd));
  await expect(fact(s.billing.nextInvoice)).toHaveText(nextInvoice);
  await expect(planCard('Business')).toContainText(s.billing.current);
  await expect(page.getByRole('heading', { name: s.billing.usage.replace('{{plan}}', 'Business') })).toBeVisible();
  await expect(page.getByRole('meter', { name: `${s.dashboard.domains}: 5 %` })).toBeVisible();
  // With a subscription, plans change in the customer portal, not through a second Checkout.
  await expect(page.getByText(s.billing.changeIntro)).toBeVisible();
  await expect(page.getByRole('button', { name: s.billing.subscribeMonthly })).toHaveCount(0);
  await visit(page, info, 'billing-03-subscribed');
  // The operator sees the same (hostedmail billing show).
  const shown = cli('billing', 'show', tenant);
  expect(shown).toMatch(/^plan +business$/m);
  expect(shown).toMatch(/^status +active$/m);
  expect(shown).toMatch(new RegExp(`^customer +${customer}$`, 'm'));
  expect(shown).toMatch(new RegExp(`^subscription +${subscription.id} business ${interval} seats 1$`, 'm'));

  // The higher limit holds: the second domain is accepted now.
  await addDomain(`second-${domain}`);
  await expect(h1).toHaveText(s.records.title.replace('{{domain}}', `second-${domain}`));

  // Manage billing: the customer portal; cancel at the period's end, back to the portal.
  await nav(s.nav.billing);
  await expect(fact(s.billing.status)).toHaveText(s.billing.statuses.active);
  const openCustomerPortal = async () => {
    await page.getByRole('button', { name: s.billing.manage }).click();
    await expect(page).toHaveURL(/^https:\/\/127\.0\.0\.1:\d+\/p\/session\/bps_/);
    await expect(h1).toHaveText('Customer portal');
  };
  await openCustomerPortal();
  const portalSessions = stripe!.requests.filter((r) => r.method === 'POST' && r.path === '/v1/billing_portal/sessions');
  expect(portalSessions.map((r) => [r.form.get('customer'), r.form.get('return_url')])).toEqual([[customer, `${env.baseUrl}/billing`]]);
  await expect(page.getByText(`Your plan renews on ${new Date(subscription.periodEnd * 1000).toISOString().slice(0, 10)}.`)).toBeVisible();
  await page.getByRole('button', { name: 'Cancel plan' }).click();
  await expect(page.getByText(/Your plan will be canceled on/)).toBeVisible();
  await shoot(page, info, 'billing-04-customer-portal');
  await page.getByRole('link', { name: 'Return to HostedMail' }).click();
  await expect(page).toHaveURL(`${env.baseUrl}/billing`);
  await expect(fact(s.billing.ends)).toHaveText(day(subscription.periodEnd));
  await expect(fact(s.billing.renews)).toHaveCount(0);
  await expect(fact(s.billing.nextInvoice)).toHaveCount(0);
  await expect(planRegion.getByText(s.billing.canceling.replace('{{plan}}', 'Business').replace('{{date}}', day(subscription.periodEnd)))).toBeVisible();
  await expect(fact(s.billing.status)).toHaveText(s.billing.statuses.active);
  await expect(fact(s.billing.planName)).toHaveText('Business');
  await visit(page, info, 'billing-05-canceling');

  // Kept after all: it renews again.
  await openCustomerPortal();
  await page.getByRole('button', { name: 'Renew plan' }).click();
  await expect(page.getByText(/Your plan renews on/)).toBeVisible();
  await page.getByRole('link', { name: 'Return to HostedMail' }).click();
  await expect(fact(s.billing.renews)).toHaveText(day(subscription.periodEnd));
  await expect(fact(s.billing.ends)).toHaveCount(0);
  await expect(fact(s.billing.nextInvoice)).toHaveText(nextInvoice);
  await expect(planRegion.getByText(s.billing.canceling.split('{{plan}}')[0])).toHaveCount(0);

  // The renewal's payment fails: the past-due banner above every page, the plan still applies.
  await stripe!.failRenewal(subscription.id);
  await page.reload();
  await expect(banner).toContainText(s.billing.banner.title.grace);
  await expect(fact(s.billing.status)).toHaveText(s.billing.statuses.past_due);
  await expect(fact(s.billing.planName)).toHaveText('Business');
  await visit(page, info, 'billing-06-past-due');
  await nav(s.nav.domains);
  await expect(banner).toContainText(s.billing.banner.title.grace);
  await expect(banner.getByRole('link', { name: s.billing.banner.open })).toBeVisible();

  // Its button opens the customer portal; paying there lifts it.
  await banner.getByRole('button', { name: s.billing.banner.fix }).click();
  await expect(page).toHaveURL(/^https:\/\/127\.0\.0\.1:\d+\/p\/session\/bps_/);
  await expect(page.getByText(/Your last payment failed/)).toBeVisible();
  await page.getByRole('button', { name: 'Update payment method and pay' }).click();
  await expect(page.getByText(/Your plan renews on/)).toBeVisible();
  await page.getByRole('link', { name: 'Return to HostedMail' }).click();
  await expect(page).toHaveURL(`${env.baseUrl}/billing`);
  await expect(fact(s.billing.status)).toHaveText(s.billing.statuses.active);
  await expect(banner).toHaveCount(0);
  await visit(page, info, 'billing-07-paid');

  // What Stripe saw and what the node did with each event.
  await stripe!.settled();
  expect(stripe!.violations).toEqual([]);
  expect(stripe!.deliveries.map((d) => d.type)).toEqual([
    'customer.subscription.created', 'checkout.session.completed', 'invoice.paid',
    'customer.subscription.updated', 'customer.subscription.updated',
    'invoice.payment_failed', 'customer.subscription.updated',
    'invoice.paid', 'customer.subscription.updated',
  ]);
  for (const d of stripe!.deliveries) {
    expect(d.status, `${d.type}: ${d.answer}`).toBe(200);
    expect(d.answer, d.type).toMatch(new RegExp(`^event ${d.id}: applied: `));
    expect(d.answer, d.type).not.toContain('api version');
  }
});
