import { Link, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth';
import { canManageBilling, useBilling, useStripeSession } from '../billing';
import { formatDay } from '../format';
import { Problem } from './Problem';

/**
 * Above every page while the subscription is past due (docs/billing.md "Dunning"): what happens
 * next and when, and the way to fix it (Stripe's customer portal, where the payment method is
 * changed). A region, not an alert: it stays on every page and must not be announced on each.
 */
export function BillingBanner() {
  const { t } = useTranslation();
  const billing = useBilling();
  const session = useSession();
  const location = useLocation();
  const stripe = useStripeSession();
  const data = billing.data;
  if (!data?.standing.banner) return null;
  const { standing, subscription } = data;
  const phase = standing.phase === 'none' ? 'grace' : standing.phase;
  const dates = { since: formatDay(subscription.pastDueSince), blocked: formatDay(standing.sendingBlockedAt), readOnly: formatDay(standing.readOnlyAt) };
  const mayFix = canManageBilling(session.data?.user.role);
  return (
    <section className={`banner ${phase}`} aria-label={t('billing.banner.label')}>
      <p>
        <strong>{t(`billing.banner.title.${phase}`)}</strong> {t(`billing.banner.${phase}`, dates)}
      </p>
      <Problem error={stripe.error} />
      <div className="toolbar">
        {mayFix && data.configured && (
          <button type="button" onClick={() => stripe.mutate({ kind: 'portal' })} disabled={stripe.isPending || stripe.isSuccess}>
            {stripe.isPending || stripe.isSuccess ? t('billing.redirecting') : t('billing.banner.fix')}
          </button>
        )}
        {location.pathname !== '/billing' && <Link to="/billing">{t('billing.banner.open')}</Link>}
        {!mayFix && <span>{t('billing.banner.askOwner')}</span>}
      </div>
    </section>
  );
}
