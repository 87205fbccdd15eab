import { describe, expect, it, beforeEach } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import i18n from '../i18n';
import { answerFetch, renderWithApp } from '../test-utils';
import { SecurityPage } from './Security';

beforeEach(async () => {
  await i18n.changeLanguage('en');
});

const user = { id: 1, email: 'owner@acme.example', displayName: null, role: 'owner', status: 'active', emailConfirmed: true, twoFactorEnabled: false, createdAt: '' };
const session = (id: number, userAgent: string, remoteAddress: string, current: boolean) =>
  ({ id, createdAt: '2026-12-05T08:00:00Z', lastSeenAt: '2026-12-05T09:00:00Z', expiresAt: '2026-12-19T08:00:00Z', remoteAddress, userAgent, current });
const here = session(4, 'Chromium on Linux', '192.0.2.4', true);
const laptop = session(5, 'Firefox on Windows', '198.51.100.5', false);

describe('signed-in sessions', () => {
  it('ends another session of the signed-in person and lists what is left', async () => {
    let ended = false;
    const seen = answerFetch({
      'GET /api/v1/account': { status: 200, body: { user, recoveryCodesLeft: 0 } },
      'GET /api/v1/account/sessions': () => ({ status: 200, body: ended ? { items: [here], total: 1 } : { items: [here, laptop], total: 2 } }),
      'DELETE /api/v1/account/sessions/5': () => {
        ended = true;
        return { status: 204 };
      },
    });
    renderWithApp(<SecurityPage />);
    const list = await screen.findByRole('region', { name: 'Signed-in sessions' });
    const thisOne = await within(list).findByRole('row', { name: /Chromium on Linux/ });
    // This session is marked and cannot be ended here (signing out does that).
    expect(thisOne).toHaveTextContent('this session');
    expect(within(thisOne).queryByRole('button')).toBeNull();
    // The button says which session it ends.
    await userEvent.click(within(list).getByRole('button', { name: 'Sign out Firefox on Windows 198.51.100.5' }));
    await expect.poll(() => within(list).queryByRole('row', { name: /Firefox on Windows/ })).toBeNull();
    expect(within(list).getByRole('row', { name: /Chromium on Linux/ })).toBeInTheDocument();
    const deletes = seen.filter((r) => r.method === 'DELETE').map((r) => new URL(r.url).pathname);
    expect(deletes).toEqual(['/api/v1/account/sessions/5']);
  });

  it('says so when the session was already ended elsewhere', async () => {
    answerFetch({
      'GET /api/v1/account': { status: 200, body: { user, recoveryCodesLeft: 0 } },
      'GET /api/v1/account/sessions': { status: 200, body: { items: [here, laptop], total: 2 } },
      'DELETE /api/v1/account/sessions/5': { status: 404, body: { type: 'https://hostedmail.dev/problems/not-found', title: 'not found', status: 404, detail: 'session 5 not found' } },
    });
    renderWithApp(<SecurityPage />);
    const list = await screen.findByRole('region', { name: 'Signed-in sessions' });
    await userEvent.click(await within(list).findByRole('button', { name: /Sign out Firefox/ }));
    expect(await within(list).findByRole('alert')).toHaveTextContent('session 5 not found');
  });
});
