import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { Page } from '../Layout';
import { Usage } from '../components/Usage';
import { Problem } from '../components/Problem';
import { formatBytes, formatDate, formatDay } from '../format';
import { overLimits, planName, useBilling } from '../billing';
import { useQueries } from '@tanstack/react-query';
import { api, call } from '../api/client';
import type { DomainRecords } from '../api/types';
import { keys, useDomains, useMailboxes, useTenant } from '../queries';

/** How many verified domains the dashboard checks record by record (each is a live DNS lookup). */
const checkedDomains = 10;

export function DashboardPage() {
  const { t } = useTranslation();
  const tenant = useTenant();
  const domains = useDomains();
  const mailboxes = useMailboxes();
  const billing = useBilling();
  const verified = (domains.data?.items ?? []).filter((d) => d.state === 'verified').slice(0, checkedDomains);
  const records = useQueries({
    queries: verified.map((d) => ({
      queryKey: keys.records(d.id),
      queryFn: () => call<DomainRecords>(api.GET('/api/v1/domains/{id}/records', { params: { path: { id: d.id } } })),
      staleTime: 5 * 60_000,
    })),
  });
  const attention: { key: string; text: string; to: string }[] = [];
  // Billing first: a failed payment stops sending mail after the grace period (docs/billing.md).
  if (billing.data?.standing.banner) {
    attention.push({ key: 'payment', text: t('dashboard.paymentFailed', { since: formatDay(billing.data.subscription.pastDueSince) }), to: '/billing' });
  }
  if (billing.data && overLimits(billing.data.limits, billing.data.usage).length > 0) {
    attention.push({ key: 'plan', text: t('dashboard.overPlan', { plan: planName(billing.data.limits, billing.data.plan) }), to: '/billing' });
  }
  const mxFlagged = new Set<number>();
  for (const d of domains.data?.items ?? []) {
    if (d.state === 'pending') {
      attention.push({ key: `v${d.id}`, text: t('dashboard.unverified', { domain: d.displayName }), to: `/domains/${d.id}` });
    } else if (d.health?.mxProblemSince) {
      attention.push({ key: `m${d.id}`, text: t('dashboard.mxLost', { domain: d.displayName, since: formatDate(d.health.mxProblemSince) }), to: `/domains/${d.id}` });
      mxFlagged.add(d.id);
    } else if (d.health?.mxStatus && d.health.mxStatus !== 'ok') {
      attention.push({ key: `m${d.id}`, text: t('dashboard.mxWrong', { domain: d.displayName, status: t(`records.st.${d.health.mxStatus}`) }), to: `/domains/${d.id}` });
      mxFlagged.add(d.id);
    }
  }
  // Records a domain needs (required ones) that are missing or wrong right now; the MX is named above when the background check saw it.
  verified.forEach((d, i) => {
    const bad = (records[i]?.data?.records ?? []).filter((r) => r.required && (r.status === 'missing' || r.status === 'wrong') && !(r.kind === 'mx' && mxFlagged.has(d.id)));
    if (bad.length > 0) {
      attention.push({ key: `r${d.id}`, text: t('dashboard.recordsWrong', { domain: d.displayName, records: bad.map((r) => `${r.type} ${r.name}`).join(', ') }), to: `/domains/${d.id}` });
    }
  });
  for (const m of mailboxes.data?.items ?? []) {
    const share = m.quotaBytes > 0 ? Math.round((m.usedBytes / m.quotaBytes) * 100) : 0;
    if (share >= 90) attention.push({ key: `q${m.id}`, text: t('dashboard.quotaFull', { address: m.address, percent: share }), to: `/mailboxes?edit=${m.id}` });
  }
  const data = tenant.data;
  return (
    <Page title={t('dashboard.title')}>
      <Problem error={tenant.error ?? domains.error ?? mailboxes.error} />
      <section aria-labelledby="attention">
        <h2 id="attention">{t('dashboard.attention')}</h2>
        {attention.length > 0 && (
          <ul className="attention">
            {attention.map((a) => (
              <li key={a.key}>
                {a.text} <Link to={a.to}>{t('dashboard.open')}</Link>
              </li>
            ))}
          </ul>
        )}
        {domains.data && domains.data.items.length === 0 ? (
          <p><Link to="/domains">{t('dashboard.noDomains')}</Link></p>
        ) : attention.length === 0 && (
          <p className="success">{domains.data && !billing.isPending && records.every((q) => !q.isPending) ? t('dashboard.allGood') : t('app.loading')}</p>
        )}
      </section>
      {data && (
        <section aria-labelledby="usage">
          <h2 id="usage">{t('dashboard.usage', { plan: data.plan })}</h2>
          <div className="cards">
            <Usage label={t('dashboard.domains')} used={data.usage.domains} limit={data.limits.maxDomains} />
            <Usage label={t('dashboard.mailboxes')} used={data.usage.mailboxes} limit={data.limits.maxMailboxes} />
            <Usage label={t('dashboard.aliases')} used={data.usage.aliases} limit={data.limits.maxAliases} />
            <Usage label={t('dashboard.storage')} used={data.usage.quotaBytesAllocated} limit={data.limits.maxStorageBytes} format={formatBytes} />
          </div>
          <p>{t('dashboard.stored', { size: formatBytes(data.usage.storedBytes) })}</p>
        </section>
      )}
    </Page>
  );
}
