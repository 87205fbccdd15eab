import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError, call } from '../api/client';
import type { SessionInfo } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { Problem, fieldError } from '../components/Problem';
import { useSessionEnded, useSignedIn } from '../auth';

export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const signedIn = useSignedIn();
  const [sessionEnded] = useSessionEnded();
  const [form, setForm] = useState({ email: '', password: '', totpCode: '', recoveryCode: '' });
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
      const from = (location.state as { from?: string } | null)?.from;
      navigate(from && from !== '/login' ? from : '/', { replace: true });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'two-factor-required') setSecondFactor((s) => (s === 'none' ? 'totp' : s));
    },
  });
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [key]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  const needsCode = login.error instanceof ApiError && login.error.code === 'two-factor-required';
  return (
    <Page title={t('login.title')}>
      {sessionEnded && <p className="problem" role="alert">{t('app.sessionEnded')}</p>}
      <form onSubmit={submit} noValidate>
        {!needsCode && <Problem error={login.error} fields={['email', 'password']} />}
        <Field label={t('login.email')} name="email" type="email" value={form.email} onChange={set('email')} required autoComplete="username" error={fieldError(login.error, 'email')} />
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
