import { useTranslation } from 'react-i18next';

/** The mailbox password rules the API enforces (Core's PasswordPolicy), checked as the user types. */
export function passwordChecks(password: string, address: string) {
  const local = address.split('@')[0] ?? '';
  return {
    length: password.length >= 10,
    variety: new Set(password).size >= 4,
    notName: local.length < 3 || !password.toLowerCase().includes(local.toLowerCase()),
  };
}

export function PasswordRules({ password, address, id }: { password: string; address?: string; id?: string }) {
  const { t } = useTranslation();
  const checks = passwordChecks(password, address ?? '');
  const rules: [string, boolean | null][] = [
    ['length', checks.length],
    ['variety', checks.variety],
    ...(address !== undefined ? ([['notName', checks.notName]] as [string, boolean][]) : []),
    ['notCommon', null],
  ];
  return (
    <div id={id} className="rules">
      <span className="rules-title">{t('password.rules')}</span>
      <ul>
        {rules.map(([key, met]) => (
          <li key={key} className={met === null ? 'rule' : met ? 'rule met' : 'rule unmet'}>
            <span aria-hidden="true">{met === null ? '•' : met ? '✓' : '✗'}</span> {t(`password.${key}`)}
            {met !== null && <span className="visually-hidden"> ({met ? t('password.met') : t('password.notMet')})</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
