import { useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { List, TrackedMessage, TrackedRecipient } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { Pager } from '../components/Pager';
import { Problem, fieldError } from '../components/Problem';
import { formatBytes, formatDate } from '../format';

const pageSize = 20;
const fields = ['recipient', 'sender', 'messageId'] as const;
const dayChoices = [1, 3, 7, 14, 30];

type Search = { by: (typeof fields)[number]; q: string; days: number };

function RecipientRow({ r }: { r: TrackedRecipient }) {
  const { t } = useTranslation();
  return (
    <tr>
      <td data-label={t('tracking.recipient')}>{r.address}{r.folder && <span className="details"> ({r.folder})</span>}</td>
      <td data-label={t('tracking.state')}><span className={`badge ${r.state === 'delivered' ? 'ok' : r.state === 'queued' ? 'pending' : 'wrong'}`}>{t(`tracking.states.${r.state}`)}</span></td>
      <td data-label={t('tracking.reply')}>
        {r.lastReply && <span className="mono">{r.lastReply}</span>}
        {r.nextAttemptAt && <div>{t('tracking.nextAttempt', { when: formatDate(r.nextAttemptAt) })}</div>}
        {r.notifications.map((n) => <div key={n} className="note">{t(`tracking.dsn.${n}`)}</div>)}
        {r.log.length > 0 && (
          <details>
            <summary>{t('tracking.attempts', { count: r.log.length })}</summary>
            <ol className="attempts">
              {r.log.map((a, i) => (
                <li key={i}>
                  {formatDate(a.attemptedAt)} · {t(`tracking.outcomes.${a.outcome}`)}
                  {a.remoteHost && <> · {a.remoteHost}{a.remoteIp && ` [${a.remoteIp}]`}</>}
                  {a.tls && <> · {a.tls}</>}
                  {a.reply && <div className="mono">{a.reply}</div>}
                </li>
              ))}
            </ol>
          </details>
        )}
      </td>
    </tr>
  );
}

function MessageCard({ m }: { m: TrackedMessage }) {
  const { t } = useTranslation();
  const headingId = `m-${m.kind}-${m.id}`;
  return (
    <article className="tracked" aria-labelledby={headingId}>
      <h2 id={headingId}>
        <span className="badge">{t(`tracking.kinds.${m.kind}`)}</span> {m.subject || t('tracking.noSubject')}
      </h2>
      <dl className="facts">
        <dt>{t('tracking.when')}</dt><dd>{formatDate(m.at)}</dd>
        <dt>{t('tracking.sender')}</dt><dd>{m.sender || t('tracking.nullSender')}</dd>
        <dt>{t('tracking.messageId')}</dt><dd className="mono">{m.messageId ?? '—'}</dd>
        <dt>{t('tracking.size')}</dt><dd>{formatBytes(m.size)}</dd>
      </dl>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('tracking.recipient')}</th>
            <th scope="col">{t('tracking.state')}</th>
            <th scope="col">{t('tracking.reply')}</th>
          </tr>
        </thead>
        <tbody>
          {m.recipients.map((r) => <RecipientRow key={r.address} r={r} />)}
        </tbody>
      </table>
    </article>
  );
}

/** Message tracking: what became of the tenant's sent and received mail of the last days. */
export function TrackingPage() {
  const { t } = useTranslation();
  const [form, setForm] = useState<Search>({ by: 'recipient', q: '', days: 7 });
  const [search, setSearch] = useState<Search | null>(null);
  const [offset, setOffset] = useState(0);
  const found = useQuery({
    queryKey: ['tracking', search, offset],
    enabled: search !== null,
    queryFn: () => call<List<TrackedMessage>>(api.GET('/api/v1/tracking', { params: { query: { by: search!.by, q: search!.q, days: search!.days, offset, limit: pageSize } } })),
    placeholderData: keepPreviousData,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setOffset(0);
    setSearch({ ...form });
  };
  return (
    <Page title={t('tracking.title')}>
      <p>{t('tracking.intro')}</p>
      <form className="search" onSubmit={submit} noValidate role="search" aria-label={t('tracking.title')}>
        <Problem error={found.error} fields={['q', 'by', 'days']} />
        <div className="field">
          <label htmlFor="tracking-by">{t('tracking.by')}</label>
          <select id="tracking-by" value={form.by} onChange={(e) => setForm({ ...form, by: e.target.value as Search['by'] })}>
            {fields.map((f) => <option key={f} value={f}>{t(`tracking.fields.${f}`)}</option>)}
          </select>
        </div>
        <Field label={t('tracking.query')} type="search" value={form.q} onChange={(e) => setForm({ ...form, q: e.target.value })} hint={t(`tracking.hints.${form.by}`)}
          error={fieldError(found.error, 'q') ?? fieldError(found.error, 'by')} />
        <div className="field">
          <label htmlFor="tracking-days">{t('tracking.days')}</label>
          <select id="tracking-days" value={form.days} onChange={(e) => setForm({ ...form, days: Number(e.target.value) })}>
            {dayChoices.map((d) => <option key={d} value={d}>{t('tracking.lastDays', { count: d })}</option>)}
          </select>
        </div>
        <button type="submit" disabled={found.isFetching}>{t('tracking.submit')}</button>
      </form>
      {found.data && (
        <section aria-labelledby="tracking-results">
          <p id="tracking-results" role="status">{t('tracking.found', { count: found.data.total })}</p>
          {found.data.items.map((m) => <MessageCard key={`${m.kind}-${m.id}`} m={m} />)}
          <Pager offset={offset} limit={pageSize} total={found.data.total} onChange={setOffset} label={t('tracking.title')} />
        </section>
      )}
    </Page>
  );
}
