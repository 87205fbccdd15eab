// The OAuth & sign-in area (src/pages/oauth): registered apps and the approval setting, grants,
// confidential clients and the tenant's single sign-on provider, against a mocked API.
import { describe, expect, it, beforeEach } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import i18n from '../../i18n';
import { answerFetch, renderWithApp, type Answer } from '../../test-utils';
import { AppRoutes, makeQueryClient } from '../../App';
import { AppsPage } from './Apps';
import { GrantsPage } from './Grants';
import { ClientsPage } from './Clients';
import { SingleSignOnPage } from './SingleSignOn';

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

const validation = (errors: Record<string, string[]>): Answer => ({
  status: 400, body: { type: 'https://hostedmail.dev/problems/validation', title: 'invalid request', status: 400, errors },
});
const grant = (id: string, address: string, clientName: string) => ({
  id, mailboxId: 3, address, clientId: `client-${id}`, clientName, scopes: ['mail', 'offline_access'], createdAt: '2026-12-01T10:00:00Z', lastUsedAt: null,
});
const list = (items: unknown[]): Answer => ({ status: 200, body: { items, total: items.length } });

describe('connected apps (grants)', () => {
  it('asks before revoking, sends nothing on Cancel, and DELETEs the grant on Yes', async () => {
    let grants = [grant('g1', 'alice@acme.example', 'Thunderbird'), grant('g2', 'bob@acme.example', 'K-9 Mail')];
    const seen = answerFetch({
      'GET /api/v1/oauth/grants': () => list(grants),
      'DELETE /api/v1/oauth/grants/g2': () => {
        grants = grants.filter((g) => g.id !== 'g2');
        return { status: 204 };
      },
    });
    renderWithApp(<GrantsPage />);
    const row = (await screen.findByRole('cell', { name: 'bob@acme.example' })).closest('tr')!;
    const revoke = within(row).getByRole('button', { name: 'Revoke K-9 Mail bob@acme.example' });
    await userEvent.click(revoke);
    const question = within(row).getByRole('group', { name: 'Revoke access of K-9 Mail to bob@acme.example?' });
    expect(within(question).getByRole('button', { name: 'Yes, revoke' })).toHaveFocus();
    await userEvent.click(within(question).getByRole('button', { name: 'Cancel' }));
    expect(within(row).getByRole('button', { name: 'Revoke K-9 Mail bob@acme.example' })).toHaveFocus();
    expect(seen.filter((r) => r.method === 'DELETE')).toEqual([]);

    await userEvent.click(within(row).getByRole('button', { name: /Revoke/ }));
    await userEvent.click(within(row).getByRole('button', { name: 'Yes, revoke' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Access of K-9 Mail to bob@acme.example is revoked.');
    await waitFor(() => expect(screen.queryByRole('cell', { name: 'bob@acme.example' })).toBeNull());
    const deletes = seen.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => new URL(r.url).pathname)).toEqual(['/api/v1/oauth/grants/g2']);
    expect(screen.getByRole('cell', { name: 'alice@acme.example' })).toBeInTheDocument();
  });

  it('filters by mailbox through the API', async () => {
    const seen = answerFetch({
      'GET /api/v1/mailboxes': list([{ id: 3, address: 'alice@acme.example' }, { id: 4, address: 'bob@acme.example' }]),
      'GET /api/v1/oauth/grants': (r) => list(new URL(r.url).searchParams.get('mailboxId') === '4' ? [grant('g2', 'bob@acme.example', 'K-9 Mail')]
        : [grant('g1', 'alice@acme.example', 'Thunderbird'), grant('g2', 'bob@acme.example', 'K-9 Mail')]),
    });
    renderWithApp(<GrantsPage />);
    expect(await screen.findByRole('cell', { name: 'alice@acme.example' })).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByLabelText('Show the apps of'), 'bob@acme.example');
    await waitFor(() => expect(screen.queryByRole('cell', { name: 'alice@acme.example' })).toBeNull());
    expect(screen.getByRole('cell', { name: 'bob@acme.example' })).toBeInTheDocument();
    const asked = seen.filter((r) => r.url.includes('/oauth/grants')).map((r) => new URL(r.url).search);
    expect(asked).toEqual(['?offset=0&limit=25', '?offset=0&limit=25&mailboxId=4']);
  });

  it('speaks German, and says so when the node runs no OAuth server', async () => {
    await i18n.changeLanguage('de');
    answerFetch({ 'GET /api/v1/oauth/grants': { status: 404, body: { title: 'not found', status: 404, detail: 'This service does not run the OAuth server.' } } });
    renderWithApp(<GrantsPage />);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Verbundene Apps');
    expect(await screen.findByText('Dieser Dienst betreibt keinen OAuth-Server, hier gibt es nichts einzustellen.')).toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'Bereiche von OAuth und Anmeldung' })).toHaveTextContent('Einmalanmeldung (SSO)');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('clients for automation', () => {
  it('shows a new client\'s secret once, with copy buttons, and never again', async () => {
    let clients: unknown[] = [];
    const seen = answerFetch({
      'GET /api/v1/oauth/clients': () => list(clients),
      'POST /api/v1/oauth/clients': () => {
        const client = { clientId: 'tc_abc', name: 'Backup script', role: 'read_only', createdAt: '2026-12-05T10:00:00Z', createdBy: 'o@a.example' };
        clients = [client];
        return { status: 201, body: { client, clientSecret: 's3cr3t-only-once', tokenEndpoint: 'https://mail.example/connect/token', scope: 'api' } };
      },
    });
    renderWithApp(<ClientsPage />);
    expect(await screen.findByText('No clients yet.')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Name'), 'Backup script');
    await userEvent.selectOptions(screen.getByLabelText('Acts as'), 'read_only');
    await userEvent.click(screen.getByRole('button', { name: 'Create client' }));
    const secret = await screen.findByRole('region', { name: 'The client Backup script' });
    expect(within(secret).getByTestId('client-secret')).toHaveTextContent('s3cr3t-only-once');
    expect(within(secret).getByRole('heading', { name: 'The client Backup script' })).toHaveFocus();
    expect(within(secret).getByRole('button', { name: 'Copy Client secret' })).toBeInTheDocument();
    expect(within(secret).getByRole('button', { name: 'Copy Client ID' })).toBeInTheDocument();
    expect(secret).toHaveTextContent('https://mail.example/connect/token');
    expect(await seen.find((r) => r.method === 'POST')!.json()).toEqual({ name: 'Backup script', role: 'read_only' });
    // The list read after the creation names the client but has no secret.
    const row = (await screen.findByRole('cell', { name: 'Backup script' })).closest('tr')!;
    expect(row).toHaveTextContent('tc_abc');
    expect(row).toHaveTextContent('Read only');
    expect(screen.getAllByText(/s3cr3t-only-once/)).toHaveLength(1);

    await userEvent.click(within(secret).getByRole('button', { name: 'I have saved the secret' }));
    expect(screen.queryByText(/s3cr3t-only-once/)).toBeNull();
    expect(screen.getByRole('cell', { name: 'Backup script' })).toBeInTheDocument();
  });

  it('shows a refused name next to its field and deletes a client only after asking', async () => {
    const seen = answerFetch({
      'GET /api/v1/oauth/clients': list([{ clientId: 'tc_1', name: 'Old job', role: 'admin', createdAt: '2026-12-01T10:00:00Z', createdBy: 'o@a.example' }]),
      'POST /api/v1/oauth/clients': validation({ Name: ['name must be 1 to 100 printable characters'] }),
      'DELETE /api/v1/oauth/clients/tc_1': { status: 204 },
    });
    renderWithApp(<ClientsPage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Create client' }));
    const name = screen.getByLabelText('Name');
    expect(await screen.findByText('name must be 1 to 100 printable characters')).toBeInTheDocument();
    expect(name).toHaveAttribute('aria-invalid', 'true');
    expect(name).toHaveAccessibleDescription('name must be 1 to 100 printable characters');
    expect(screen.getByLabelText('Acts as')).not.toHaveAttribute('aria-invalid');

    const row = screen.getByRole('cell', { name: 'Old job' }).closest('tr')!;
    await userEvent.click(within(row).getByRole('button', { name: 'Delete Old job' }));
    expect(seen.some((r) => r.method === 'DELETE')).toBe(false);
    await userEvent.keyboard('{Enter}');
    expect(await screen.findByRole('status')).toHaveTextContent('Old job is deleted.');
    expect(seen.filter((r) => r.method === 'DELETE').map((r) => new URL(r.url).pathname)).toEqual(['/api/v1/oauth/clients/tc_1']);
  });
});

describe('registered apps', () => {
  const app = (clientId: string, status: string, clientName: string | null) => ({
    clientId, clientName, redirectUris: ['http://127.0.0.1/callback'], registeredAt: '2026-12-01T10:00:00Z', status,
    requestedBy: 'alice@acme.example', requestedAt: '2026-12-02T10:00:00Z', decidedBy: null, decidedAt: null,
  });

  it('shows and saves the approval setting, approves at once and refuses only after asking', async () => {
    const seen = answerFetch({
      'GET /api/v1/oauth/settings': { status: 200, body: { requireClientApproval: false } },
      'PUT /api/v1/oauth/settings': { status: 200, body: { requireClientApproval: true } },
      'GET /api/v1/oauth/apps': list([app('dyn-1', 'pending', 'E2E Mail'), app('dyn-2', 'approved', null)]),
      'PUT /api/v1/oauth/apps/dyn-1/approval': { status: 200, body: { ...app('dyn-1', 'approved', 'E2E Mail'), decidedBy: 'o@a.example' } },
      'PUT /api/v1/oauth/apps/dyn-2/approval': { status: 200, body: { ...app('dyn-2', 'denied', null), decidedBy: 'o@a.example' } },
    });
    renderWithApp(<AppsPage />);
    const setting = screen.getByLabelText('Mailboxes may use a self-registered app only after an administrator approved it');
    await waitFor(() => expect(setting).toBeEnabled());
    expect(setting).not.toBeChecked();
    expect(setting).toHaveAccessibleDescription(/An administrator must approve this app/);
    await userEvent.click(setting);
    await userEvent.click(screen.getByRole('button', { name: 'Save setting' }));
    expect(await screen.findByText('The approval setting is saved.')).toBeInTheDocument();
    expect(await seen.find((r) => r.method === 'PUT' && r.url.endsWith('/settings'))!.json()).toEqual({ requireClientApproval: true });

    const row = async (clientId: string) => (await screen.findByRole('cell', { name: new RegExp(clientId) })).closest('tr')!;
    const pending = await row('dyn-1');
    expect(within(pending).getByText('waiting')).toBeInTheDocument();
    await userEvent.click(within(pending).getByRole('button', { name: 'Approve E2E Mail' }));
    expect(await screen.findByText('E2E Mail is approved.')).toBeInTheDocument();
    expect(await seen.find((r) => r.url.includes('dyn-1'))!.json()).toEqual({ status: 'approved' });

    const approved = await row('dyn-2');
    expect(within(approved).queryByRole('button', { name: /Approve/ })).toBeNull();
    await userEvent.click(within(approved).getByRole('button', { name: 'Refuse unnamed app' }));
    expect(seen.some((r) => r.url.includes('dyn-2'))).toBe(false);
    expect(within(approved).getByRole('group')).toHaveAccessibleName('Refuse unnamed app? Every grant of your mailboxes to it is revoked at once.');
    await userEvent.click(within(approved).getByRole('button', { name: 'Yes, refuse' }));
    expect(await screen.findByText('unnamed app is refused.')).toBeInTheDocument();
    expect(await seen.find((r) => r.url.includes('dyn-2'))!.json()).toEqual({ status: 'denied' });
  });
});

describe('single sign-on', () => {
  it('shows the API\'s field errors next to their fields, in German too', async () => {
    await i18n.changeLanguage('de');
    const seen = answerFetch({
      'GET /api/v1/identity-provider': { status: 404, body: { title: 'not found', status: 404, detail: 'No identity provider is connected.' } },
      'PUT /api/v1/identity-provider': validation({ issuer: ['issuer must be an absolute https URL'], clientSecret: ['client secret must be 1 to 500 characters'] }),
    });
    renderWithApp(<SingleSignOnPage />);
    expect(await screen.findByText('Kein Anbieter verbunden: Ihre Leute melden sich mit ihren Passwörtern an.')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Angezeigter Name'), 'Acme sign-in');
    await userEvent.type(screen.getByLabelText('Aussteller-URL (Issuer)'), 'ftp://login.acme.example');
    await userEvent.type(screen.getByLabelText('Client-ID beim Anbieter'), 'hostedmail');
    await userEvent.click(screen.getByRole('button', { name: 'Anbieter speichern' }));
    const issuer = screen.getByLabelText('Aussteller-URL (Issuer)');
    expect(await screen.findByText('issuer must be an absolute https URL')).toBeInTheDocument();
    expect(issuer).toHaveAttribute('aria-invalid', 'true');
    expect(issuer).toHaveAccessibleDescription(/issuer must be an absolute https URL/);
    expect(screen.getByLabelText('Client-Geheimnis beim Anbieter')).toHaveAccessibleDescription(/client secret must be 1 to 500 characters/);
    expect(screen.getByLabelText('Client-ID beim Anbieter')).not.toHaveAttribute('aria-invalid');
    expect(screen.getByLabelText('Angezeigter Name')).not.toHaveAttribute('aria-invalid');
    // Errors shown at their fields are not repeated above the form.
    expect(screen.queryByText(/Die Anfrage wurde nicht angenommen/)).toBeNull();
    expect(await seen.find((r) => r.method === 'PUT')!.json()).toEqual({ displayName: 'Acme sign-in', issuer: 'ftp://login.acme.example', clientId: 'hostedmail', clientSecret: '' });
  });

  it('shows a connected provider with its redirect URI, never its secret, and disconnects after asking', async () => {
    const provider = { displayName: 'Acme sign-in', issuer: 'https://login.acme.example/', clientId: 'hostedmail', redirectUri: 'https://mail.example/connect/federation/callback',
      createdAt: '2026-12-01T10:00:00Z', updatedAt: '2026-12-01T10:00:00Z' };
    const seen = answerFetch({
      'GET /api/v1/identity-provider': { status: 200, body: provider },
      'DELETE /api/v1/identity-provider': { status: 204 },
    });
    renderWithApp(<SingleSignOnPage />);
    expect(await screen.findByText('https://mail.example/connect/federation/callback')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy Redirect URI to register at your provider' })).toBeInTheDocument();
    expect(screen.getByLabelText('Issuer URL')).toHaveValue('https://login.acme.example/');
    expect(screen.getByLabelText('Client secret at the provider')).toHaveValue('');
    await userEvent.click(screen.getByRole('button', { name: 'Disconnect provider Acme sign-in' }));
    expect(seen.some((r) => r.method === 'DELETE')).toBe(false);
    await userEvent.click(screen.getByRole('button', { name: 'Yes, disconnect' }));
    expect(await screen.findByText('The provider is disconnected.')).toBeInTheDocument();
    expect(screen.getByText('No provider is connected: people sign in with their passwords.')).toBeInTheDocument();
    expect(screen.getByLabelText('Issuer URL')).toHaveValue('');
    expect(seen.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });
});

describe('the area in the app', () => {
  it('is in the main navigation, loads when opened, and its heading takes focus', async () => {
    const owner = { id: 1, email: 'o@a.example', displayName: null, role: 'owner', status: 'active', emailConfirmed: true, twoFactorEnabled: false, createdAt: '2026-12-01T10:00:00Z' };
    answerFetch({
      'GET /api/v1/auth/session': { status: 200, body: { user: owner, tenantId: 1, tenantName: 'acme', authenticatedBy: 'session', csrfToken: 'c', tenants: [] } },
      'GET /api/v1/tenant': { status: 404 },
      'GET /api/v1/domains': list([]),
      'GET /api/v1/mailboxes': list([]),
      'GET /api/v1/oauth/settings': { status: 200, body: { requireClientApproval: true } },
      'GET /api/v1/oauth/apps': list([]),
      'GET /api/v1/oauth/grants': list([]),
    });
    render(
      <QueryClientProvider client={makeQueryClient()}>
        <MemoryRouter initialEntries={['/']}><AppRoutes /></MemoryRouter>
      </QueryClientProvider>,
    );
    const main = await screen.findByRole('navigation', { name: 'Main navigation' });
    await userEvent.click(within(main).getByRole('link', { name: 'OAuth & sign-in' }));
    const heading = await screen.findByRole('heading', { level: 1, name: 'Registered apps' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(within(main).getByRole('link', { name: 'OAuth & sign-in' })).toHaveAttribute('aria-current', 'page');
    expect(await screen.findByText('No app has asked for approval yet.')).toBeInTheDocument();
    // Within the area: the section links, and focus follows again.
    await userEvent.click(screen.getByRole('navigation', { name: 'OAuth and sign-in sections' }).querySelector('a[href="/oauth/grants"]')!);
    const grants = await screen.findByRole('heading', { level: 1, name: 'Connected apps' });
    await waitFor(() => expect(grants).toHaveFocus());
  });
});
