// The session across tenants and its end: the tenant switcher (sign in again with tenantId) and
// a 401 session-expired from any call, which returns to sign-in with a message.
import { describe, expect, it, beforeEach } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import i18n from './i18n';
import { answerFetch, type Answer } from './test-utils';
import { AppRoutes, makeQueryClient } from './App';
import type { SessionInfo } from './api/types';

const owner = { id: 1, email: 'o@a.example', displayName: null, role: 'owner', status: 'active', emailConfirmed: true, twoFactorEnabled: false, createdAt: '2026-12-01T10:00:00Z' } as const;
const tenants = [
  { id: 1, name: 'acme', displayName: 'Acme Ltd', role: 'owner' as const },
  { id: 2, name: 'beta', displayName: 'Beta GmbH', role: 'admin' as const },
];
const session = (tenantId: number, list = tenants): SessionInfo => ({
  user: owner, tenantId, tenantName: list.find((t) => t.id === tenantId)!.name, authenticatedBy: 'session', csrfToken: `csrf-${tenantId}`, scopes: null, tenants: list,
});
const tenant = { id: 1, name: 'acme', displayName: 'Acme Ltd', plan: 'free', state: 'active', createdAt: '2026-12-01T10:00:00Z',
  limits: { plan: 'free', maxDomains: 1, maxMailboxes: 5, maxAliases: 10, maxStorageBytes: null, maxMessagesPerHour: null },
  usage: { domains: 0, mailboxes: 0, aliases: 0, quotaBytesAllocated: 0, storedBytes: 0 } };
const empty: Answer = { status: 200, body: { items: [], total: 0 } };
const expired: Answer = { status: 401, body: { type: 'https://hostedmail.dev/problems/session-expired', title: 'session expired', status: 401 } };

function renderApp(path = '/') {
  return render(
    <QueryClientProvider client={makeQueryClient()}>
      <MemoryRouter initialEntries={[path]}><AppRoutes /></MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

describe('the tenant switcher', () => {
  it('is not shown for an account in one tenant, and the header names the tenant by its display name', async () => {
    answerFetch({ 'GET /api/v1/auth/session': { status: 200, body: session(1, [tenants[0]]) }, 'GET /api/v1/tenant': { status: 200, body: tenant }, 'GET /api/v1/domains': empty, 'GET /api/v1/mailboxes': empty });
    renderApp();
    expect(await screen.findByText('Signed in as o@a.example (Acme Ltd)')).toBeInTheDocument();
    expect(screen.queryByLabelText('Organisation')).toBeNull();
  });

  it('signs in again with the chosen tenantId, asking for the password, and the second factor when the API wants it', async () => {
    let current = 1;
    const seen = answerFetch({
      'GET /api/v1/auth/session': () => ({ status: 200, body: session(current) }),
      'GET /api/v1/tenant': { status: 200, body: tenant },
      'GET /api/v1/domains': empty,
      'GET /api/v1/mailboxes': empty,
      'POST /api/v1/auth/login': () => {
        const logins = seen.filter((r) => r.method === 'POST').length;
        if (logins === 1) return { status: 401, body: { type: 'https://hostedmail.dev/problems/two-factor-required', title: 'second factor required', status: 401 } };
        current = 2;
        return { status: 200, body: session(2) };
      },
    });
    renderApp();
    const switcher = await screen.findByRole('form', { name: 'Switch organisation' });
    expect(within(switcher).queryByLabelText('Password')).toBeNull();
    await userEvent.selectOptions(within(switcher).getByLabelText('Organisation'), '2');
    expect(within(switcher).getByText('To work in Beta GmbH, sign in to it with your password.')).toBeInTheDocument();
    await userEvent.type(within(switcher).getByLabelText('Password'), 'correct horse battery');
    await userEvent.click(within(switcher).getByRole('button', { name: 'Switch to Beta GmbH' }));
    await userEvent.type(await within(switcher).findByLabelText('Code from your authenticator app'), '123 456');
    await userEvent.click(within(switcher).getByRole('button', { name: 'Switch to Beta GmbH' }));
    expect(await screen.findByText('Signed in as o@a.example (Beta GmbH)')).toBeInTheDocument();
    // What the dashboard showed was the first tenant's: it is read again in the new one.
    await waitFor(() => {
      const lastLogin = seen.map((r) => r.method + ' ' + new URL(r.url).pathname).lastIndexOf('POST /api/v1/auth/login');
      expect(seen.slice(lastLogin + 1).map((r) => new URL(r.url).pathname)).toEqual(expect.arrayContaining(['/api/v1/tenant', '/api/v1/domains']));
    });
    const logins = seen.filter((r) => r.method === 'POST' && r.url.endsWith('/auth/login'));
    expect(await logins[0].json()).toEqual({ email: 'o@a.example', password: 'correct horse battery', tenantId: 2, totpCode: null, recoveryCode: null });
    expect(await logins[1].json()).toMatchObject({ tenantId: 2, totpCode: '123456' });
    expect(logins[1].headers.get('X-CSRF-Token')).toBe('csrf-1');
    // The new tenant's CSRF token is used from now on.
    expect(screen.getByLabelText('Organisation')).toHaveValue('2');
  });
});

describe('an ended session', () => {
  it('returns to sign-in with a translated message when a call answers 401 session-expired', async () => {
    await i18n.changeLanguage('de');
    answerFetch({
      'GET /api/v1/auth/session': { status: 200, body: session(1) },
      'GET /api/v1/tenant': expired,
      'GET /api/v1/domains': expired,
      'GET /api/v1/mailboxes': expired,
    });
    renderApp('/');
    expect(await screen.findByRole('heading', { level: 1, name: 'Anmelden' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Ihre Sitzung ist beendet');
  });

  it('says so too when the app opens with the cookie of an ended session', async () => {
    answerFetch({ 'GET /api/v1/auth/session': expired });
    renderApp('/domains');
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Your session has ended');
  });

  it('does not claim an ended session to someone who simply is not signed in', async () => {
    answerFetch({ 'GET /api/v1/auth/session': { status: 401, body: { type: 'https://hostedmail.dev/problems/not-signed-in', title: 'not signed in', status: 401 } } });
    renderApp('/domains');
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
