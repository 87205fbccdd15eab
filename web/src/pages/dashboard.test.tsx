import { describe, expect, it, beforeEach } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import i18n from '../i18n';
import { answerFetch, renderWithApp, type Answer } from '../test-utils';
import { DashboardPage } from './Dashboard';
import { MailboxesPage } from './Mailboxes';

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

const GB = 1024 ** 3;
const tenant = {
  status: 200,
  body: {
    id: 1, name: 'acme', displayName: 'Acme', plan: 'free', state: 'active', createdAt: '',
    limits: { plan: 'free', maxDomains: 3, maxMailboxes: 30, maxAliases: 3, maxStorageBytes: 100 * GB, maxMessagesPerHour: 10 },
    usage: { domains: 2, mailboxes: 2, aliases: 0, quotaBytesAllocated: 2 * GB, storedBytes: 0 },
  },
};
const health = (mxStatus: string | null, mxProblemSince: string | null) => ({ lastCheckedAt: '2026-12-05T08:00:00Z', nextCheckAt: '2026-12-05T09:00:00Z', mxStatus, mxProblemSince, failedChecks: mxProblemSince ? 3 : 0 });
const domain = (id: number, name: string, state: 'pending' | 'verified', h: ReturnType<typeof health> | null = null) =>
  ({ id, name, displayName: name, state, verifiedAt: null, verifiedBy: null, verificationRecord: { type: 'TXT', name: `_hostedmail.${name}`, value: 'x' }, createdAt: '', health: h });
const mailbox = (id: number, address: string, usedBytes: number, quotaBytes = GB) =>
  ({ id, domainId: 2, address, displayName: null, quotaBytes, usedBytes, state: 'active', createdAt: '2026-12-01T10:00:00Z' });
const records = (name: string, mx: string) => ({
  status: 200,
  body: {
    domainId: 2, domain: name, zoneFile: '',
    records: [
      { kind: 'mx', type: 'MX', name, expected: '', status: mx, found: [], required: true, purpose: '', note: null },
      { kind: 'spf', type: 'TXT', name, expected: '', status: 'ok', found: [], required: true, purpose: '', note: null },
    ],
  },
});

/** The attention list's items, each with the address of its link. */
async function attentionItems() {
  const section = await screen.findByRole('region', { name: 'Needs your attention' });
  await within(section).findAllByRole('listitem');
  return within(section).getAllByRole('listitem').map((li) => ({ text: li.textContent ?? '', href: within(li).getByRole('link', { name: 'Open' }).getAttribute('href') }));
}

describe('dashboard attention', () => {
  it('lists an unverified domain, a lost MX and a nearly full mailbox, each linking where to fix it', async () => {
    answerFetch({
      'GET /api/v1/tenant': tenant,
      'GET /api/v1/domains': { status: 200, body: { items: [domain(1, 'new.example', 'pending'), domain(2, 'acme.example', 'verified', health('missing', '2026-12-04T10:00:00Z'))], total: 2 } },
      'GET /api/v1/domains/2/records': records('acme.example', 'missing'),
      'GET /api/v1/mailboxes': { status: 200, body: { items: [mailbox(7, 'full@acme.example', 0.95 * GB), mailbox(8, 'half@acme.example', 0.5 * GB)], total: 2 } },
    });
    renderWithApp(<DashboardPage />);
    const items = await attentionItems();
    expect(items).toHaveLength(3);
    expect(items[0]).toEqual({ text: expect.stringContaining('new.example is not verified yet: publish its TXT record.'), href: '/domains/1' });
    expect(items[1]).toEqual({ text: expect.stringMatching(/^The MX record of acme\.example does not point to us \(since .+\): mail goes elsewhere\./), href: '/domains/2' });
    // The mailbox's own editor, wherever it is in the paged list.
    expect(items[2]).toEqual({ text: expect.stringContaining('The mailbox full@acme.example is 95 % full.'), href: '/mailboxes?edit=7' });
    // The lost MX is named once (not again as a wrong record); a half-full mailbox needs nothing.
    expect(screen.queryByText(/Records of acme.example/)).toBeNull();
    expect(screen.queryByText(/half@acme.example/)).toBeNull();
  });

  it('names an MX that the background check found wrong but not yet lost for long', async () => {
    answerFetch({
      'GET /api/v1/tenant': tenant,
      'GET /api/v1/domains': { status: 200, body: { items: [domain(2, 'acme.example', 'verified', health('wrong', null))], total: 1 } },
      'GET /api/v1/domains/2/records': records('acme.example', 'wrong'),
      'GET /api/v1/mailboxes': { status: 200, body: { items: [], total: 0 } },
    });
    renderWithApp(<DashboardPage />);
    expect(await attentionItems()).toEqual([{ text: expect.stringContaining('The MX record of acme.example is wrong value.'), href: '/domains/2' }]);
  });

  it('says nothing needs attention when all is well', async () => {
    answerFetch({
      'GET /api/v1/tenant': tenant,
      'GET /api/v1/domains': { status: 200, body: { items: [domain(2, 'acme.example', 'verified', health('ok', null))], total: 1 } },
      'GET /api/v1/domains/2/records': records('acme.example', 'ok'),
      'GET /api/v1/mailboxes': { status: 200, body: { items: [mailbox(8, 'half@acme.example', 0.89 * GB)], total: 1 } },
    });
    renderWithApp(<DashboardPage />);
    expect(await screen.findByText('Nothing needs your attention.')).toBeInTheDocument();
    expect(screen.queryByRole('listitem')).toBeNull();
  });

  it('opens the nearly full mailbox\'s editor from its link, even when it is not on the first page', async () => {
    const full = mailbox(40, 'full@acme.example', 0.97 * GB);
    const pageOne = Array.from({ length: 25 }, (_, i) => mailbox(i + 1, `user${i + 1}@acme.example`, 0));
    const seen = answerFetch({
      'GET /api/v1/tenant': tenant,
      'GET /api/v1/domains': { status: 200, body: { items: [domain(2, 'acme.example', 'verified', health('ok', null))], total: 1 } },
      'GET /api/v1/domains/2/records': records('acme.example', 'ok'),
      // The dashboard asks for all (limit 1000); the mailboxes page for its page of 25.
      'GET /api/v1/mailboxes': (request): Answer => new URL(request.url).searchParams.get('limit') === '1000'
        ? { status: 200, body: { items: [...pageOne, full], total: 26 } }
        : { status: 200, body: { items: pageOne, total: 26 } },
      'GET /api/v1/mailboxes/40': { status: 200, body: full },
      'PATCH /api/v1/mailboxes/40': { status: 200, body: { ...full, quotaBytes: 2 * GB } },
    });
    renderWithApp(
      <Routes>
        <Route path="/" element={<DashboardPage />} />
        <Route path="/mailboxes" element={<MailboxesPage />} />
      </Routes>,
    );
    const item = (await screen.findByText(/The mailbox full@acme.example is 97 % full/)).closest('li')!;
    await userEvent.click(within(item).getByRole('link', { name: 'Open' }));
    const editor = await screen.findByRole('group', { name: 'Change full@acme.example' });
    const quota = within(editor).getByLabelText('Quota');
    expect(quota).toHaveValue('1');
    await userEvent.clear(quota);
    await userEvent.type(quota, '2');
    await userEvent.click(within(editor).getByRole('button', { name: 'Save' }));
    const patch = seen.find((r) => r.method === 'PATCH')!;
    expect(new URL(patch.url).pathname).toBe('/api/v1/mailboxes/40');
    expect(await patch.json()).toMatchObject({ quotaBytes: 2 * GB });
    // Saved: the editor closes.
    await expect.poll(() => screen.queryByRole('group', { name: 'Change full@acme.example' })).toBeNull();
  });
});
