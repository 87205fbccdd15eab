import { Fragment, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { List, Mailbox } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { Problem, fieldError } from '../components/Problem';
import { PasswordRules } from '../components/PasswordRules';
import { formatBytes } from '../format';
import { Pager, usePaging } from '../components/Pager';
import { keys, useDomains } from '../queries';
import { MailboxEdit } from './MailboxEdit';

const GB = 1024 ** 3;
const pageSize = 25;

export function MailboxesPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const paging = usePaging(pageSize);
  const mailboxes = useQuery({
    queryKey: [...keys.mailboxes, 'page', paging.offset],
    queryFn: () => call<List<Mailbox>>(api.GET('/api/v1/mailboxes', { params: { query: { offset: paging.offset, limit: paging.limit } } })),
    placeholderData: keepPreviousData,
  });
  // ?edit=<id> (the dashboard's link to a mailbox near its quota) opens that mailbox's editor: in
  // its row when it is on this page, else above the list, fetched by itself.
  const [params, setParams] = useSearchParams();
  const asked = Number(params.get('edit')) || null;
  const [editing, setEditing] = useState<number | null>(asked);
  const askedElsewhere = asked !== null && editing === asked && mailboxes.data !== undefined && !mailboxes.data.items.some((m) => m.id === asked);
  const askedMailbox = useQuery({
    queryKey: keys.mailbox(asked ?? 0),
    enabled: askedElsewhere,
    queryFn: () => call<Mailbox>(api.GET('/api/v1/mailboxes/{id}', { params: { path: { id: asked! } } })),
  });
  const doneEditing = () => {
    setEditing(null);
    if (asked !== null) setParams({}, { replace: true });
  };
  const domains = useDomains();
  const [form, setForm] = useState({ localPart: '', domain: '', displayName: '', quotaGb: '1', password: '' });
  const domainName = form.domain || domains.data?.items[0]?.name || '';
  const address = form.localPart ? `${form.localPart}@${domainName}` : '';
  const create = useMutation({
    mutationFn: () =>
      call<Mailbox>(api.POST('/api/v1/mailboxes', {
        body: {
          address,
          password: form.password,
          displayName: form.displayName || null,
          quotaBytes: form.quotaGb ? Math.round(Number(form.quotaGb.replace(',', '.')) * GB) : null,
        },
      })),
    onSuccess: () => {
      setForm({ ...form, localPart: '', displayName: '', password: '' });
      void client.invalidateQueries({ queryKey: keys.mailboxes });
      void client.invalidateQueries({ queryKey: keys.tenant });
    },
  });
  const remove = useMutation({
    mutationFn: (id: number) => call(api.DELETE('/api/v1/mailboxes/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.mailboxes }),
  });
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setForm({ ...form, [key]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Page title={t('mailboxes.title')}>
      <Problem error={mailboxes.error ?? remove.error ?? (askedElsewhere ? askedMailbox.error : null)} />
      {askedElsewhere && askedMailbox.data && <MailboxEdit key={askedMailbox.data.id} mailbox={askedMailbox.data} onDone={doneEditing} />}
      {mailboxes.data && mailboxes.data.items.length === 0 && <p>{t('mailboxes.empty')}</p>}
      {mailboxes.data && mailboxes.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('mailboxes.address')}</th>
              <th scope="col">{t('common.displayName')}</th>
              <th scope="col">{t('mailboxes.used')}</th>
              <th scope="col">{t('mailboxes.state')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {mailboxes.data.items.map((m) => (
              <Fragment key={m.id}>
              <tr>
                <td data-label={t('mailboxes.address')}>{m.address}</td>
                <td data-label={t('common.displayName')}>{m.displayName}</td>
                <td data-label={t('mailboxes.used')}>{t('mailboxes.usage', { used: formatBytes(m.usedBytes), quota: formatBytes(m.quotaBytes) })}</td>
                <td data-label={t('mailboxes.state')}>{m.state === 'active' ? t('mailboxes.active') : t('mailboxes.disabled')}</td>
                <td className="actions">
                  <Link to={`/mailboxes/${m.id}/setup`}>{t('mailboxes.setup')}<span className="visually-hidden"> ({m.address})</span></Link>
                  <button type="button" className="secondary small" aria-expanded={editing === m.id} onClick={() => setEditing(editing === m.id ? null : m.id)}>
                    {t('common.edit')}<span className="visually-hidden"> {m.address}</span>
                  </button>
                  <button type="button" className="danger small" onClick={() => window.confirm(t('common.confirmDelete', { name: m.address })) && remove.mutate(m.id)}>
                    {t('common.delete')}<span className="visually-hidden"> {m.address}</span>
                  </button>
                </td>
              </tr>
              {editing === m.id && (
                <tr className="edit-row">
                  <td colSpan={5}><MailboxEdit mailbox={m} onDone={doneEditing} /></td>
                </tr>
              )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      {mailboxes.data && <Pager offset={paging.offset} limit={paging.limit} total={mailboxes.data.total} onChange={paging.setOffset} label={t('mailboxes.title')} />}
      <section aria-labelledby="create-mailbox">
        <h2 id="create-mailbox">{t('mailboxes.create')}</h2>
        {domains.data && domains.data.items.length === 0 ? (
          <p><Link to="/domains">{t('mailboxes.needDomain')}</Link></p>
        ) : (
          <form onSubmit={submit} noValidate>
            <Problem error={create.error} fields={['address', 'password', 'quotaBytes', 'displayName']} />
            <div className="address-row">
              <Field label={t('mailboxes.localPart')} name="localPart" value={form.localPart} onChange={set('localPart')} required autoComplete="off" error={fieldError(create.error, 'address')} />
              <span className="at" aria-hidden="true">@</span>
              <div className="field">
                <label htmlFor="mailbox-domain">{t('mailboxes.domain')}</label>
                <select id="mailbox-domain" value={domainName} onChange={set('domain')}>
                  {domains.data?.items.map((d) => <option key={d.id} value={d.name}>{d.displayName}</option>)}
                </select>
              </div>
            </div>
            <Field label={`${t('common.displayName')} ${t('common.optional')}`} name="displayName" value={form.displayName} onChange={set('displayName')} error={fieldError(create.error, 'displayName')} />
            <Field label={t('mailboxes.quota')} name="quota" inputMode="decimal" value={form.quotaGb} onChange={set('quotaGb')} hint={t('mailboxes.quotaHint')} error={fieldError(create.error, 'quotaBytes')} />
            <Field label={t('common.password')} name="password" type="password" value={form.password} onChange={set('password')} required autoComplete="new-password"
              hint={<PasswordRules password={form.password} address={address} />} error={fieldError(create.error, 'password')} />
            <button type="submit" disabled={create.isPending}>{t('mailboxes.submit')}</button>
          </form>
        )}
      </section>
    </Page>
  );
}
