import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Billing, PlanOffer } from '../api/types';
import { Page } from '../Layout';
import { useSession } from '../auth';
import { canManageBilling, overLimits, planName, subscribed, useBilling, useStripeSession, type StripeRequest } from '../billing';
import { Problem } from '../components/Problem';
import { Usage } from '../components/Usage';
import { formatBytes, formatDay, formatMoney } from '../format';

/** After Checkout Stripe's webhook changes the plan within seconds: the page asks again meanwhile, for a minute at most. */
const checkoutPolls = 20;
const checkoutPollMs = 3000;

function Facts({ data }: { data: Billing }) {
  const { t } = useTranslation();
  const s = data.subscription;
  const rows: [string, string][] = [
    [t('billing.planName'), planName(data.limits, data.plan)],
    [t('billing.status'), t(`billing.statuses.${s.status}`)],
  ];
  if (s.interval) rows.push([t('billing.interval'), t(`billing.intervals.${s.interval}`)]);
  if (s.seats > 0 && data.plans.find((p) => p.name === s.plan)?.perSeat) rows.push([t('billing.seats'), String(s.seats)]);
  if (s.trialEnd && s.status === 'trialing') rows.push([t('billing.trialEnds'), formatDay(s.trialEnd)]);
  if (s.currentPeriodEnd && subscribed(s.status)) rows.push([s.cancelAtPeriodEnd ? t('billing.ends') : t('billing.renews'), formatDay(s.currentPeriodEnd)]);
  if (data.nextInvoice) {
    rows.push([t('billing.nextInvoice'), data.nextInvoice.date
      ? t('billing.nextInvoiceOn', { amount: formatMoney(data.nextInvoice.amountDue, data.nextInvoice.currency), date: formatDay(data.nextInvoice.date) })
      : formatMoney(data.nextInvoice.amountDue, data.nextInvoice.currency)]);
  }
  return (
    <>
      <dl className="facts">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {s.cancelAtPeriodEnd && s.currentPeriodEnd && subscribed(s.status) && (
        <div className="callout"><p>{t('billing.canceling', { plan: planName(data.limits, data.plan), date: formatDay(s.currentPeriodEnd) })}</p></div>
      )}
    </>
  );
}

function PlanCard({ offer, data, mayBuy, busy, onStripe }: { offer: PlanOffer; data: Billing; mayBuy: boolean; busy: boolean; onStripe: (request: StripeRequest) => void }) {
  const { t } = useTranslation();
  const current = offer.name === data.plan;
  const limit = (value: number | null, format: (n: number) => string = String) => (value === null ? t('common.unlimited') : format(value));
  const sold = offer.monthly || offer.yearly;
  const headingId = `plan-${offer.name}`;
  return (
    <article className={`plan${current ? ' current' : ''}`} aria-labelledby={headingId}>
      <h3 id={headingId}>
        {offer.displayName} {current && <span className="badge ok">{t('billing.current')}</span>}
      </h3>
      <ul className="plan-limits">
        <li>{t('billing.limits.domains', { value: limit(offer.limits.maxDomains) })}</li>
        <li>{t('billing.limits.mailboxes', { value: limit(offer.limits.maxMailboxes) })}</li>
        <li>{t('billing.limits.aliases', { value: limit(offer.limits.maxAliases) })}</li>
        <li>{t('billing.limits.storage', { value: limit(offer.limits.maxStorageBytes, formatBytes) })}</li>
        <li>{t('billing.limits.messages', { value: limit(offer.limits.maxMessagesPerHour) })}</li>
        {offer.features.map((f) => <li key={f}>{f}</li>)}
      </ul>
      {offer.perSeat && <p className="hint">{t('billing.perSeat')}</p>}
      {mayBuy && sold && !subscribed(data.subscription.status) && (
        <div className="toolbar">
          {offer.monthly && (
            <button type="button" disabled={busy} onClick={() => onStripe({ kind: 'checkout', plan: offer.name, interval: 'month' })}>
              {t('billing.subscribeMonthly')}<span className="visually-hidden"> ({offer.displayName})</span>
            </button>
          )}
          {offer.yearly && (
            <button type="button" className={offer.monthly ? 'secondary' : undefined} disabled={busy} onClick={() => onStripe({ kind: 'checkout', plan: offer.name, interval: 'year' })}>
              {t('billing.subscribeYearly')}<span className="visually-hidden"> ({offer.displayName})</span>
            </button>
          )}
        </div>
      )}
      {mayBuy && sold && subscribed(data.subscription.status) && !current && (
        <div className="toolbar">
          <button type="button" className="secondary" disabled={busy} onClick={() => onStripe({ kind: 'portal' })}>
            {t('billing.changeTo', { plan: offer.displayName })}
          </button>
        </div>
      )}
    </article>
  );
}

export function BillingPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const checkout = params.get('checkout');
  const [polls, setPolls] = useState(0);
  const session = useSession();
  // Back from Checkout: until the webhook has made the subscription active, ask again every few seconds.
  const billing = useBilling({ refetchOnMount: 'always' });
  const waiting = checkout === 'success' && billing.data !== undefined && !subscribed(billing.data.subscription.status) && polls < checkoutPolls;
  const { refetch } = billing;
  useEffect(() => {
    if (!waiting) return;
    const timer = setTimeout(() => {
      setPolls((n) => n + 1);
      void refetch();
    }, checkoutPollMs);
    return () => clearTimeout(timer);
  }, [waiting, polls, refetch]);
  const stripe = useStripeSession();
  const data = billing.data;
  const mayManage = canManageBilling(session.data?.user.role);
  const mayBuy = !!data?.configured && mayManage;
  const busy = stripe.isPending || stripe.isSuccess;
  const over = data ? overLimits(data.limits, data.usage) : [];
  const plan = data ? planName(data.limits, data.plan) : '';
  return (
    <Page title={t('billing.title')}>
      {/* The status message changes when Stripe's confirmation arrives, so screen readers hear that the page updated. */}
      {checkout === 'success' && (
        <p className="success" role="status">
          {data && subscribed(data.subscription.status) ? t('billing.checkoutDone', { plan }) : t('billing.checkoutSuccess')}
        </p>
      )}
      {checkout === 'canceled' && <p role="status">{t('billing.checkoutCanceled')}</p>}
      <Problem error={billing.error ?? stripe.error} />
      {busy && <p role="status">{t('billing.redirecting')}</p>}
      {data && !data.configured && <div className="callout"><p>{t('billing.notConfigured')}</p></div>}
      {data && data.configured && session.data && !mayManage && <p>{t('billing.notAllowed')}</p>}
      {data && (
        <>
          <section aria-labelledby="billing-plan">
            <h2 id="billing-plan">{t('billing.plan')}</h2>
            <Facts data={data} />
            {mayBuy && data.subscription.status !== 'none' && (
              <div className="manage">
                <p>{t('billing.manageIntro')}</p>
                <button type="button" disabled={busy} onClick={() => stripe.mutate({ kind: 'portal' })}>{t('billing.manage')}</button>
              </div>
            )}
          </section>
          <section aria-labelledby="billing-usage">
            <h2 id="billing-usage">{t('billing.usage', { plan })}</h2>
            {over.length > 0 && (
              <div className="problem">
                <p>{t('billing.over', { plan })}</p>
                <ul>
                  {over.map((o) => (
                    <li key={o.what}>
                      {o.what === 'storage'
                        ? t('billing.overItem.storage', { used: formatBytes(o.used), max: formatBytes(o.max) })
                        : t(`billing.overItem.${o.what}`, { used: o.used, max: o.max })}
                    </li>
                  ))}
                </ul>
              </div>
            )}
            <div className="cards">
              <Usage label={t('dashboard.domains')} used={data.usage.domains} limit={data.limits.maxDomains} />
              <Usage label={t('dashboard.mailboxes')} used={data.usage.mailboxes} limit={data.limits.maxMailboxes} />
              <Usage label={t('dashboard.aliases')} used={data.usage.aliases} limit={data.limits.maxAliases} />
              <Usage label={t('dashboard.storage')} used={data.usage.quotaBytesAllocated} limit={data.limits.maxStorageBytes} format={formatBytes} />
            </div>
          </section>
          <section aria-labelledby="billing-plans">
            <h2 id="billing-plans">{t('billing.plans')}</h2>
            {mayBuy && subscribed(data.subscription.status) && <p>{t('billing.changeIntro')}</p>}
            <div className="plans">
              {data.plans.map((offer) => (
                <PlanCard key={offer.name} offer={offer} data={data} mayBuy={mayBuy} busy={busy} onStripe={(r) => stripe.mutate(r)} />
              ))}
            </div>
          </section>
        </>
      )}
    </Page>
  );
}
