import { useEffect, useState, type FormEvent } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client';
import type { List, OAuthApp, OAuthSettings } from '../../api/types';
import { Page } from '../../Layout';
import { Problem } from '../../components/Problem';
import { Pager, usePaging } from '../../components/Pager';
import { ConfirmButton } from '../../components/ConfirmButton';
import { formatDate } from '../../format';
import { OAuthNav, ReadProblem, isOAuthOff } from './common';

/** The tenant setting: dynamically registered clients need an admin's approval before mailboxes use them. */
function ApprovalSetting() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const settings = useQuery({ queryKey: ['oauth', 'settings'], queryFn: () => call<OAuthSettings>(api.GET('/api/v1/oauth/settings')) });
  const [required, setRequired] = useState(false);
  useEffect(() => {
    if (settings.data) setRequired(settings.data.requireClientApproval);
  }, [settings.data]);
  const save = useMutation({
    mutationFn: () => call<OAuthSettings>(api.PUT('/api/v1/oauth/settings', { body: { requireClientApproval: required } })),
    onSuccess: (saved) => client.setQueryData(['oauth', 'settings'], saved),
  });
  if (settings.error) return <ReadProblem error={settings.error} />;
  return (
    <section aria-labelledby="oauth-approval">
      <h2 id="oauth-approval">{t('oauth.apps.setting')}</h2>
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); save.mutate(); }} noValidate>
        <Problem error={save.error} />
        <div className="checkbox">
          <input id="require-approval" type="checkbox" checked={required} disabled={!settings.data} aria-describedby="require-approval-hint"
            onChange={(e) => { setRequired(e.target.checked); save.reset(); }} />
          <label htmlFor="require-approval">{t('oauth.apps.require')}</label>
        </div>
        <p id="require-approval-hint" className="hint">{t('oauth.apps.requireHint')}</p>
        <button type="submit" disabled={!settings.data || save.isPending}>{t('oauth.apps.save')}</button>
        {save.isSuccess && <p role="status" className="success">{t('oauth.apps.saved')}</p>}
      </form>
    </section>
  );
}

export function AppsPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const paging = usePaging(25);
  const apps = useQuery({
    queryKey: ['oauth', 'apps', paging.offset],
    queryFn: () => call<List<OAuthApp>>(api.GET('/api/v1/oauth/apps', { params: { query: { offset: paging.offset, limit: paging.limit } } })),
    placeholderData: keepPreviousData,
  });
  const decide = useMutation({
    mutationFn: ({ app, status }: { app: OAuthApp; status: 'approved' | 'denied' }) =>
      call<OAuthApp>(api.PUT('/api/v1/oauth/apps/{clientId}/approval', { params: { path: { clientId: app.clientId } }, body: { status } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['oauth', 'apps'] }),
  });
  const name = (app: OAuthApp) => app.clientName ?? t('oauth.apps.unnamed');
  return (
    <Page title={t('oauth.apps.title')}>
      <OAuthNav />
      <p>{t('oauth.apps.intro')}</p>
      <ApprovalSetting />
      <section aria-labelledby="oauth-apps">
        <h2 id="oauth-apps">{t('oauth.apps.list')}</h2>
        {!isOAuthOff(apps.error) && <Problem error={apps.error ?? decide.error} />}
        {decide.data && (
          <p role="status" className="success">
            {t(decide.data.status === 'approved' ? 'oauth.apps.approved' : 'oauth.apps.refused', { name: name(decide.data) })}
          </p>
        )}
        {apps.data && apps.data.items.length === 0 && <p>{t('oauth.apps.empty')}</p>}
        {apps.data && apps.data.items.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('oauth.apps.app')}</th>
                <th scope="col">{t('oauth.apps.redirects')}</th>
                <th scope="col">{t('oauth.apps.status')}</th>
                <th scope="col">{t('oauth.apps.requested')}</th>
                <th scope="col">{t('oauth.apps.decided')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {apps.data.items.map((app) => (
                <tr key={app.clientId}>
                  <td data-label={t('oauth.apps.app')}>
                    {name(app)} <span className="mono details">{app.clientId}</span>
                    <div className="details">{t('oauth.apps.registered')}: {formatDate(app.registeredAt)}</div>
                  </td>
                  <td data-label={t('oauth.apps.redirects')}>
                    <ul className="plain mono">{app.redirectUris.map((u) => <li key={u}>{u}</li>)}</ul>
                  </td>
                  <td data-label={t('oauth.apps.status')}>
                    <span className={`badge ${app.status === 'approved' ? 'ok' : app.status === 'denied' ? 'wrong' : 'pending'}`}>{t(`oauth.apps.statuses.${app.status}`)}</span>
                  </td>
                  <td data-label={t('oauth.apps.requested')}>{app.requestedBy} {app.requestedAt && <span className="details">{formatDate(app.requestedAt)}</span>}</td>
                  <td data-label={t('oauth.apps.decided')}>{app.decidedBy} {app.decidedAt && <span className="details">{formatDate(app.decidedAt)}</span>}</td>
                  <td className="actions">
                    {app.status !== 'approved' && (
                      <button type="button" className="small" disabled={decide.isPending} onClick={() => decide.mutate({ app, status: 'approved' })}>
                        {t('oauth.apps.approve')} <span className="visually-hidden">{name(app)}</span>
                      </button>
                    )}
                    {app.status !== 'denied' && (
                      <ConfirmButton what={name(app)} question={t('oauth.apps.refuseConfirm', { name: name(app) })} action={t('oauth.apps.refuseAction')}
                        disabled={decide.isPending} onConfirm={() => decide.mutate({ app, status: 'denied' })}>
                        {t('oauth.apps.refuse')}
                      </ConfirmButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {apps.data && <Pager offset={paging.offset} limit={paging.limit} total={apps.data.total} onChange={paging.setOffset} label={t('oauth.apps.title')} />}
      </section>
    </Page>
  );
}
