import { describe, expect, it, beforeEach } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import i18n from '../i18n';
import { answerFetch, renderWithApp } from '../test-utils';
import { AuditPage, auditQuery } from './Audit';

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

const entry = (id: number, action = 'mailbox.create', target = `user${id}@acme.example`) =>
  ({ id, occurredAt: '2026-12-01T10:00:00Z', actor: 'user:owner@acme.example', remoteAddress: '192.0.2.7', action, target, details: null });
const actions = { status: 200, body: { items: ['alias.create', 'domain.add', 'domain.verify', 'mailbox.create'], total: 4 } };
const queryOf = (request: Request) => Object.fromEntries(new URL(request.url).searchParams);
const auditRequests = (seen: Request[]) => seen.filter((r) => new URL(r.url).pathname === '/api/v1/audit').map(queryOf);

describe('audit log', () => {
  it('pages older and newer with the cursor and says where it is', async () => {
    const seen = answerFetch({
      'GET /api/v1/audit/actions': actions,
      // 120 entries, ids 120 down to 1: the first page ends at 71, the second at 21.
      'GET /api/v1/audit': (request) => {
        const before = Number(queryOf(request).before ?? 121);
        const older = before - 1;
        const items = Array.from({ length: Math.min(50, older) }, (_, i) => entry(before - 1 - i));
        return { status: 200, body: { items, total: older, nextBefore: older > 50 ? items[49].id : null } };
      },
    });
    renderWithApp(<AuditPage />);
    const pager = await screen.findByRole('navigation', { name: 'Pages of Audit log' });
    expect(within(pager).getByText('1–50 of 120 (page 1 of 3)')).toBeInTheDocument();
    expect(within(pager).getByRole('button', { name: 'Newer entries' })).toBeDisabled();
    await userEvent.click(within(pager).getByRole('button', { name: 'Older entries' }));
    expect(await within(pager).findByText('51–100 of 120 (page 2 of 3)')).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: 'user70@acme.example' })).toBeInTheDocument();
    await userEvent.click(within(pager).getByRole('button', { name: 'Older entries' }));
    expect(await within(pager).findByText('101–120 of 120 (page 3 of 3)')).toBeInTheDocument();
    expect(within(pager).getByRole('button', { name: 'Older entries' })).toBeDisabled();
    await userEvent.click(within(pager).getByRole('button', { name: 'Newer entries' }));
    expect(await within(pager).findByText('51–100 of 120 (page 2 of 3)')).toBeInTheDocument();
    const cursors = auditRequests(seen).map((q) => q.before);
    expect(cursors.slice(0, 3)).toEqual([undefined, '71', '21']);
    expect(cursors.at(-1)).toBe('71');
  });

  it('asks the server for the filters, from the first page, and pages within them', async () => {
    const seen = answerFetch({
      'GET /api/v1/audit/actions': actions,
      'GET /api/v1/audit': (request) => {
        const q = queryOf(request);
        if (!q.action) {
          return { status: 200, body: { items: [entry(300, 'alias.create', 'sales@acme.example'), entry(299)], total: 300, nextBefore: 299 } };
        }
        // The filtered log: 60 domain entries, pages of 50.
        const first = q.before === undefined;
        const items = first ? Array.from({ length: 50 }, (_, i) => entry(200 - i, 'domain.verify', 'acme.example')) : Array.from({ length: 10 }, (_, i) => entry(100 - i, 'domain.add', 'acme.example'));
        return { status: 200, body: { items, total: first ? 60 : 10, nextBefore: first ? 151 : null } };
      },
    });
    renderWithApp(<AuditPage />);
    expect(await screen.findByRole('cell', { name: 'sales@acme.example' })).toBeInTheDocument();
    // Go to an older page first: applying filters starts again at the newest.
    await userEvent.click(screen.getByRole('button', { name: 'Older entries' }));

    const form = screen.getByRole('search', { name: 'Filter the audit log' });
    const action = within(form).getByLabelText('Action');
    await within(action).findByRole('option', { name: 'every domain.… action' });
    expect(within(action).getByRole('group', { name: 'domain' })).toBeInTheDocument();
    await userEvent.selectOptions(action, 'domain');
    await userEvent.type(within(form).getByLabelText('Who'), 'owner@');
    await userEvent.type(within(form).getByLabelText('Target'), ' acme ');
    await userEvent.type(within(form).getByLabelText('From (day)'), '2026-03-01');
    await userEvent.type(within(form).getByLabelText('To (day, included)'), '2026-03-31');
    await userEvent.click(within(form).getByRole('button', { name: 'Apply filters' }));

    expect(await screen.findByRole('status')).toHaveTextContent('60 entries match.');
    expect(screen.queryByRole('cell', { name: 'sales@acme.example' })).toBeNull();
    const pager = screen.getByRole('navigation', { name: 'Pages of Audit log' });
    expect(within(pager).getByText('1–50 of 60 (page 1 of 2)')).toBeInTheDocument();
    const filtered = auditRequests(seen).at(-1)!;
    // The days are the reader's: from the start of the first to the start of the day after the last.
    expect(filtered).toEqual({
      limit: '50', action: 'domain', actor: 'owner@', target: 'acme',
      since: new Date(2026, 2, 1).toISOString(), until: new Date(2026, 3, 1).toISOString(),
    });

    await userEvent.click(within(pager).getByRole('button', { name: 'Older entries' }));
    expect(await within(pager).findByText('51–60 of 60 (page 2 of 2)')).toBeInTheDocument();
    expect(auditRequests(seen).at(-1)).toMatchObject({ action: 'domain', before: '151', since: filtered.since });

    await userEvent.click(within(form).getByRole('button', { name: 'Clear filters' }));
    expect(await screen.findByRole('cell', { name: 'sales@acme.example' })).toBeInTheDocument();
    expect(auditRequests(seen).at(-1)).toEqual({ limit: '50' });
    expect(within(form).getByLabelText('Who')).toHaveValue('');
  });

  it('shows a filter the server refused next to its field', async () => {
    answerFetch({
      'GET /api/v1/audit/actions': actions,
      'GET /api/v1/audit': (request) => queryOf(request).until
        ? { status: 400, body: { type: 'https://hostedmail.dev/problems/validation', title: 'invalid request', status: 400, errors: { until: ['until must be later than since'] } } }
        : { status: 200, body: { items: [entry(1)], total: 1, nextBefore: null } },
    });
    renderWithApp(<AuditPage />);
    await screen.findByRole('cell', { name: 'user1@acme.example' });
    const to = screen.getByLabelText('To (day, included)');
    await userEvent.type(screen.getByLabelText('From (day)'), '2026-03-05');
    await userEvent.type(to, '2026-03-01');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(await screen.findByText('until must be later than since')).toBeInTheDocument();
    expect(to).toHaveAttribute('aria-invalid', 'true');
    expect(to).toHaveAccessibleDescription(/until must be later than since/);
  });

  it('speaks German', async () => {
    await i18n.changeLanguage('de');
    answerFetch({ 'GET /api/v1/audit/actions': actions, 'GET /api/v1/audit': { status: 200, body: { items: [], total: 0, nextBefore: null } } });
    renderWithApp(<AuditPage />);
    expect(await screen.findByRole('search', { name: 'Protokoll filtern' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Filter anwenden' })).toBeInTheDocument();
  });

  it('leaves out the filters that are empty', () => {
    expect(auditQuery({ action: '', actor: '  ', target: '', from: '', to: '' })).toEqual({ action: undefined, actor: undefined, target: undefined, since: undefined, until: undefined });
  });
});
