import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/client';
import { planName } from '../billing';
import { formatBytes } from '../format';
import { useTenant } from '../queries';

/** The message for an error, in the reader's language where the API gave a code we know. */
export function problemMessage(t: TFunction, error: unknown, shownFields: string[] = []): string | null {
  if (!error) return null;
  if (error instanceof ApiError) {
    const known = ['invalid-credentials', 'two-factor-failed', 'email-not-confirmed', 'billing-read-only'];
    if (known.includes(error.code)) return t(`problems.${error.code}`);
    if (error.code === 'plan-limit') return t('problems.plan-limit', { limit: error.detail ?? '' });
    if (error.status === 429) return t('problems.too-many');
    const fields = Object.keys(error.errors);
    if (fields.length > 0) {
      const others = fields.filter((f) => !shownFields.includes(f));
      // Errors for fields on screen are shown next to them; the rest here.
      return others.length > 0 ? others.map((f) => error.fieldError(f)).join(' ') : null;
    }
    return error.detail ?? error.title;
  }
  if (error instanceof TypeError) return t('problems.network');
  return t('common.error', { message: String((error as Error).message ?? error) });
}

/**
 * A plan limit the API refused a change for (403, type .../plan-limit, `limit`: domains,
 * mailboxes, aliases or storage), worded from the tenant's plan, with the way to a bigger plan.
 */
function PlanLimitMessage({ error }: { error: ApiError }) {
  const { t } = useTranslation();
  const tenant = useTenant();
  const limits = tenant.data?.limits;
  const plan = planName(limits, tenant.data?.plan ?? '');
  const limit = String(error.extensions.limit ?? '');
  const max = limit === 'domains' ? limits?.maxDomains : limit === 'mailboxes' ? limits?.maxMailboxes : limit === 'aliases' ? limits?.maxAliases
    : limit === 'storage' ? limits?.maxStorageBytes : undefined;
  const text = max === undefined || max === null
    ? t('problems.plan-limit', { limit: error.detail ?? '' })
    : limit === 'storage' ? t('planLimit.storage', { plan, max: formatBytes(max) }) : t(`planLimit.${limit}`, { plan, count: max });
  return (
    <>
      <strong>{t('planLimit.title')}</strong> {text} <Link to="/billing">{t('planLimit.action')}</Link>
    </>
  );
}

/** An error from the API, announced to screen readers; nothing when there is none. */
export function Problem({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  const { t } = useTranslation();
  if (error instanceof ApiError && error.code === 'plan-limit') {
    return (
      <div className="problem" role="alert">
        <PlanLimitMessage error={error} />
      </div>
    );
  }
  const message = problemMessage(t, error, fields);
  if (!message) return null;
  return (
    <div className="problem" role="alert">
      <strong>{t('common.problemTitle')}</strong> {message}
      {error instanceof ApiError && error.code === 'billing-read-only' && <> <Link to="/billing">{t('billing.banner.open')}</Link></>}
    </div>
  );
}

export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.fieldError(field) : undefined;
}
