import { useEffect, useRef, type ReactNode } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, setCsrfToken } from './api/client';
import { currentTenant, useSession } from './auth';
import { TenantSwitcher } from './components/TenantSwitcher';
import { BillingBanner } from './components/BillingBanner';
import { languages, setLanguage, type Language } from './i18n';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <span className="visually-hidden">{t('app.language')}</span>
      <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)} aria-label={t('app.language')}>
        {languages.map((l) => (
          <option key={l} value={l} lang={l}>
            {l === 'en' ? 'English' : 'Deutsch'}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Moves focus to the page heading after navigation, so screen readers announce the new page. */
function useFocusOnNavigate(ref: React.RefObject<HTMLElement | null>) {
  const location = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    ref.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [location.pathname, ref]);
}

export function Page({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · HostedMail`;
  }, [title]);
  return (
    <>
      <h1 tabIndex={-1}>{title}</h1>
      {children}
    </>
  );
}

export function Layout() {
  const { t } = useTranslation();
  const session = useSession();
  const client = useQueryClient();
  const navigate = useNavigate();
  const main = useRef<HTMLElement>(null);
  useFocusOnNavigate(main);
  const signOut = async () => {
    await api.POST('/api/v1/auth/logout');
    setCsrfToken(null);
    client.clear();
    navigate('/login');
  };
  const links: [string, string][] = [
    ['/', 'nav.dashboard'],
    ['/domains', 'nav.domains'],
    ['/mailboxes', 'nav.mailboxes'],
    ['/aliases', 'nav.aliases'],
    ['/tracking', 'nav.tracking'],
    ['/users', 'nav.users'],
    ['/tokens', 'nav.tokens'],
    ['/audit', 'nav.audit'],
    ['/oauth', 'nav.oauth'],
    ['/billing', 'nav.billing'],
    ['/security', 'nav.security'],
  ];
  return (
    <>
      <a className="skip" href="#main">{t('app.skip')}</a>
      <header className="top">
        <div className="brand">{t('app.name')}</div>
        <nav aria-label={t('app.nav')}>
          <ul>
            {links.map(([to, key]) => (
              <li key={to}>
                <NavLink to={to} end={to === '/'}>{t(key)}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          {session.data && (
            <span className="who">
              {t('app.signedInAs', { email: session.data.user.email, tenant: currentTenant(session.data)?.displayName ?? session.data.tenantName })}
            </span>
          )}
          <LanguageSwitch />
          <button type="button" className="secondary small" onClick={signOut}>{t('app.signOut')}</button>
        </div>
      </header>
      <main id="main" ref={main}>
        {session.data && <BillingBanner />}
        {session.data && <TenantSwitcher key={session.data.tenantId} session={session.data} />}
        <Outlet />
      </main>
    </>
  );
}

/** Pages for people who are not signed in: sign-up, sign-in, confirmation, reset. */
export function PublicLayout() {
  const { t } = useTranslation();
  return (
    <>
      <header className="top public">
        <div className="brand">{t('app.name')}</div>
        <LanguageSwitch />
      </header>
      <main id="main" className="narrow">
        <Outlet />
      </main>
    </>
  );
}
