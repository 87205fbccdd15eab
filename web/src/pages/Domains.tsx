import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { Domain } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { Problem, fieldError } from '../components/Problem';
import { formatDate } from '../format';
import { keys, useDomains } from '../queries';

export function DomainsPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const domains = useDomains();
  const [name, setName] = useState('');
  const add = useMutation({
    mutationFn: () => call<Domain>(api.POST('/api/v1/domains', { body: { name } })),
    onSuccess: async (domain) => {
      await client.invalidateQueries({ queryKey: keys.domains });
      void client.invalidateQueries({ queryKey: keys.tenant });
      navigate(`/domains/${domain.id}`);
    },
  });
  const remove = useMutation({
    mutationFn: (id: number) => call(api.DELETE('/api/v1/domains/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries(),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <Page title={t('domains.title')}>
      <Problem error={domains.error ?? remove.error} />
      {domains.data && domains.data.items.length === 0 && <p>{t('domains.empty')}</p>}
      {domains.data && domains.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('domains.name')}</th>
              <th scope="col">{t('domains.state')}</th>
              <th scope="col">{t('common.created')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {domains.data.items.map((d) => (
              <tr key={d.id}>
                <td data-label={t('domains.name')}>{d.displayName}</td>
                <td data-label={t('domains.state')}>
                  <span className={`badge ${d.state}`}>{d.state === 'verified' ? t('domains.verified') : t('domains.pending')}</span>
                </td>
                <td data-label={t('common.created')}>{formatDate(d.createdAt)}</td>
                <td className="actions">
                  <Link to={`/domains/${d.id}`} aria-label={t('domains.showRecords', { domain: d.displayName })}>{t('domains.records')}</Link>
                  <button type="button" className="danger small" onClick={() => window.confirm(t('domains.deleteWarning', { domain: d.displayName })) && remove.mutate(d.id)}>
                    {t('common.delete')}<span className="visually-hidden"> {d.displayName}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <section aria-labelledby="add-domain">
        <h2 id="add-domain">{t('domains.add')}</h2>
        <form onSubmit={submit} noValidate className="inline">
          <Problem error={add.error} fields={['name']} />
          <Field label={t('domains.name')} name="name" value={name} onChange={(e) => setName(e.target.value)} required hint={t('domains.nameHint')} error={fieldError(add.error, 'name')} />
          <button type="submit" disabled={add.isPending}>{t('domains.submit')}</button>
        </form>
      </section>
    </Page>
  );
}
