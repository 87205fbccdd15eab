import { NavLink } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { Problem } from '../../components/Problem';

const sections: [string, string][] = [
  ['/oauth/apps', 'oauth.apps.nav'],
  ['/oauth/grants', 'oauth.grants.nav'],
  ['/oauth/clients', 'oauth.clients.nav'],
  ['/oauth/sso', 'oauth.sso.nav'],
];

/** The sections of the OAuth & sign-in area, as links (each is its own page and address). */
export function OAuthNav() {
  const { t } = useTranslation();
  return (
    <nav className="subnav" aria-label={t('oauth.sections')}>
      <ul>
        {sections.map(([to, key]) => (
          <li key={to}><NavLink to={to}>{t(key)}</NavLink></li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * The node answers 404 on these endpoints when it runs no OAuth server (OAuth:Issuer unset):
 * "OAuth is off", or "This service does not run the OAuth server." (OAuthEndpoints.cs).
 */
export function isOAuthOff(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404
    && (error.title === 'OAuth is off' || (error.detail ?? '').includes('does not run the OAuth server'));
}

/** A read's error: the OAuth server being off said in the reader's language, anything else as a problem. */
export function ReadProblem({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (isOAuthOff(error)) return <p className="callout-plain" role="status">{t('oauth.notEnabled')}</p>;
  return <Problem error={error} />;
}
