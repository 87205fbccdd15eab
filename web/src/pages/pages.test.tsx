import { describe, expect, it, beforeEach, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import i18n from '../i18n';
import { answerFetch, renderWithApp } from '../test-utils';
import { LoginPage, browser } from './Login';
import { SignUpPage } from './SignUp';
import { parseAutoconfig } from './Setup';
import { tokenFromHash } from './ConfirmEmail';
import { RecordsPage } from './Records';

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

describe('sign-up', () => {
  it('shows the API\'s field errors next to their fields', async () => {
    answerFetch({
      'POST /api/v1/auth/signup': {
        status: 400,
        body: { type: 'https://hostedmail.dev/problems/validation', title: 'invalid request', status: 400, errors: { password: ['password is too short: at least 10 characters are required'] } },
      },
    });
    renderWithApp(<SignUpPage />);
    await userEvent.type(screen.getByLabelText('Organisation name'), 'Acme Ltd');
    await userEvent.type(screen.getByLabelText('Short name'), 'acme');
    await userEvent.type(screen.getByLabelText('Your email address'), 'owner@acme.example');
    await userEvent.type(screen.getByLabelText('Password'), 'short');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    const password = screen.getByLabelText('Password');
    expect(await screen.findByText('password is too short: at least 10 characters are required')).toBeInTheDocument();
    expect(password).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Short name')).not.toHaveAttribute('aria-invalid');
  });

  it('checks the short name as it is typed and sends it with the display name', async () => {
    const seen = answerFetch({ 'POST /api/v1/auth/signup': { status: 201, body: { tenantId: 3, tenantName: 'acme-2', next: '' } } });
    renderWithApp(<SignUpPage />);
    const unmet = () => Array.from(screen.getByLabelText('Short name').closest('.field')!.querySelectorAll('.rule.unmet')).map((li) => li.textContent ?? '');
    const slug = screen.getByLabelText('Short name');
    expect(slug).toHaveAccessibleDescription(/2 to 40 characters/);
    await userEvent.type(slug, '2');
    expect(unmet()).toEqual([expect.stringContaining('2 to 40 characters'), expect.stringContaining('a letter first')]);
    await userEvent.clear(slug);
    await userEvent.type(slug, 'Acme_');
    expect(unmet()).toEqual([expect.stringContaining('only letters, digits and hyphens')]);
    await userEvent.type(slug, '{Backspace}-');
    expect(unmet()).toEqual([expect.stringContaining('no hyphen at the end')]);
    await userEvent.type(slug, '2');
    expect(unmet()).toEqual([]);
    expect(screen.getByText('It is kept in lower case: acme-2')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Organisation name'), 'Acme Ltd');
    await userEvent.type(screen.getByLabelText('Your email address'), 'owner@acme.example');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse battery');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('heading', { name: 'Check your mail' })).toBeInTheDocument();
    expect(await seen[0].json()).toMatchObject({ tenantName: 'Acme-2', tenantDisplayName: 'Acme Ltd', email: 'owner@acme.example' });
  });

  it('shows a taken short name (409) in the reader\'s language frame', async () => {
    await i18n.changeLanguage('de');
    answerFetch({ 'POST /api/v1/auth/signup': { status: 409, body: { type: 'https://hostedmail.dev/problems/conflict', title: 'conflict', status: 409, detail: 'tenant name acme is taken' } } });
    renderWithApp(<SignUpPage />);
    await userEvent.type(screen.getByLabelText('Kurzname'), 'acme');
    await userEvent.click(screen.getByRole('button', { name: 'Konto anlegen' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('tenant name acme is taken');
    expect(screen.getByText('2 bis 40 Zeichen')).toBeInTheDocument();
  });

  it('speaks German when asked', async () => {
    await i18n.changeLanguage('de');
    renderWithApp(<SignUpPage />);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('HostedMail-Konto anlegen');
    expect(screen.getByRole('button', { name: 'Konto anlegen' })).toBeInTheDocument();
  });
});

describe('sign-in', () => {
  it('asks for the authenticator code when the API says two-factor is required, and sends it', async () => {
    const seen = answerFetch({
      'POST /api/v1/auth/login': (request) =>
        request.headers.get('content-type')?.includes('json') && seen.length > 1
          ? { status: 200, body: { user: { email: 'o@a.example' }, tenantId: 1, tenantName: 'acme', authenticatedBy: 'session', csrfToken: 'c', tenants: [] } }
          : { status: 401, body: { type: 'https://hostedmail.dev/problems/two-factor-required', title: 'second factor required', status: 401 } },
    });
    renderWithApp(
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/" element={<p>dashboard</p>} />
      </Routes>,
      '/login',
    );
    await userEvent.type(screen.getByLabelText('Email address'), 'o@a.example');
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse battery');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const code = await screen.findByLabelText('Code from your authenticator app');
    await userEvent.type(code, '123 456');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('dashboard')).toBeInTheDocument();
    expect(await seen[1].json()).toMatchObject({ email: 'o@a.example', totpCode: '123456', recoveryCode: null });
  });

  it('says why a sign-in failed, in the reader\'s language', async () => {
    await i18n.changeLanguage('de');
    answerFetch({ 'POST /api/v1/auth/login': { status: 401, body: { type: 'https://hostedmail.dev/problems/invalid-credentials', title: 'sign-in failed', status: 401 } } });
    renderWithApp(<LoginPage />, '/login');
    await userEvent.type(screen.getByLabelText('E-Mail-Adresse'), 'o@a.example');
    await userEvent.type(screen.getByLabelText('Passwort'), 'wrong');
    await userEvent.click(screen.getByRole('button', { name: 'Anmelden' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('E-Mail-Adresse oder Passwort stimmen nicht');
  });
});

describe('single sign-on on the sign-in page', () => {
  const unavailable = {
    status: 400,
    body: { type: 'https://hostedmail.dev/problems/sso-unavailable', title: 'single sign-on unavailable', status: 400, errors: { email: ["no single sign-on is set up for this address's domain"] } },
  };

  it('offers single sign-on and shows a domain without a provider next to the address, in English and German', async () => {
    const seen = answerFetch({ 'POST /api/v1/auth/sso': unavailable });
    const { unmount } = renderWithApp(<LoginPage />, '/login');
    expect(screen.getByRole('button', { name: 'Use single sign-on' })).toHaveAccessibleDescription(/type your address above/);
    await userEvent.type(screen.getByLabelText('Email address'), 'carol@nowhere.example');
    await userEvent.click(screen.getByRole('button', { name: 'Use single sign-on' }));
    expect(await screen.findByText("No single sign-on is set up for this address's domain. Sign in with your password.")).toBeInTheDocument();
    expect(screen.getByLabelText('Email address')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Password')).not.toHaveAttribute('aria-invalid');
    // No password is sent: the address alone picks the provider.
    expect(await seen[0].json()).toEqual({ email: 'carol@nowhere.example', returnTo: null });
    unmount();

    await i18n.changeLanguage('de');
    answerFetch({ 'POST /api/v1/auth/sso': unavailable });
    renderWithApp(<LoginPage />, '/login');
    await userEvent.type(screen.getByLabelText('E-Mail-Adresse'), 'carol@nowhere.example');
    await userEvent.click(screen.getByRole('button', { name: 'Single Sign-on verwenden' }));
    expect(await screen.findByText(/kein Single Sign-on eingerichtet/)).toBeInTheDocument();
    expect(screen.getByLabelText('E-Mail-Adresse')).toHaveAttribute('aria-invalid', 'true');
  });

  it('sends the browser where the API says, with the page the reader came from', async () => {
    const go = vi.spyOn(browser, 'go').mockImplementation(() => {});
    const seen = answerFetch({ 'POST /api/v1/auth/sso': { status: 200, body: { location: 'http://127.0.0.1:8080/connect/federation/start?request=abc' } } });
    renderWithApp(
      <Routes>
        <Route path="/login" element={<LoginPage />} />
      </Routes>,
      '/login',
    );
    await userEvent.type(screen.getByLabelText('Email address'), ' o@a.example ');
    await userEvent.click(screen.getByRole('button', { name: 'Use single sign-on' }));
    await vi.waitFor(() => expect(go).toHaveBeenCalledWith('http://127.0.0.1:8080/connect/federation/start?request=abc'));
    expect(await seen[0].json()).toEqual({ email: 'o@a.example', returnTo: null });
    go.mockRestore();
  });

  it('explains why a single sign-on came back refused', async () => {
    renderWithApp(<LoginPage />, '/login?sso=used');
    expect(screen.getByRole('alert')).toHaveTextContent('That single sign-on link was already used. Start it again.');
  });
});

describe('records page', () => {
  it('shows every record with its status, what it is for, and what was found', async () => {
    answerFetch({
      'GET /api/v1/domains/7': { status: 200, body: { id: 7, name: 'acme.example', displayName: 'acme.example', state: 'verified', verifiedAt: '2026-12-01T10:00:00Z', verificationRecord: { type: 'TXT', name: '_hostedmail.acme.example', value: 'v' }, createdAt: '2026-12-01T10:00:00Z', health: null } },
      'GET /api/v1/domains/7/records': {
        status: 200,
        body: {
          domainId: 7, domain: 'acme.example', zoneFile: '',
          records: [
            { kind: 'mx', type: 'MX', name: 'acme.example', expected: '10 mail.hostedmail.test.', status: 'ok', found: ['10 mail.hostedmail.test.'], required: true, purpose: '', note: null },
            { kind: 'spf', type: 'TXT', name: 'acme.example', expected: 'v=spf1 include:_spf.hostedmail.test ~all', status: 'wrong', found: ['v=spf1 -all'], required: true, purpose: '', note: null },
            { kind: 'dmarc', type: 'TXT', name: '_dmarc.acme.example', expected: 'v=DMARC1; p=none', status: 'wrong', found: ['v=DMARC1; p=maybe'], required: false, purpose: '', note: 'p must be none, quarantine or reject' },
          ],
        },
      },
    });
    renderWithApp(<Routes><Route path="/domains/:id" element={<RecordsPage />} /></Routes>, '/domains/7');
    const rows = await screen.findAllByRole('row');
    expect(rows).toHaveLength(4);
    expect(rows[1]).toHaveTextContent('Tells other mail servers to deliver mail for the domain to us.');
    expect(rows[1]).toHaveTextContent('found');
    expect(rows[2]).toHaveTextContent('wrong value');
    expect(rows[2]).toHaveTextContent('Found: v=spf1 -all');
    expect(rows[2].querySelector('.note')).toBeNull();
    expect(rows[3]).toHaveTextContent('Why: p must be none, quarantine or reject');
    expect(screen.getByRole('button', { name: 'Copy MX Value acme.example' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Download zone file' })).toHaveAttribute('href', '/api/v1/domains/7/zone');
  });
});

describe('helpers', () => {
  it('reads the token from the mailed link\'s fragment', () => {
    expect(tokenFromHash('#token=abc234')).toBe('abc234');
    expect(tokenFromHash('')).toBeNull();
  });

  it('reads the servers from the autoconfig answer', () => {
    const xml = `<?xml version="1.0"?><clientConfig version="1.1"><emailProvider id="a.example">
      <incomingServer type="imap"><hostname>mail.x.test</hostname><port>993</port><socketType>SSL</socketType></incomingServer>
      <outgoingServer type="smtp"><hostname>mail.x.test</hostname><port>587</port><socketType>STARTTLS</socketType></outgoingServer>
      </emailProvider></clientConfig>`;
    expect(parseAutoconfig(xml)).toEqual([
      { direction: 'incoming', type: 'imap', hostname: 'mail.x.test', port: '993', socketType: 'TLS' },
      { direction: 'outgoing', type: 'smtp', hostname: 'mail.x.test', port: '587', socketType: 'STARTTLS' },
    ]);
  });
});
