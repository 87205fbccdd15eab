import { describe, expect, it, beforeEach } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import i18n from '../i18n';
import { answerFetch, renderWithApp } from '../test-utils';
import { MailboxesPage } from './Mailboxes';
import { AliasesPage } from './Aliases';
import { TrackingPage } from './Tracking';
import { DashboardPage } from './Dashboard';

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

const GB = 1024 ** 3;
const mailbox = (id: number) => ({ id, domainId: 1, address: `user${id}@acme.example`, displayName: null, quotaBytes: GB, usedBytes: 0, state: 'active', createdAt: '2026-12-01T10:00:00Z' });
const domains = { status: 200, body: { items: [{ id: 1, name: 'acme.example', displayName: 'acme.example', state: 'verified' }], total: 1 } };

describe('paging', () => {
  it('pages the mailboxes with the keyboard and says where it is', async () => {
    const seen = answerFetch({
      'GET /api/v1/domains': domains,
      'GET /api/v1/mailboxes': (request) => {
        const offset = Number(new URL(request.url).searchParams.get('offset'));
        return { status: 200, body: { items: Array.from({ length: offset === 0 ? 25 : 5 }, (_, i) => mailbox(offset + i + 1)), total: 30 } };
      },
    });
    renderWithApp(<MailboxesPage />);
    const pager = await screen.findByRole('navigation', { name: 'Pages of Mailboxes' });
    expect(within(pager).getByText('1–25 of 30 (page 1 of 2)')).toBeInTheDocument();
    expect(within(pager).getByRole('button', { name: 'Previous page' })).toBeDisabled();
    within(pager).getByRole('button', { name: 'Next page' }).focus();
    await userEvent.keyboard('{Enter}');
    expect(await within(pager).findByText('26–30 of 30 (page 2 of 2)')).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'user30@acme.example' })).toBeInTheDocument();
    expect(within(pager).getByRole('button', { name: 'Next page' })).toBeDisabled();
    const asked = seen.filter((r) => r.url.includes('/api/v1/mailboxes')).map((r) => new URL(r.url).search);
    expect(asked).toEqual(['?offset=0&limit=25', '?offset=25&limit=25']);
  });
});

describe('editing in place', () => {
  it('changes a mailbox and shows a refused field next to it', async () => {
    const seen = answerFetch({
      'GET /api/v1/domains': domains,
      'GET /api/v1/mailboxes': { status: 200, body: { items: [mailbox(1)], total: 1 } },
      'PATCH /api/v1/mailboxes/1': { status: 400, body: { type: 'https://hostedmail.dev/problems/validation', title: 'invalid request', status: 400, errors: { QuotaBytes: ['quota must be positive'] } } },
      'PUT /api/v1/mailboxes/1/password': { status: 204 },
    });
    renderWithApp(<MailboxesPage />);
    await userEvent.click(await screen.findByRole('button', { name: /Edit/ }));
    const editor = screen.getByRole('group', { name: 'Change user1@acme.example' });
    const quota = within(editor).getByLabelText('Quota');
    await userEvent.clear(quota);
    await userEvent.type(quota, '0');
    await userEvent.type(within(editor).getByLabelText('Display name'), 'User One');
    await userEvent.click(within(editor).getByLabelText('May sign in and receive mail'));
    await userEvent.click(within(editor).getByRole('button', { name: 'Save' }));
    expect(await within(editor).findByText('quota must be positive')).toBeInTheDocument();
    expect(quota).toHaveAttribute('aria-invalid', 'true');
    expect(quota).toHaveAccessibleDescription(/quota must be positive/);
    const patch = seen.find((r) => r.method === 'PATCH')!;
    expect(await patch.json()).toEqual({ displayName: 'User One', quotaBytes: 0, enabled: false });

    await userEvent.type(within(editor).getByLabelText('New password'), 'a fresh passphrase');
    await userEvent.click(within(editor).getByRole('button', { name: 'Set new password' }));
    expect(await within(editor).findByRole('status')).toHaveTextContent('The new password is set.');
    expect(await seen.find((r) => r.method === 'PUT')!.json()).toEqual({ password: 'a fresh passphrase' });
  });

  it('changes an alias\'s targets and shows a refused target at the field', async () => {
    const seen = answerFetch({
      'GET /api/v1/domains': domains,
      'GET /api/v1/aliases': { status: 200, body: { items: [{ id: 4, domainId: 1, address: 'sales@acme.example', catchAll: false, targets: ['a@acme.example'], createdAt: '2026-12-01T10:00:00Z' }], total: 1 } },
      'PUT /api/v1/aliases/4/targets': { status: 400, body: { type: 'https://hostedmail.dev/problems/validation', title: 'invalid request', status: 400, errors: { targets: ['nobody@acme.example is not a mailbox or alias'] } } },
    });
    renderWithApp(<AliasesPage />);
    await userEvent.click(await screen.findByRole('button', { name: /Edit/ }));
    const targets = screen.getByLabelText('Targets of sales@acme.example');
    expect(targets).toHaveFocus();
    await userEvent.clear(targets);
    await userEvent.type(targets, 'a@acme.example, nobody@acme.example');
    await userEvent.keyboard('{Enter}');
    expect(await screen.findByText('nobody@acme.example is not a mailbox or alias')).toBeInTheDocument();
    expect(targets).toHaveAttribute('aria-invalid', 'true');
    expect(await seen.find((r) => r.method === 'PUT')!.json()).toEqual({ targets: ['a@acme.example', 'nobody@acme.example'] });
  });
});

describe('message tracking', () => {
  it('searches by Message-ID and shows each recipient, its attempts and the bounce', async () => {
    const seen = answerFetch({
      'GET /api/v1/tracking': {
        status: 200,
        body: {
          total: 1,
          items: [{
            kind: 'outbound', id: 9, at: '2026-12-05T10:00:00Z', sender: 'alice@acme.example', messageId: 'plan-1@acme.example', subject: 'Plans', size: 2048,
            recipients: [{
              address: 'bob@elsewhere.example', state: 'failed', attempts: 2, lastReply: '550 5.1.1 no such user', nextAttemptAt: null, folder: null, notifications: ['failed'],
              log: [
                { attemptedAt: '2026-12-05T10:00:01Z', outcome: 'deferred', remoteHost: 'mx.elsewhere.example', remoteIp: '192.0.2.7', reply: '451 4.7.1 greylisted', tls: 'TLSv1.3 TLS_AES_128_GCM_SHA256', durationMs: 100 },
                { attemptedAt: '2026-12-05T10:10:00Z', outcome: 'failed', remoteHost: 'mx.elsewhere.example', remoteIp: '192.0.2.7', reply: '550 5.1.1 no such user', tls: null, durationMs: 90 },
              ],
            }],
          }],
        },
      },
    });
    renderWithApp(<TrackingPage />);
    await userEvent.selectOptions(screen.getByLabelText('Search by'), 'messageId');
    await userEvent.type(screen.getByLabelText('Search for'), '<plan-1@acme.example>');
    await userEvent.selectOptions(screen.getByLabelText('Period'), '3');
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByText('1 message found.')).toBeInTheDocument();
    const card = screen.getByRole('article', { name: /Plans/ });
    expect(within(card).getByRole('row', { name: /bob@elsewhere.example/ })).toHaveTextContent('failed');
    expect(card).toHaveTextContent('The sender got a failure notice (bounce).');
    await userEvent.click(within(card).getByText('Delivery attempts (2)'));
    expect(within(card).getByText('451 4.7.1 greylisted')).toBeVisible();
    expect(card).toHaveTextContent('mx.elsewhere.example [192.0.2.7]');
    expect(new URL(seen[0].url).searchParams.toString()).toBe('by=messageId&q=%3Cplan-1%40acme.example%3E&days=3&offset=0&limit=20');
  });

  it('shows the API\'s complaint about the search text at the field, in German', async () => {
    await i18n.changeLanguage('de');
    answerFetch({ 'GET /api/v1/tracking': { status: 400, body: { type: 'https://hostedmail.dev/problems/validation', title: 'invalid request', status: 400, errors: { q: ['enter an address, part of one, or a Message-ID'] } } } });
    renderWithApp(<TrackingPage />);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Nachrichtenverfolgung');
    await userEvent.click(screen.getByRole('button', { name: 'Suchen' }));
    const field = screen.getByLabelText('Suchbegriff');
    expect(await screen.findByText('enter an address, part of one, or a Message-ID')).toBeInTheDocument();
    expect(field).toHaveAttribute('aria-invalid', 'true');
  });
});

describe('dashboard', () => {
  it('names the required records of a verified domain that are missing or wrong, not the optional ones', async () => {
    answerFetch({
      'GET /api/v1/tenant': { status: 200, body: { id: 1, name: 'acme', displayName: 'Acme', plan: 'free', state: 'active', createdAt: '', limits: { plan: 'free', maxDomains: 3, maxMailboxes: 3, maxAliases: 3, maxStorageBytes: GB, maxMessagesPerHour: 10 }, usage: { domains: 1, mailboxes: 0, aliases: 0, quotaBytesAllocated: 0, storedBytes: 0 } } },
      'GET /api/v1/domains': { status: 200, body: { items: [{ id: 1, name: 'acme.example', displayName: 'acme.example', state: 'verified', health: null }], total: 1 } },
      'GET /api/v1/mailboxes': { status: 200, body: { items: [], total: 0 } },
      'GET /api/v1/domains/1/records': {
        status: 200,
        body: {
          domainId: 1, domain: 'acme.example', zoneFile: '',
          records: [
            { kind: 'mx', type: 'MX', name: 'acme.example', expected: '', status: 'ok', found: [], required: true, purpose: '', note: null },
            { kind: 'dkim', type: 'TXT', name: 's1._domainkey.acme.example', expected: '', status: 'missing', found: [], required: true, purpose: '', note: null },
            { kind: 'spf', type: 'TXT', name: 'acme.example', expected: '', status: 'wrong', found: [], required: true, purpose: '', note: null },
            { kind: 'dmarc', type: 'TXT', name: '_dmarc.acme.example', expected: '', status: 'wrong', found: [], required: false, purpose: '', note: null },
          ],
        },
      },
    });
    renderWithApp(<DashboardPage />);
    expect(await screen.findByText(/Records of acme.example are missing or wrong/)).toHaveTextContent('TXT s1._domainkey.acme.example, TXT acme.example.');
    expect(screen.queryByText(/_dmarc/)).toBeNull();
    expect(screen.queryByText('Nothing needs your attention.')).toBeNull();
  });
});
