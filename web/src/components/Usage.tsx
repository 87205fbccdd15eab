import { useTranslation } from 'react-i18next';
import { percent } from '../format';

/** Used against a limit: a native <meter> (announced by screen readers) and the numbers. */
export function Usage({ label, used, limit, format = String }: { label: string; used: number; limit: number | null; format?: (n: number) => string }) {
  const { t } = useTranslation();
  const share = percent(used, limit);
  return (
    <div className="usage">
      <div className="usage-label">{label}</div>
      <div className="usage-value">
        {limit ? t('common.of', { used: format(used), limit: format(limit) }) : `${format(used)} (${t('common.unlimited')})`}
      </div>
      {limit ? <meter min={0} max={limit} value={used} high={limit * 0.9} optimum={0} aria-label={`${label}: ${share} %`} /> : null}
    </div>
  );
}
