import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client';
import type { List, OAuthGrant } from '../../api/types';
import { Page } from '../../Layout';
import { Problem } from '../../components/Problem';
import { Pager, usePaging } from '../../components/Pager';
import { ConfirmButton } from '../../components/ConfirmButton';
import { formatDate } from '../../format';
import { useMailboxes } from '../../queries';
import { OAuthNav, ReadProblem } from './common';

/** Every OAuth grant of the tenant's mailboxes, newest first; revoking one ends its tokens at once. */
export function GrantsPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const paging = usePaging(25);
  const mailboxes = useMailboxes();
  const [mailboxId, setMailboxId] = useState<number | null>(null);
  const grants = useQuery({
    queryKey: ['oauth', 'grants', mailboxId, paging.offset],
    queryFn: () => call<List<OAuthGrant>>(api.GET('/api/v1/oauth/grants', {
      params: { query: { offset: paging.offset, limit: paging.limit, ...(mailboxId === null ? {} : { mailboxId }) } },
    })),
    placeholderData: keepPreviousData,
  });
  const revoke = useMutation({
    mutationFn: (grant: OAuthGrant) => call(api.DELETE('/api/v1/oauth/grants/{id}', { params: { path: { id: grant.id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['oauth', 'grants'] }),
  });
  const app = (g: OAuthGrant) => g.clientName || g.clientId;
  return (
    <Page title={t('oauth.grants.title')}>
      <OAuthNav />
      <p>{t('oauth.grants.intro')}</p>
      {mailboxes.data && mailboxes.data.items.length > 1 && (
        <div className="field">
          <label htmlFor="grants-mailbox">{t('oauth.grants.filter')}</label>
          <select id="grants-mailbox" value={mailboxId ?? ''} onChange={(e) => { setMailboxId(e.target.value ? Number(e.target.value) : null); paging.setOffset(0); }}>
            <option value="">{t('oauth.grants.allMailboxes')}</option>
            {mailboxes.data.items.map((m) => <option key={m.id} value={m.id}>{m.address}</option>)}
          </select>
        </div>
      )}
      <ReadProblem error={grants.error} />
      <Problem error={revoke.error} />
      {revoke.isSuccess && <p role="status" className="success">{t('oauth.grants.revoked', { app: app(revoke.variables), mailbox: revoke.variables.address })}</p>}
      {grants.data && grants.data.items.length === 0 && <p>{t('oauth.grants.empty')}</p>}
      {grants.data && grants.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('oauth.grants.mailbox')}</th>
              <th scope="col">{t('oauth.grants.app')}</th>
              <th scope="col">{t('oauth.grants.scopes')}</th>
              <th scope="col">{t('oauth.grants.granted')}</th>
              <th scope="col">{t('common.lastUsed')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {grants.data.items.map((g) => (
              <tr key={g.id}>
                <td data-label={t('oauth.grants.mailbox')}>{g.address}</td>
                <td data-label={t('oauth.grants.app')}>{app(g)} <span className="mono details">{g.clientId}</span></td>
                <td data-label={t('oauth.grants.scopes')}><span className="mono">{g.scopes.join(' ')}</span></td>
                <td data-label={t('oauth.grants.granted')}>{formatDate(g.createdAt)}</td>
                <td data-label={t('common.lastUsed')}>{g.lastUsedAt ? formatDate(g.lastUsedAt) : t('common.never')}</td>
                <td className="actions">
                  <ConfirmButton what={`${app(g)} ${g.address}`} question={t('oauth.grants.revokeConfirm', { app: app(g), mailbox: g.address })}
                    action={t('oauth.grants.revokeAction')} disabled={revoke.isPending} onConfirm={() => revoke.mutate(g)}>
                    {t('oauth.grants.revoke')}
                  </ConfirmButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {grants.data && <Pager offset={paging.offset} limit={paging.limit} total={grants.data.total} onChange={paging.setOffset} label={t('oauth.grants.title')} />}
    </Page>
  );
}
