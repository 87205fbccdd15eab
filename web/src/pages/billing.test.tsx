// Billing: the page (plan, usage, plans, Stripe Checkout and the customer portal), the past-due
// banner, the dashboard's payment item, plan-limit problems at their form, and the pagers of the
// API tokens and sessions lists.
import { describe, expect, it, beforeEach, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import i18n from '../i18n';
import { answerFetch, renderWithApp, type Answer } from '../test-utils';
import { browser } from '../billing';
import type { Billing, PlanLimits } from '../api/types';
import { BillingPage } from './Billing';
import { BillingBanner } from '../components/BillingBanner';
import { DashboardPage } from './Dashboard';
import { DomainsPage } from './Domains';
import { TokensPage } from './Tokens';
import { SecurityPage } from './Security';

beforeEach(async () => {
  await i18n.changeLanguage('en');
  vi.restoreAllMocks();
});

const GB = 1024 ** 3;
const free: PlanLimits = { plan: 'free', displayName: null, maxDomains: 1, maxMailboxes: 5, maxAliases: 20, maxStorageBytes: 5 * GB, maxMessagesPerHour: 100 };
const business: PlanLimits = { plan: 'business', displayName: 'Business', maxDomains: 20, maxMailboxes: 500, maxAliases: 5000, maxStorageBytes: 500 * GB, maxMessagesPerHour: 2000 };

function billing(change: Partial<Billing> = {}, subscription: Partial<Billing['subscription']> = {}, standing: Partial<Billing['standing']> = {}): Answer {
  const body: Billing = {
    plan: 'free',
    subscription: { status: 'none', plan: 'free', interval: null, seats: 0, currentPeriodEnd: null, trialEnd: null, cancelAtPeriodEnd: false, pastDueSince: null, ...subscription },
    standing: { phase: 'none', banner: false, sendingBlocked: false, portalReadOnly: false, sendingBlockedAt: null, readOnlyAt: null, message: null, ...standing },
    limits: free,
    usage: { domains: 1, mailboxes: 2, aliases: 0, quotaBytesAllocated: 2 * GB, storedBytes: 0 },
    exceeds: [],
    nextInvoice: null,
    plans: [
      { name: 'free', displayName: 'free', monthly: false, yearly: false, perSeat: false, features: [], limits: free },
      { name: 'team', displayName: 'Team', monthly: true, yearly: false, perSeat: false, features: [], limits: { ...business, plan: 'team', displayName: 'Team', maxDomains: 5 } },
      { name: 'business', displayName: 'Business', monthly: true, yearly: true, perSeat: true, features: ['priority-support'], limits: business },
    ],
    configured: true,
    ...change,
  };
  return { status: 200, body };
}

const sessionAs = (role: 'owner' | 'admin' | 'billing' | 'read_only'): Answer => ({
  status: 200,
  body: { user: { id: 1, email: 'o@a.example', displayName: null, role, status: 'active', emailConfirmed: true, twoFactorEnabled: false, createdAt: '' }, tenantId: 1, tenantName: 'acme', authenticatedBy: 'session', csrfToken: 'c', tenants: [] },
});

const pastDue = { status: 'past_due' as const, plan: 'business', interval: 'month' as const, seats: 2, pastDueSince: '2026-12-01T12:00:00Z', currentPeriodEnd: '2027-01-01T12:00:00Z' };
const grace = { phase: 'grace' as const, banner: true, sendingBlockedAt: '2026-12-08T12:00:00Z', readOnlyAt: '2026-12-15T12:00:00Z' };

describe('the billing page', () => {
  it('without Stripe keys shows the plan, usage and plans, and offers nothing to buy', async () => {
    answerFetch({ 'GET /api/v1/auth/session': sessionAs('owner'), 'GET /api/v1/billing': billing({ configured: false }) });
    renderWithApp(<BillingPage />, '/billing');
    expect(await screen.findByText(/Online payment is not set up on this service/)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: /Business/ })).toBeInTheDocument();
    const currentPlan = screen.getByRole('article', { name: /free/ });
    expect(currentPlan).toHaveTextContent('your plan');
    expect(currentPlan).toHaveTextContent('Domains: 1');
    expect(screen.getByRole('article', { name: /Business/ })).toHaveTextContent('Mailbox storage: 500 GB');
    expect(screen.getByRole('meter', { name: 'Mailboxes: 40 %' })).toBeInTheDocument();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('sends an owner without a subscription to Stripe Checkout for the chosen plan and interval', async () => {
    const assign = vi.spyOn(browser, 'assign').mockImplementation(() => {});
    const seen = answerFetch({
      'GET /api/v1/auth/session': sessionAs('owner'),
      'GET /api/v1/billing': billing(),
      'POST /api/v1/billing/checkout': { status: 200, body: { url: 'https://checkout.stripe.com/c/pay/cs_test_1' } },
    });
    renderWithApp(<BillingPage />, '/billing');
    const plan = await screen.findByRole('article', { name: /Business/ });
    expect(within(plan).getByText('Priced per mailbox: the subscription counts your mailboxes.')).toBeInTheDocument();
    const yearly = await within(plan).findByRole('button', { name: /^Subscribe yearly\s*\(Business\)$/ });
    // The free plan has no price: nothing to buy there; "Manage billing" needs a subscription first.
    expect(within(screen.getByRole('article', { name: /free/ })).queryByRole('button')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Manage billing' })).toBeNull();
    await userEvent.click(yearly);
    await waitFor(() => expect(assign).toHaveBeenCalledWith('https://checkout.stripe.com/c/pay/cs_test_1'));
    const post = seen.find((r) => r.method === 'POST')!;
    expect(await post.json()).toEqual({ plan: 'business', interval: 'year' });
    expect(screen.getByText('Opening Stripe…')).toBeInTheDocument();
  });

  it('is usable again when the browser comes back from Stripe with Back (restored from the back/forward cache)', async () => {
    vi.spyOn(browser, 'assign').mockImplementation(() => {});
    answerFetch({
      'GET /api/v1/auth/session': sessionAs('owner'),
      'GET /api/v1/billing': billing(),
      'POST /api/v1/billing/checkout': { status: 200, body: { url: 'https://checkout.stripe.com/c/pay/cs_test_1' } },
    });
    renderWithApp(<BillingPage />, '/billing');
    const monthly = await screen.findByRole('button', { name: /^Subscribe monthly\s*\(Business\)$/ });
    await userEvent.click(monthly);
    await waitFor(() => expect(monthly).toBeDisabled());
    // A page shown again without being loaded (not restored: a first show) changes nothing.
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }));
    expect(monthly).toBeDisabled();
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    await waitFor(() => expect(monthly).toBeEnabled());
    expect(screen.queryByText('Opening Stripe…')).toBeNull();
  });

  it('never sends the browser to an address that is not https', async () => {
    const assign = vi.spyOn(browser, 'assign').mockImplementation(() => {});
    answerFetch({
      'GET /api/v1/auth/session': sessionAs('admin'),
      'GET /api/v1/billing': billing(),
      'POST /api/v1/billing/checkout': { status: 200, body: { url: 'javascript:alert(1)' } },
    });
    renderWithApp(<BillingPage />, '/billing');
    await userEvent.click(await screen.findByRole('button', { name: /^Subscribe monthly\s*\(Business\)$/ }));
    expect(await screen.findByRole('alert')).toHaveTextContent('is not a secure one');
    expect(assign).not.toHaveBeenCalled();
  });

  it('shows a subscription\'s facts and changes the plan or the payment method in the customer portal', async () => {
    const assign = vi.spyOn(browser, 'assign').mockImplementation(() => {});
    const seen = answerFetch({
      'GET /api/v1/auth/session': sessionAs('billing'),
      'GET /api/v1/billing': billing(
        { plan: 'business', limits: business, nextInvoice: { amountDue: 2400, currency: 'eur', date: '2027-01-01T12:00:00Z' } },
        { status: 'active', plan: 'business', interval: 'month', seats: 2, currentPeriodEnd: '2027-01-01T12:00:00Z' },
      ),
      'POST /api/v1/billing/portal': { status: 200, body: { url: 'https://billing.stripe.com/p/session/1' } },
    });
    renderWithApp(<BillingPage />, '/billing');
    const facts = await screen.findByRole('region', { name: 'Your plan' });
    expect(facts).toHaveTextContent('PlanBusiness');
    expect(facts).toHaveTextContent('Subscriptionactive');
    expect(facts).toHaveTextContent('Billedmonthly');
    expect(facts).toHaveTextContent('Mailboxes paid for2');
    expect(facts).toHaveTextContent('Renews');
    expect(facts).toHaveTextContent('Next invoice€24.00 on January 1, 2027');
    // Subscribed: no second checkout (the API would refuse it); other plans change in the portal.
    expect(await screen.findByRole('button', { name: 'Change to Team' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Subscribe/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Change to Business' })).toBeNull();
    // A plan without a price is not sold: no way to it here (cancelling is in the portal).
    expect(within(screen.getByRole('article', { name: /free/ })).queryByRole('button')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Manage billing' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('https://billing.stripe.com/p/session/1'));
    expect(seen.filter((r) => r.method === 'POST').map((r) => new URL(r.url).pathname)).toEqual(['/api/v1/billing/portal']);
  });

  it('offers a read-only user nothing to change, and says who can', async () => {
    answerFetch({ 'GET /api/v1/auth/session': sessionAs('read_only'), 'GET /api/v1/billing': billing() });
    renderWithApp(<BillingPage />, '/billing');
    expect(await screen.findByText('Only owners, administrators and billing users can change the subscription.')).toBeInTheDocument();
    expect(screen.getByRole('article', { name: /Business/ })).toBeInTheDocument();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('names what is above the plan\'s limits after a downgrade, in German', async () => {
    await i18n.changeLanguage('de');
    answerFetch({
      'GET /api/v1/auth/session': sessionAs('owner'),
      'GET /api/v1/billing': billing({ usage: { domains: 3, mailboxes: 2, aliases: 0, quotaBytesAllocated: 6 * GB, storedBytes: 0 } }, { status: 'canceled' }),
    });
    renderWithApp(<BillingPage />, '/billing');
    expect(await screen.findByText(/Es ist mehr in Gebrauch, als der Tarif free erlaubt/)).toBeInTheDocument();
    expect(screen.getByText('3 Domains, erlaubt sind 1')).toBeInTheDocument();
    expect(screen.getByText('6 GB Postfach-Kontingent, erlaubt sind 5 GB')).toBeInTheDocument();
    expect(screen.queryByText(/Postfächer, erlaubt/)).toBeNull();
    // Canceled: a new subscription goes through Checkout again.
    expect(await screen.findByRole('button', { name: /^Monatlich abonnieren\s*\(Business\)$/ })).toBeInTheDocument();
  });

  it('says thank you after Checkout and asks again until the webhook made the subscription active', async () => {
    let asked = 0;
    answerFetch({
      'GET /api/v1/auth/session': sessionAs('owner'),
      'GET /api/v1/billing': () => (++asked < 2 ? billing() : billing({ plan: 'business', limits: business }, { status: 'active', plan: 'business' })),
    });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      renderWithApp(<BillingPage />, '/billing?checkout=success');
      expect(await screen.findByText(/The plan changes as soon as Stripe confirms the payment/)).toBeInTheDocument();
      const facts = await screen.findByRole('region', { name: 'Your plan' });
      expect(facts).toHaveTextContent('Subscriptionnone');
      await vi.advanceTimersByTimeAsync(3500);
      await waitFor(() => expect(screen.getByRole('region', { name: 'Your plan' })).toHaveTextContent('Subscriptionactive'));
      // Said where it was said that the page updates by itself (a status: screen readers hear it).
      expect(screen.getByRole('status')).toHaveTextContent('Thank you. Stripe confirmed the payment: the Business plan applies now.');
      expect(screen.queryByText(/The plan changes as soon as Stripe confirms the payment/)).toBeNull();
      const count = asked;
      await vi.advanceTimersByTimeAsync(10_000);
      expect(asked).toBe(count);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a subscription canceled at the end of its period', () => {
  it('shows when it ends, that the plan applies until then, and no next invoice', async () => {
    answerFetch({
      'GET /api/v1/auth/session': sessionAs('owner'),
      'GET /api/v1/billing': billing({ plan: 'business', limits: business, nextInvoice: null },
        { status: 'active', plan: 'business', interval: 'year', currentPeriodEnd: '2027-12-06T12:00:00Z', cancelAtPeriodEnd: true }),
    });
    renderWithApp(<BillingPage />, '/billing');
    const facts = await screen.findByRole('region', { name: 'Your plan' });
    expect(facts).toHaveTextContent('EndsDecember 6, 2027');
    expect(facts).not.toHaveTextContent('Renews');
    expect(within(facts).getByText('The subscription is canceled: the Business plan applies until December 6, 2027, then it ends. To keep it, use Manage billing.')).toBeInTheDocument();
    expect(within(facts).getByRole('button', { name: 'Manage billing' })).toBeEnabled();
  });

  it('says nothing of an end while the subscription renews', async () => {
    answerFetch({
      'GET /api/v1/auth/session': sessionAs('owner'),
      'GET /api/v1/billing': billing({ plan: 'business', limits: business }, { status: 'active', plan: 'business', currentPeriodEnd: '2027-12-06T12:00:00Z' }),
    });
    renderWithApp(<BillingPage />, '/billing');
    const facts = await screen.findByRole('region', { name: 'Your plan' });
    expect(facts).toHaveTextContent('RenewsDecember 6, 2027');
    expect(screen.queryByText(/The subscription is canceled/)).toBeNull();
  });
});

describe('the past-due banner', () => {
  it('says what happens next and when, and opens the customer portal to fix the payment', async () => {
    const assign = vi.spyOn(browser, 'assign').mockImplementation(() => {});
    answerFetch({
      'GET /api/v1/auth/session': sessionAs('owner'),
      'GET /api/v1/billing': billing({ plan: 'business', limits: business }, pastDue, grace),
      'POST /api/v1/billing/portal': { status: 200, body: { url: 'https://billing.stripe.com/p/session/2' } },
    });
    renderWithApp(<BillingBanner />, '/domains');
    const banner = await screen.findByRole('region', { name: 'Payment overdue' });
    expect(banner).toHaveTextContent('Payment failed.');
    expect(banner).toHaveTextContent('Update the payment method before December 8, 2026: from then on sending mail is paused, and from December 15, 2026 the portal is read-only');
    expect(within(banner).getByRole('link', { name: 'Open billing' })).toHaveAttribute('href', '/billing');
    await userEvent.click(within(banner).getByRole('button', { name: 'Update payment method' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('https://billing.stripe.com/p/session/2'));
  });

  it('is in German, says sending is paused in that phase, and sends a read-only user to someone who can pay', async () => {
    await i18n.changeLanguage('de');
    answerFetch({
      'GET /api/v1/auth/session': sessionAs('read_only'),
      'GET /api/v1/billing': billing({}, pastDue, { ...grace, phase: 'sending_blocked', sendingBlocked: true }),
    });
    renderWithApp(<BillingBanner />, '/');
    const banner = await screen.findByRole('region', { name: 'Zahlung überfällig' });
    expect(banner).toHaveTextContent('Der Versand ist angehalten.');
    expect(banner).toHaveTextContent('seit dem 1. Dezember 2026 überfällig');
    expect(banner).toHaveTextContent('Ab dem 15. Dezember 2026 lässt das Portal');
    expect(within(banner).queryByRole('button')).toBeNull();
    expect(banner).toHaveTextContent('Ein Inhaber, Administrator oder Abrechnungs-Benutzer');
  });

  it('is not there while the subscription is paid', async () => {
    const seen = answerFetch({ 'GET /api/v1/auth/session': sessionAs('owner'), 'GET /api/v1/billing': billing({}, { status: 'active' }) });
    renderWithApp(<BillingBanner />, '/');
    await waitFor(() => expect(seen.some((r) => r.url.endsWith('/api/v1/billing'))).toBe(true));
    expect(screen.queryByRole('region')).toBeNull();
  });

  it('offers only the way to the billing page when Stripe is not configured', async () => {
    answerFetch({ 'GET /api/v1/auth/session': sessionAs('owner'), 'GET /api/v1/billing': billing({ configured: false }, pastDue, grace) });
    renderWithApp(<BillingBanner />, '/');
    const banner = await screen.findByRole('region', { name: 'Payment overdue' });
    expect(within(banner).queryByRole('button')).toBeNull();
    expect(within(banner).getByRole('link', { name: 'Open billing' })).toBeInTheDocument();
  });
});

describe('the dashboard', () => {
  it('lists a failed payment first, with the way to billing, also before any domain exists', async () => {
    answerFetch({
      'GET /api/v1/tenant': { status: 200, body: { id: 1, name: 'acme', displayName: 'Acme', plan: 'free', state: 'active', createdAt: '', limits: free, usage: { domains: 0, mailboxes: 0, aliases: 0, quotaBytesAllocated: 0, storedBytes: 0 } } },
      'GET /api/v1/domains': { status: 200, body: { items: [], total: 0 } },
      'GET /api/v1/mailboxes': { status: 200, body: { items: [], total: 0 } },
      'GET /api/v1/billing': billing({}, pastDue, grace),
    });
    renderWithApp(<DashboardPage />);
    const item = await screen.findByText(/The subscription payment failed on December 1, 2026/);
    expect(within(item.closest('li')!).getByRole('link', { name: 'Open' })).toHaveAttribute('href', '/billing');
    expect(screen.getByRole('link', { name: 'Start by adding your domain.' })).toBeInTheDocument();
  });
});

describe('the dashboard, after a downgrade', () => {
  it('says more is in use than the plan allows, and leads to billing', async () => {
    answerFetch({
      'GET /api/v1/tenant': { status: 200, body: { id: 1, name: 'acme', displayName: 'Acme', plan: 'free', state: 'active', createdAt: '', limits: free, usage: { domains: 2, mailboxes: 0, aliases: 0, quotaBytesAllocated: 0, storedBytes: 0 } } },
      'GET /api/v1/domains': { status: 200, body: { items: [], total: 0 } },
      'GET /api/v1/mailboxes': { status: 200, body: { items: [], total: 0 } },
      'GET /api/v1/billing': billing({ usage: { domains: 2, mailboxes: 0, aliases: 0, quotaBytesAllocated: 0, storedBytes: 0 } }, { status: 'canceled' }),
    });
    renderWithApp(<DashboardPage />);
    const item = await screen.findByText(/More is in use than the free plan allows/);
    expect(within(item.closest('li')!).getByRole('link', { name: 'Open' })).toHaveAttribute('href', '/billing');
    expect(screen.queryByText(/payment failed/)).toBeNull();
  });
});

describe('plan limits', () => {
  it('shows the limit of the plan at the form it stopped, with the way to billing', async () => {
    answerFetch({
      'GET /api/v1/domains': { status: 200, body: { items: [{ id: 1, name: 'acme.example', displayName: 'acme.example', state: 'verified', createdAt: '', health: null }], total: 1 } },
      'GET /api/v1/tenant': { status: 200, body: { id: 1, name: 'acme', displayName: 'Acme', plan: 'free', state: 'active', createdAt: '', limits: { ...free, displayName: 'Free' }, usage: { domains: 1, mailboxes: 0, aliases: 0, quotaBytesAllocated: 0, storedBytes: 0 } } },
      'POST /api/v1/domains': {
        status: 403,
        body: { type: 'https://hostedmail.dev/problems/plan-limit', title: 'plan limit reached', status: 403, detail: 'the free plan allows 1 domain(s); remove one or upgrade the plan', limit: 'domains' },
      },
    });
    renderWithApp(<DomainsPage />, '/domains');
    await userEvent.type(screen.getByLabelText('Domain name'), 'second.example');
    await userEvent.click(screen.getByRole('button', { name: 'Add domain' }));
    const form = screen.getByRole('button', { name: 'Add domain' }).closest('form')!;
    const alert = await within(form).findByRole('alert');
    await waitFor(() => expect(alert).toHaveTextContent('Plan limit reached. The Free plan allows 1 domain.'));
    expect(within(alert).getByRole('link', { name: /choose a bigger plan in Billing/ })).toHaveAttribute('href', '/billing');
  });

  it('words the storage limit in German with the size', async () => {
    await i18n.changeLanguage('de');
    answerFetch({
      'GET /api/v1/domains': { status: 200, body: { items: [], total: 0 } },
      'GET /api/v1/tenant': { status: 200, body: { id: 1, name: 'acme', displayName: 'Acme', plan: 'free', state: 'active', createdAt: '', limits: free, usage: { domains: 0, mailboxes: 0, aliases: 0, quotaBytesAllocated: 0, storedBytes: 0 } } },
      'POST /api/v1/domains': { status: 403, body: { type: 'https://hostedmail.dev/problems/plan-limit', title: 'plan limit reached', status: 403, detail: 'x', limit: 'storage' } },
    });
    renderWithApp(<DomainsPage />, '/domains');
    await userEvent.type(screen.getByLabelText('Domainname'), 'a.example');
    await userEvent.click(screen.getByRole('button', { name: 'Domain hinzufügen' }));
    await waitFor(async () => expect(await screen.findByRole('alert')).toHaveTextContent('Der Tarif free erlaubt insgesamt 5 GB Postfach-Kontingent'));
  });

  it('explains the read-only portal of a long overdue tenant with the way to billing', async () => {
    answerFetch({
      'GET /api/v1/domains': { status: 200, body: { items: [], total: 0 } },
      'POST /api/v1/domains': { status: 403, body: { type: 'https://hostedmail.dev/problems/billing-read-only', title: 'read-only until paid', status: 403, detail: 'The subscription payment is overdue' } },
    });
    renderWithApp(<DomainsPage />, '/domains');
    await userEvent.type(screen.getByLabelText('Domain name'), 'a.example');
    await userEvent.click(screen.getByRole('button', { name: 'Add domain' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('the portal is read-only except billing until it is paid');
    expect(within(alert).getByRole('link')).toHaveAttribute('href', '/billing');
  });
});

describe('paging the account lists', () => {
  const token = (id: number) => ({ id, name: `token ${id}`, prefix: `hmt_${id}`, scopes: ['domains:read'], createdAt: '2026-12-01T12:00:00Z', expiresAt: '2027-12-01T12:00:00Z', lastUsedAt: null, revokedAt: null });
  const session = (id: number) => ({ id, createdAt: '2026-12-01T12:00:00Z', lastSeenAt: '2026-12-01T12:00:00Z', expiresAt: '2026-12-15T12:00:00Z', remoteAddress: '127.0.0.1', userAgent: `browser ${id}`, current: id === 1 });
  const paged = <T,>(make: (id: number) => T, total: number) => (request: Request): Answer => {
    const offset = Number(new URL(request.url).searchParams.get('offset'));
    return { status: 200, body: { items: Array.from({ length: Math.min(25, total - offset) }, (_, i) => make(offset + i + 1)), total } };
  };

  it('pages the API tokens 25 at a time', async () => {
    const seen = answerFetch({ 'GET /api/v1/account/tokens': paged(token, 27) });
    renderWithApp(<TokensPage />, '/tokens');
    const pager = await screen.findByRole('navigation', { name: 'Pages of API tokens' });
    expect(within(pager).getByText('1–25 of 27 (page 1 of 2)')).toBeInTheDocument();
    await userEvent.click(within(pager).getByRole('button', { name: 'Next page' }));
    expect(await within(pager).findByText('26–27 of 27 (page 2 of 2)')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /^Revoke\s*token 27$/ })).toBeInTheDocument();
    expect(seen.filter((r) => r.url.includes('/tokens')).map((r) => new URL(r.url).search)).toEqual(['?offset=0&limit=25', '?offset=25&limit=25']);
  });

  it('pages the signed-in sessions 25 at a time, and shows no pager when they fit', async () => {
    const seen = answerFetch({
      'GET /api/v1/account': { status: 200, body: { user: { twoFactorEnabled: false }, recoveryCodesLeft: 0 } },
      'GET /api/v1/account/sessions': paged(session, 26),
    });
    renderWithApp(<SecurityPage />, '/security');
    const pager = await screen.findByRole('navigation', { name: 'Pages of Signed-in sessions' });
    await userEvent.click(within(pager).getByRole('button', { name: 'Next page' }));
    expect(await screen.findByRole('cell', { name: 'browser 26' })).toBeInTheDocument();
    expect(within(pager).getByRole('button', { name: 'Previous page' })).toBeEnabled();
    expect(seen.filter((r) => r.url.includes('/sessions')).map((r) => new URL(r.url).search)).toEqual(['?offset=0&limit=25', '?offset=25&limit=25']);
  });

  it('shows no pager for a list that fits one page', async () => {
    answerFetch({ 'GET /api/v1/account/tokens': paged(token, 3) });
    renderWithApp(<TokensPage />, '/tokens');
    expect(await screen.findByRole('button', { name: /^Revoke\s*token 3$/ })).toBeInTheDocument();
    expect(screen.queryByRole('navigation')).toBeNull();
  });
});
