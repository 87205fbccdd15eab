import { useTranslation } from 'react-i18next';

/**
 * The tenant short-name rule the API enforces (Core's TenantName.SlugProblem), checked as the
 * user types: trimmed and compared in lower case, 2 to 40 letters, digits and hyphens, starting
 * with a letter, not ending with a hyphen, not only digits.
 */
export function slugChecks(value: string) {
  const slug = value.trim().toLowerCase();
  return {
    length: slug.length >= 2 && slug.length <= 40,
    characters: slug.length > 0 && /^[a-z0-9-]+$/.test(slug),
    start: /^[a-z]/.test(slug),
    end: slug.length > 0 && !slug.endsWith('-'),
  };
}

export const slugIsValid = (value: string) => Object.values(slugChecks(value)).every(Boolean);

export function TenantNameRules({ value }: { value: string }) {
  const { t } = useTranslation();
  const checks = slugChecks(value);
  const stored = value.trim().toLowerCase();
  return (
    <div className="rules">
      <span className="rules-title">{t('slug.rules')}</span>
      <ul>
        {(Object.entries(checks) as [keyof typeof checks, boolean][]).map(([key, met]) => (
          <li key={key} className={met ? 'rule met' : 'rule unmet'}>
            <span aria-hidden="true">{met ? '✓' : '✗'}</span> {t(`slug.${key}`)}
            <span className="visually-hidden"> ({met ? t('password.met') : t('password.notMet')})</span>
          </li>
        ))}
      </ul>
      {stored !== value && slugIsValid(value) && <p className="slug-stored">{t('slug.stored', { slug: stored })}</p>}
    </div>
  );
}
