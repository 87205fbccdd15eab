import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError, call } from '../api/client';
import type { SessionInfo, SsoStart } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { Problem, fieldError } from '../components/Problem';
import { useSessionEnded, useSignedIn } from '../auth';

/** Why single sign-on came back to this page (?sso=...), as the portal's redemption names it. */
const ssoFailures = ['expired', 'used', 'invalid', 'no-account', 'suspended', 'unavailable'] as const;

/** Leaving the app for the organisation's sign-in page; a seam for tests (jsdom cannot navigate). */
export const browser = {
  go(url: string): void {
    window.location.assign(url);
  },
};

export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const signedIn = useSignedIn();
  const [sessionEnded] = useSessionEnded();
  const [form, setForm] = useState({ email: '', password: '', totpCode: '', recoveryCode: '' });
  const from = (location.state as { from?: string } | null)?.from;
  const [secondFactor, setSecondFactor] = useState<'none' | 'totp' | 'recovery'>('none');
  const login = useMutation({
    mutationFn: () =>
      call<SessionInfo>(api.POST('/api/v1/auth/login', {
        body: {
          email: form.email,
          password: form.password,
          totpCode: secondFactor === 'totp' ? form.totpCode.replace(/\s/g, '') : null,
          recoveryCode: secondFactor === 'recovery' ? form.recoveryCode.trim() : null,
          tenantId: null,
        },
      })),
    onSuccess: (session) => {
      signedIn(session);
      navigate(from && from !== '/login' ? from : '/', { replace: true });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'two-factor-required') setSecondFactor((s) => (s === 'none' ? 'totp' : s));
    },
  });
  // Single sign-on: the API answers where the organisation's provider starts; the browser goes
  // there and comes back signed in (docs/portal.md). No password; the address picks the provider.
  const sso = useMutation({
    mutationFn: () =>
      call<SsoStart>(api.POST('/api/v1/auth/sso', { body: { email: form.email.trim(), returnTo: from && from !== '/login' ? from : null } })),
    onSuccess: (start) => browser.go(start.location),
  });
  const ssoFailure = ssoFailures.find((code) => new URLSearchParams(location.search).get('sso') === code);
  const emailError = fieldError(login.error, 'email')
    ?? (sso.error instanceof ApiError && sso.error.code === 'sso-unavailable' ? t('login.ssoUnavailable') : fieldError(sso.error, 'email'));
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [key]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    sso.reset();
    login.mutate();
  };
  const needsCode = login.error instanceof ApiError && login.error.code === 'two-factor-required';
  return (
    <Page title={t('login.title')}>
      {sessionEnded && <p className="problem" role="alert">{t('app.sessionEnded')}</p>}
      {ssoFailure && sso.isIdle && login.isIdle && <p className="problem" role="alert">{t(`login.ssoFailed.${ssoFailure}`)}</p>}
      <form onSubmit={submit} noValidate>
        {!needsCode && <Problem error={login.error} fields={['email', 'password']} />}
        <Problem error={sso.error} fields={['email']} />
        <Field label={t('login.email')} name="email" type="email" value={form.email} onChange={set('email')} required autoComplete="username" error={emailError} />
        <Field label={t('login.password')} name="password" type="password" value={form.password} onChange={set('password')} required autoComplete="current-password" />
        {secondFactor !== 'none' && (
          <fieldset>
            <legend>{t('login.secondFactor')}</legend>
            {secondFactor === 'totp' ? (
              <Field label={t('login.totp')} name="totpCode" inputMode="numeric" autoComplete="one-time-code" value={form.totpCode} onChange={set('totpCode')} hint={t('login.totpHint')} autoFocus />
            ) : (
              <Field label={t('login.recovery')} name="recoveryCode" autoComplete="off" value={form.recoveryCode} onChange={set('recoveryCode')} hint={t('login.recoveryHint')} autoFocus />
            )}
            <button type="button" className="link" onClick={() => setSecondFactor(secondFactor === 'totp' ? 'recovery' : 'totp')}>
              {secondFactor === 'totp' ? t('login.useRecovery') : t('login.useTotp')}
            </button>
          </fieldset>
        )}
        <button type="submit" disabled={login.isPending}>{t('login.submit')}</button>
        <p className="hint">{t('login.or')}</p>
        <button type="button" className="secondary" disabled={sso.isPending || sso.isSuccess} aria-describedby="sso-hint"
          onClick={() => { login.reset(); sso.mutate(); }}>
          {t('login.sso')}
        </button>
        <p id="sso-hint" className="hint">{t('login.ssoHint')}</p>
      </form>
      <p>
        <Link to="/forgot-password">{t('login.forgot')}</Link>
      </p>
      <p>
        {t('login.noAccount')} <Link to="/signup">{t('login.signUp')}</Link>
      </p>
    </Page>
  );
}
