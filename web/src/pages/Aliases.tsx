import { useState, type FormEvent } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { Alias, List } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { Problem, fieldError } from '../components/Problem';
import { Pager, usePaging } from '../components/Pager';
import { keys, useDomains } from '../queries';
import { AliasTargetsEdit, splitTargets } from './AliasTargetsEdit';

export { splitTargets };

const pageSize = 25;

export function AliasesPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const paging = usePaging(pageSize);
  const aliases = useQuery({
    queryKey: [...keys.aliases, 'page', paging.offset],
    queryFn: () => call<List<Alias>>(api.GET('/api/v1/aliases', { params: { query: { offset: paging.offset, limit: paging.limit } } })),
    placeholderData: keepPreviousData,
  });
  const [editing, setEditing] = useState<number | null>(null);
  const domains = useDomains();
  const [form, setForm] = useState({ localPart: '', domain: '', catchAll: false, targets: '' });
  const domainName = form.domain || domains.data?.items[0]?.name || '';
  const create = useMutation({
    mutationFn: () =>
      call<Alias>(api.POST('/api/v1/aliases', {
        body: { address: `${form.catchAll ? '*' : form.localPart}@${domainName}`, targets: splitTargets(form.targets) },
      })),
    onSuccess: () => {
      setForm({ ...form, localPart: '', catchAll: false, targets: '' });
      void client.invalidateQueries({ queryKey: keys.aliases });
      void client.invalidateQueries({ queryKey: keys.tenant });
    },
  });
  const remove = useMutation({
    mutationFn: (id: number) => call(api.DELETE('/api/v1/aliases/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.aliases }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Page title={t('aliases.title')}>
      <Problem error={aliases.error ?? remove.error} />
      {aliases.data && aliases.data.items.length === 0 && <p>{t('aliases.empty')}</p>}
      {aliases.data && aliases.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('aliases.address')}</th>
              <th scope="col">{t('aliases.targets')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {aliases.data.items.map((a) => (
              <tr key={a.id}>
                <td data-label={t('aliases.address')}>
                  {a.address} {a.catchAll && <span className="badge">{t('aliases.catchAllBadge')}</span>}
                </td>
                <td data-label={t('aliases.targets')}>
                  {editing === a.id ? <AliasTargetsEdit alias={a} onDone={() => setEditing(null)} /> : a.targets.join(', ')}
                </td>
                <td className="actions">
                  {editing !== a.id && (
                    <button type="button" className="secondary small" onClick={() => setEditing(a.id)}>
                      {t('common.edit')}<span className="visually-hidden"> {a.address}</span>
                    </button>
                  )}
                  <button type="button" className="danger small" onClick={() => window.confirm(t('common.confirmDelete', { name: a.address })) && remove.mutate(a.id)}>
                    {t('common.delete')}<span className="visually-hidden"> {a.address}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {aliases.data && <Pager offset={paging.offset} limit={paging.limit} total={aliases.data.total} onChange={paging.setOffset} label={t('aliases.title')} />}
      <section aria-labelledby="create-alias">
        <h2 id="create-alias">{t('aliases.create')}</h2>
        <form onSubmit={submit} noValidate>
          <Problem error={create.error} fields={['address', 'targets']} />
          <div className="checkbox">
            <input id="catch-all" type="checkbox" checked={form.catchAll} onChange={(e) => setForm({ ...form, catchAll: e.target.checked })} />
            <label htmlFor="catch-all">{t('aliases.catchAll')}</label>
          </div>
          <div className="address-row">
            {!form.catchAll && (
              <Field label={t('aliases.address')} name="aliasLocalPart" value={form.localPart} onChange={(e) => setForm({ ...form, localPart: e.target.value })} required error={fieldError(create.error, 'address')} />
            )}
            <span className="at" aria-hidden="true">{form.catchAll ? '*@' : '@'}</span>
            <div className="field">
              <label htmlFor="alias-domain">{t('aliases.domain')}</label>
              <select id="alias-domain" value={domainName} onChange={(e) => setForm({ ...form, domain: e.target.value })}>
                {domains.data?.items.map((d) => <option key={d.id} value={d.name}>{d.displayName}</option>)}
              </select>
            </div>
          </div>
          <Field label={t('aliases.targets')} name="targets" value={form.targets} onChange={(e) => setForm({ ...form, targets: e.target.value })} required hint={t('aliases.targetsHint')} error={fieldError(create.error, 'targets')} />
          <button type="submit" disabled={create.isPending}>{t('aliases.submit')}</button>
        </form>
      </section>
    </Page>
  );
}
