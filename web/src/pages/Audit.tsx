import { useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { List, Page as AuditPageData } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { Problem, fieldError } from '../components/Problem';
import { formatDate } from '../format';

const pageSize = 50;
const filterFields = ['action', 'actor', 'target', 'since', 'until'];

/** The filters as typed: an action or kind, parts of who and target, and a range of days (both included). */
export interface AuditFilters {
  action: string;
  actor: string;
  target: string;
  from: string;
  to: string;
}

const noFilters: AuditFilters = { action: '', actor: '', target: '', from: '', to: '' };

/**
 * The API's query for the filters: the days are the reader's own (a date input's yyyy-mm-dd is a
 * local day), so they become instants here: since the start of the first day, until the start of
 * the day after the last.
 */
export function auditQuery(f: AuditFilters) {
  const startOf = (day: string, plusDays = 0) => {
    const [y, m, d] = day.split('-').map(Number);
    return new Date(y, m - 1, d + plusDays).toISOString();
  };
  return {
    action: f.action || undefined,
    actor: f.actor.trim() || undefined,
    target: f.target.trim() || undefined,
    since: f.from ? startOf(f.from) : undefined,
    until: f.to ? startOf(f.to, 1) : undefined,
  };
}

/** The actions to choose from, grouped by kind (the part before the dot). */
function byKind(actions: string[]) {
  const kinds = new Map<string, string[]>();
  for (const action of actions) {
    const kind = action.split('.')[0];
    kinds.set(kind, [...(kinds.get(kind) ?? []), action]);
  }
  return [...kinds.entries()];
}

export function AuditPage() {
  const { t } = useTranslation();
  // The cursors of the pages seen so far: going back pops one.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [form, setForm] = useState<AuditFilters>(noFilters);
  const [applied, setApplied] = useState<AuditFilters>(noFilters);
  const before = cursors[cursors.length - 1];
  // Entries on the newer pages: the answer's total counts those older than the cursor.
  const seen = (cursors.length - 1) * pageSize;
  const filtered = Object.values(applied).some(Boolean);
  const audit = useQuery({
    queryKey: ['audit', applied, before],
    queryFn: () => call<AuditPageData>(api.GET('/api/v1/audit', { params: { query: { limit: pageSize, before, ...auditQuery(applied) } } })),
    placeholderData: keepPreviousData,
  });
  const actions = useQuery({
    queryKey: ['audit-actions'],
    queryFn: () => call<List<string>>(api.GET('/api/v1/audit/actions')),
  });
  const apply = (filters: AuditFilters) => {
    setApplied(filters);
    setCursors([undefined]);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply({ ...form });
  };
  const clear = () => {
    setForm(noFilters);
    apply(noFilters);
  };
  const set = (key: keyof AuditFilters) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });
  const rows = audit.data?.items ?? [];
  return (
    <Page title={t('audit.title')}>
      <form className="inline search" onSubmit={submit} noValidate role="search" aria-label={t('auditFilter.label')}>
        <Problem error={audit.error} fields={filterFields} />
        <div className="field">
          <label htmlFor="audit-action">{t('audit.action')}</label>
          <select id="audit-action" value={form.action} onChange={set('action')}
            aria-invalid={fieldError(audit.error, 'action') ? true : undefined}>
            <option value="">{t('auditFilter.anyAction')}</option>
            {byKind(actions.data?.items ?? []).map(([kind, list]) => (
              <optgroup key={kind} label={kind}>
                <option value={kind}>{t('auditFilter.everyOfKind', { kind })}</option>
                {list.map((a) => <option key={a} value={a}>{a}</option>)}
              </optgroup>
            ))}
          </select>
        </div>
        <Field label={t('audit.who')} type="search" value={form.actor} onChange={set('actor')} hint={t('auditFilter.actorHint')} error={fieldError(audit.error, 'actor')} />
        <Field label={t('audit.target')} type="search" value={form.target} onChange={set('target')} hint={t('auditFilter.targetHint')} error={fieldError(audit.error, 'target')} />
        <Field label={t('auditFilter.from')} type="date" value={form.from} onChange={set('from')} error={fieldError(audit.error, 'since')} />
        <Field label={t('auditFilter.to')} type="date" value={form.to} onChange={set('to')} error={fieldError(audit.error, 'until')} />
        <button type="submit">{t('auditFilter.apply')}</button>
        {filtered && <button type="button" className="secondary" onClick={clear}>{t('auditFilter.clear')}</button>}
      </form>
      {audit.data && filtered && <p role="status">{t('auditFilter.found', { count: seen + audit.data.total })}</p>}
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
