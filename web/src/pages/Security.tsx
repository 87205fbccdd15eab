import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call, setCsrfToken } from '../api/client';
import type { List, Session } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { QrCode } from '../components/QrCode';
import { Problem, fieldError } from '../components/Problem';
import { formatDate } from '../format';
import { Pager, usePaging } from '../components/Pager';

function RecoveryCodes({ codes }: { codes: string[] }) {
  const { t } = useTranslation();
  return (
    <div className="secret" role="status">
      <h3>{t('security.codesTitle')}</h3>
      <p>{t('security.codesIntro')}</p>
      <ul className="codes mono" data-testid="recovery-codes">
        {codes.map((c) => <li key={c}>{c}</li>)}
      </ul>
    </div>
  );
}

function TwoFactor() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const account = useQuery({ queryKey: ['account'], queryFn: () => call(api.GET('/api/v1/account')) });
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const setup = useMutation({ mutationFn: () => call(api.POST('/api/v1/account/2fa/setup')) });
  const enable = useMutation({
    mutationFn: () => call(api.POST('/api/v1/account/2fa/enable', { body: { code: code.replace(/\s/g, '') } })),
    onSuccess: () => {
      setup.reset();
      setCode('');
      void client.invalidateQueries({ queryKey: ['account'] });
    },
  });
  const disable = useMutation({
    mutationFn: () => call(api.POST('/api/v1/account/2fa/disable', { body: { password } })),
    onSuccess: () => {
      setPassword('');
      enable.reset();
      void client.invalidateQueries({ queryKey: ['account'] });
    },
  });
  const on = account.data?.user.twoFactorEnabled;
  return (
    <section aria-labelledby="two-factor">
      <h2 id="two-factor">{t('security.twoFactor')}</h2>
      <Problem error={account.error ?? setup.error} />
      {enable.data && <RecoveryCodes codes={enable.data.recoveryCodes} />}
      {account.data && (on ? <p>{t('security.twoFactorOn', { count: account.data.recoveryCodesLeft })}</p> : <p>{t('security.twoFactorOff')}</p>)}
      {account.data && !on && !setup.data && (
        <button type="button" onClick={() => setup.mutate()} disabled={setup.isPending}>{t('security.start')}</button>
      )}
      {setup.data && (
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); enable.mutate(); }} noValidate>
          <p>{t('security.scan')}</p>
          <QrCode text={setup.data.keyUri} label={t('security.qr')} />
          <p>
            {t('security.key')}: <span className="mono" data-testid="totp-secret">{setup.data.secret}</span>
          </p>
          <Problem error={enable.error} fields={['code']} />
          <Field label={t('security.code')} name="code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} error={fieldError(enable.error, 'code')} />
          <button type="submit" disabled={enable.isPending}>{t('security.enable')}</button>
        </form>
      )}
      {on && (
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); disable.mutate(); }} noValidate className="inline">
          <Problem error={disable.error} fields={['password']} />
          <Field label={t('security.disablePassword')} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={fieldError(disable.error, 'password')} />
          <button type="submit" className="danger" disabled={disable.isPending}>{t('security.disable')}</button>
        </form>
      )}
    </section>
  );
}

function Sessions() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const paging = usePaging(25);
  const sessions = useQuery({
    queryKey: ['sessions', paging.offset],
    queryFn: () => call<List<Session>>(api.GET('/api/v1/account/sessions', { params: { query: { offset: paging.offset, limit: paging.limit } } })),
    placeholderData: keepPreviousData,
  });
  const end = useMutation({
    mutationFn: (id: number) => call(api.DELETE('/api/v1/account/sessions/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['sessions'] }),
  });
  return (
    <section aria-labelledby="sessions">
      <h2 id="sessions">{t('security.sessions')}</h2>
      <Problem error={sessions.error ?? end.error} />
      {sessions.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('security.browser')}</th>
              <th scope="col">{t('security.address')}</th>
              <th scope="col">{t('security.lastSeen')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.items.map((s) => (
              <tr key={s.id}>
                <td data-label={t('security.browser')}>{s.userAgent}</td>
                <td data-label={t('security.address')}>{s.remoteAddress}</td>
                <td data-label={t('security.lastSeen')}>{formatDate(s.lastSeenAt)}</td>
                <td className="actions">
                  {s.current ? t('security.current') : (
                    <button type="button" className="small secondary" onClick={() => end.mutate(s.id)}>
                      {t('security.endSession')} <span className="visually-hidden">{s.userAgent} {s.remoteAddress}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sessions.data && <Pager offset={paging.offset} limit={paging.limit} total={sessions.data.total} onChange={paging.setOffset} label={t('security.sessions')} />}
    </section>
  );
}

function ChangePassword() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [form, setForm] = useState({ currentPassword: '', newPassword: '' });
  const change = useMutation({
    mutationFn: () => call(api.POST('/api/v1/account/password', { body: form })),
    onSuccess: () => {
      // The API ends every session on a password change.
      setCsrfToken(null);
      client.clear();
      navigate('/login');
    },
  });
  return (
    <section aria-labelledby="change-password">
      <h2 id="change-password">{t('security.changePassword')}</h2>
      <form onSubmit={(e: FormEvent) => { e.preventDefault(); change.mutate(); }} noValidate>
        <Problem error={change.error} fields={['currentPassword', 'newPassword']} />
        <Field label={t('security.currentPassword')} type="password" autoComplete="current-password" value={form.currentPassword} onChange={(e) => setForm({ ...form, currentPassword: e.target.value })} error={fieldError(change.error, 'currentPassword')} />
        <Field label={t('security.newPassword')} type="password" autoComplete="new-password" value={form.newPassword} onChange={(e) => setForm({ ...form, newPassword: e.target.value })} error={fieldError(change.error, 'newPassword')} />
        <button type="submit" disabled={change.isPending}>{t('security.changePassword')}</button>
      </form>
    </section>
  );
}

export function SecurityPage() {
  const { t } = useTranslation();
  return (
    <Page title={t('security.title')}>
      <TwoFactor />
      <Sessions />
      <ChangePassword />
    </Page>
  );
}
