import { useState, type FormEvent } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { ApiToken, List } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { CopyButton } from '../components/CopyButton';
import { Problem, fieldError } from '../components/Problem';
import { formatDate } from '../format';
import { Pager, usePaging } from '../components/Pager';

const scopes = ['domains:read', 'domains:write', 'mailboxes:read', 'mailboxes:write', 'aliases:read', 'aliases:write', 'audit:read', 'tenant:read', 'tracking:read'];

export function TokensPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const paging = usePaging(25);
  const tokens = useQuery({
    queryKey: ['tokens', paging.offset],
    queryFn: () => call<List<ApiToken>>(api.GET('/api/v1/account/tokens', { params: { query: { offset: paging.offset, limit: paging.limit } } })),
    placeholderData: keepPreviousData,
  });
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>(['domains:read']);
  const create = useMutation({
    mutationFn: () => call(api.POST('/api/v1/account/tokens', { body: { name, scopes: chosen, expiresAt: null } })),
    onSuccess: () => {
      setName('');
      void client.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: number) => call(api.DELETE('/api/v1/account/tokens/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['tokens'] }),
  });
  const toggle = (scope: string) => setChosen(chosen.includes(scope) ? chosen.filter((s) => s !== scope) : [...chosen, scope]);
  return (
    <Page title={t('tokens.title')}>
      <p>{t('tokens.intro')}</p>
      <Problem error={tokens.error ?? revoke.error} />
      {create.data && (
        <div className="secret" role="status">
          <h2>{t('tokens.secret', { name: create.data.token.name })}</h2>
          <p>{t('tokens.once')}</p>
          <p className="mono big">{create.data.secret} <CopyButton value={create.data.secret} what={create.data.token.name} /></p>
        </div>
      )}
      {tokens.data && tokens.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('common.name')}</th>
              <th scope="col">{t('tokens.scopes')}</th>
              <th scope="col">{t('tokens.expires')}</th>
              <th scope="col">{t('common.lastUsed')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.items.map((k) => (
              <tr key={k.id}>
                <td data-label={t('common.name')}>{k.name} <span className="mono">{k.prefix}…</span></td>
                <td data-label={t('tokens.scopes')}>{k.scopes.join(', ')}</td>
                <td data-label={t('tokens.expires')}>{formatDate(k.expiresAt)}</td>
                <td data-label={t('common.lastUsed')}>{k.lastUsedAt ? formatDate(k.lastUsedAt) : t('common.never')}</td>
                <td className="actions">
                  {k.revokedAt ? t('tokens.revoked') : (
                    <button type="button" className="danger small" onClick={() => revoke.mutate(k.id)}>{t('tokens.revoke')}<span className="visually-hidden"> {k.name}</span></button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {tokens.data && <Pager offset={paging.offset} limit={paging.limit} total={tokens.data.total} onChange={paging.setOffset} label={t('tokens.title')} />}
      <section aria-labelledby="create-token">
        <h2 id="create-token">{t('tokens.create')}</h2>
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); create.mutate(); }} noValidate>
          <Problem error={create.error} fields={['name', 'scopes']} />
          <Field label={t('common.name')} value={name} onChange={(e) => setName(e.target.value)} required error={fieldError(create.error, 'name')} />
          <fieldset>
            <legend>{t('tokens.scopes')}</legend>
            <div className="scopes">
              {scopes.map((s) => (
                <div key={s} className="checkbox">
                  <input id={`scope-${s}`} type="checkbox" checked={chosen.includes(s)} onChange={() => toggle(s)} />
                  <label htmlFor={`scope-${s}`} className="mono">{s}</label>
                </div>
              ))}
            </div>
            {fieldError(create.error, 'scopes') && <div className="field-error" role="alert">{fieldError(create.error, 'scopes')}</div>}
          </fieldset>
          <button type="submit" disabled={create.isPending}>{t('tokens.submit')}</button>
        </form>
      </section>
    </Page>
  );
}
