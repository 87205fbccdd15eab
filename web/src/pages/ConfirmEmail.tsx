import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import { Page } from '../Layout';
import { Field } from '../components/Field';

/** The mailed link is /confirm-email#token=...: the token stays in the fragment, never sent to a server log. */
export function tokenFromHash(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token');
}

export function ConfirmEmailPage() {
  const { t } = useTranslation();
  const token = tokenFromHash(window.location.hash);
  const started = useRef(false);
  const confirm = useMutation({ mutationFn: (value: string) => call(api.POST('/api/v1/auth/confirm-email', { body: { token: value } })) });
  const [email, setEmail] = useState('');
  const resend = useMutation({ mutationFn: () => call(api.POST('/api/v1/auth/confirm-email/resend', { body: { email } })) });
  useEffect(() => {
    if (token && !started.current) {
      started.current = true;
      confirm.mutate(token);
    }
  }, [token, confirm]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    resend.mutate();
  };
  return (
    <Page title={t('confirm.title')}>
      {!token && <p>{t('confirm.noToken')}</p>}
      {confirm.isPending && <p role="status">{t('confirm.working')}</p>}
      {confirm.isSuccess && (
        <p role="status" className="success">
          {t('confirm.done')} <Link to="/login">{t('login.submit')}</Link>
        </p>
      )}
      {(confirm.isError || !token) && (
        <>
          {confirm.isError && <p role="alert" className="problem">{t('confirm.failed')}</p>}
          <form onSubmit={submit}>
            <Field label={t('common.email')} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="email" />
            <button type="submit" disabled={resend.isPending}>{t('confirm.resend')}</button>
            {resend.isSuccess && <p role="status">{t('confirm.resent')}</p>}
          </form>
        </>
      )}
    </Page>
  );
}
