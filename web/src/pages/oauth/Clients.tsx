import { useEffect, useRef, useState, type FormEvent } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client';
import type { CreatedOAuthClient, List, OAuthClient } from '../../api/types';
import { Page } from '../../Layout';
import { Field } from '../../components/Field';
import { CopyButton } from '../../components/CopyButton';
import { Problem, fieldError } from '../../components/Problem';
import { Pager, usePaging } from '../../components/Pager';
import { ConfirmButton } from '../../components/ConfirmButton';
import { formatDate } from '../../format';
import { OAuthNav, ReadProblem } from './common';

const roles = ['admin', 'billing', 'read_only'] as const;

/** The secret of a client just created: shown this once, with copy buttons; gone when dismissed or when the page is left. */
function NewSecret({ created, onDone }: { created: CreatedOAuthClient; onDone: () => void }) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [created]);
  return (
    <div className="secret" role="region" aria-labelledby="new-client-secret">
      <h2 id="new-client-secret" ref={heading} tabIndex={-1}>{t('oauth.clients.secretTitle', { name: created.client.name })}</h2>
      <p>{t('oauth.clients.once')}</p>
      <dl className="record-box oauth-facts">
        <dt>{t('oauth.clients.clientId')}</dt>
        <dd><span className="mono">{created.client.clientId}</span> <CopyButton value={created.client.clientId} what={t('oauth.clients.clientId')} /></dd>
        <dt>{t('oauth.clients.secret')}</dt>
        <dd><span className="mono big" data-testid="client-secret">{created.clientSecret}</span> <CopyButton value={created.clientSecret} what={t('oauth.clients.secret')} /></dd>
        <dt>{t('oauth.clients.tokenEndpoint')}</dt>
        <dd className="mono">{created.tokenEndpoint}</dd>
        <dt>{t('oauth.clients.scope')}</dt>
        <dd className="mono">{created.scope}</dd>
      </dl>
      <button type="button" className="secondary" onClick={onDone}>{t('oauth.clients.done')}</button>
    </div>
  );
}

export function ClientsPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const paging = usePaging(25);
  const clients = useQuery({
    queryKey: ['oauth', 'clients', paging.offset],
    queryFn: () => call<List<OAuthClient>>(api.GET('/api/v1/oauth/clients', { params: { query: { offset: paging.offset, limit: paging.limit } } })),
    placeholderData: keepPreviousData,
  });
  const [form, setForm] = useState<{ name: string; role: string }>({ name: '', role: 'read_only' });
  const create = useMutation({
    mutationFn: () => call<CreatedOAuthClient>(api.POST('/api/v1/oauth/clients', { body: { name: form.name, role: form.role } })),
    onSuccess: () => {
      setForm({ name: '', role: 'read_only' });
      void client.invalidateQueries({ queryKey: ['oauth', 'clients'] });
    },
  });
  const remove = useMutation({
    mutationFn: (c: OAuthClient) => call(api.DELETE('/api/v1/oauth/clients/{clientId}', { params: { path: { clientId: c.clientId } } })),
    onSuccess: (_, c) => {
      if (create.data?.client.clientId === c.clientId) create.reset();
      void client.invalidateQueries({ queryKey: ['oauth', 'clients'] });
    },
  });
  return (
    <Page title={t('oauth.clients.title')}>
      <OAuthNav />
      <p>{t('oauth.clients.intro')}</p>
      <ReadProblem error={clients.error} />
      <Problem error={remove.error} />
      {create.data && <NewSecret created={create.data} onDone={() => create.reset()} />}
      {remove.isSuccess && <p role="status" className="success">{t('oauth.clients.deleted', { name: remove.variables.name })}</p>}
      {clients.data && clients.data.items.length === 0 && <p>{t('oauth.clients.empty')}</p>}
      {clients.data && clients.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('common.name')}</th>
              <th scope="col">{t('oauth.clients.clientId')}</th>
              <th scope="col">{t('oauth.clients.role')}</th>
              <th scope="col">{t('common.created')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {clients.data.items.map((c) => (
              <tr key={c.clientId}>
                <td data-label={t('common.name')}>{c.name}</td>
                <td data-label={t('oauth.clients.clientId')}><span className="mono">{c.clientId}</span></td>
                <td data-label={t('oauth.clients.role')}>{t(`oauth.clients.roles.${c.role}`)}</td>
                <td data-label={t('common.created')}>{formatDate(c.createdAt)} <span className="details">{t('oauth.clients.createdBy')}: {c.createdBy}</span></td>
                <td className="actions">
                  <ConfirmButton what={c.name} question={t('oauth.clients.deleteConfirm', { name: c.name })} action={t('oauth.clients.deleteAction')}
                    disabled={remove.isPending} onConfirm={() => remove.mutate(c)}>
                    {t('common.delete')}
                  </ConfirmButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {clients.data && <Pager offset={paging.offset} limit={paging.limit} total={clients.data.total} onChange={paging.setOffset} label={t('oauth.clients.title')} />}
      <section aria-labelledby="create-client">
        <h2 id="create-client">{t('oauth.clients.create')}</h2>
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); create.mutate(); }} noValidate>
          <Problem error={create.error} fields={['name', 'role']} />
          <Field label={t('common.name')} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required error={fieldError(create.error, 'name')} />
          <div className="field">
            <label htmlFor="client-role">{t('oauth.clients.role')}</label>
            <select id="client-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}
              aria-invalid={fieldError(create.error, 'role') ? true : undefined} aria-describedby={fieldError(create.error, 'role') ? 'client-role-error' : undefined}>
              {roles.map((r) => <option key={r} value={r}>{t(`oauth.clients.roles.${r}`)}</option>)}
            </select>
            {fieldError(create.error, 'role') && <div id="client-role-error" className="field-error" role="alert">{fieldError(create.error, 'role')}</div>}
          </div>
          <button type="submit" disabled={create.isPending}>{t('oauth.clients.submit')}</button>
        </form>
      </section>
    </Page>
  );
}
