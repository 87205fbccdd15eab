import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { AuditRecord, Page as AuditPageData } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { Problem } from '../components/Problem';
import { formatDate } from '../format';

const pageSize = 50;

export function AuditPage() {
  const { t } = useTranslation();
  // The cursors of the pages seen so far: going back pops one.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [filter, setFilter] = useState('');
  const before = cursors[cursors.length - 1];
  // Entries on the newer pages: the answer's total counts those older than the cursor.
  const seen = (cursors.length - 1) * pageSize;
  const audit = useQuery({
    queryKey: ['audit', before],
    queryFn: () => call<AuditPageData<AuditRecord>>(api.GET('/api/v1/audit', { params: { query: { limit: pageSize, before } } })),
    placeholderData: keepPreviousData,
  });
  const needle = filter.trim().toLowerCase();
  const rows = (audit.data?.items ?? []).filter((r) => !needle || [r.action, r.target, r.actor].some((s) => s.toLowerCase().includes(needle)));
  return (
    <Page title={t('audit.title')}>
      <Problem error={audit.error} />
      <Field label={t('audit.filter')} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} hint={t('audit.filterHint')} />
      <table>
        <thead>
          <tr>
            <th scope="col">{t('audit.when')}</th>
            <th scope="col">{t('audit.who')}</th>
            <th scope="col">{t('audit.action')}</th>
            <th scope="col">{t('audit.target')}</th>
            <th scope="col">{t('audit.from')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td data-label={t('audit.when')}>{formatDate(r.occurredAt)}</td>
              <td data-label={t('audit.who')}>{r.actor}</td>
              <td data-label={t('audit.action')} className="mono">{r.action}</td>
              <td data-label={t('audit.target')}>{r.target}{r.details && <span className="details"> {Object.entries(r.details).map(([k, v]) => `${k}=${v}`).join(' ')}</span>}</td>
              <td data-label={t('audit.from')}>{r.remoteAddress}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {audit.data && (audit.data.nextBefore != null || cursors.length > 1) && (
        // Pages follow a cursor (entries older than the last one seen), so a new entry never shifts them.
        <nav className="pager" aria-label={t('pager.label', { what: t('audit.title') })}>
          <button type="button" className="secondary small" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>{t('audit.newer')}</button>
          <span aria-live="polite">
            {t('pager.range', {
              first: seen + 1, last: seen + audit.data.items.length, total: seen + audit.data.total,
              page: cursors.length, pages: Math.max(cursors.length, Math.ceil((seen + audit.data.total) / pageSize)),
            })}
          </span>
          <button type="button" className="secondary small" disabled={audit.data.nextBefore == null} onClick={() => setCursors([...cursors, audit.data!.nextBefore!])}>{t('audit.older')}</button>
        </nav>
      )}
    </Page>
  );
}
