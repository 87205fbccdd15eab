import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError, call } from '../api/client';
import type { SessionInfo } from '../api/types';
import { useSignedIn } from '../auth';
import { Field } from './Field';
import { Problem } from './Problem';

/**
 * Switches to another tenant of the account. The API has no switch call: switching is signing in
 * again with the tenant's id (POST /auth/login with tenantId), which asks for the password (and
 * the second factor when it is on) again. Shown only when the session lists several tenants.
 */
export function TenantSwitcher({ session }: { session: SessionInfo }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const signedIn = useSignedIn();
  const [chosen, setChosen] = useState(session.tenantId);
  const [password, setPassword] = useState('');
  const [totpCode, setTotpCode] = useState('');
  const reset = () => {
    setChosen(session.tenantId);
    setPassword('');
    setTotpCode('');
  };
  const signIn = useMutation({
    mutationFn: () =>
      call<SessionInfo>(api.POST('/api/v1/auth/login', {
        body: { email: session.user.email, password, tenantId: chosen, totpCode: totpCode ? totpCode.replace(/\s/g, '') : null, recoveryCode: null },
      })),
    onSuccess: (next) => {
      signedIn(next);
      setPassword('');
      setTotpCode('');
      navigate('/');
    },
  });
  const tenants = session.tenants ?? [];
  if (tenants.length < 2) return null;
  const needsCode = signIn.error instanceof ApiError && (signIn.error.code === 'two-factor-required' || signIn.error.code === 'two-factor-failed');
  const target = tenants.find((tenant) => tenant.id === chosen);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate();
  };
  return (
    <form className="tenant-switch" onSubmit={submit} noValidate aria-label={t('switch.title')}>
      <div className="field">
        <label htmlFor="tenant-switch">{t('switch.tenant')}</label>
        <select id="tenant-switch" value={chosen} onChange={(e) => { setChosen(Number(e.target.value)); signIn.reset(); }}>
          {tenants.map((tenant) => (
            <option key={tenant.id} value={tenant.id}>{tenant.displayName} ({tenant.name})</option>
          ))}
        </select>
      </div>
      {target && chosen !== session.tenantId && (
        <>
          <p className="hint">{t('switch.why', { tenant: target.displayName })}</p>
          {!needsCode && <Problem error={signIn.error} />}
          <Field label={t('login.password')} name="switch-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required autoFocus />
          {needsCode && (
            <Field label={t('login.totp')} name="switch-totp" inputMode="numeric" autoComplete="one-time-code" value={totpCode} onChange={(e) => setTotpCode(e.target.value)}
              hint={t('login.totpHint')} error={signIn.error instanceof ApiError && signIn.error.code === 'two-factor-failed' ? t('problems.two-factor-failed') : undefined} autoFocus />
          )}
          <div className="toolbar">
            <button type="submit" disabled={signIn.isPending}>{t('switch.submit', { tenant: target.displayName })}</button>
            <button type="button" className="secondary" onClick={() => { reset(); signIn.reset(); }}>{t('common.cancel')}</button>
          </div>
        </>
      )}
    </form>
  );
}
