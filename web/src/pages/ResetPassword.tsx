import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { Problem, fieldError } from '../components/Problem';
import { PasswordRules } from '../components/PasswordRules';
import { tokenFromHash } from './ConfirmEmail';

export function RequestResetPage() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const request = useMutation({ mutationFn: () => call(api.POST('/api/v1/auth/password-reset', { body: { email } })) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    request.mutate();
  };
  return (
    <Page title={t('reset.requestTitle')}>
      <p>{t('reset.requestIntro')}</p>
      <form onSubmit={submit}>
        <Problem error={request.error} />
        <Field label={t('common.email')} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="email" />
        <button type="submit" disabled={request.isPending}>{t('reset.request')}</button>
      </form>
      {request.isSuccess && <p role="status">{t('reset.requested')}</p>}
    </Page>
  );
}

/** Also where an invited user chooses the first password (the invitation links here). */
export function ResetPasswordPage() {
  const { t } = useTranslation();
  const token = tokenFromHash(window.location.hash) ?? '';
  const [password, setPassword] = useState('');
  const reset = useMutation({ mutationFn: () => call(api.POST('/api/v1/auth/password-reset/confirm', { body: { token, newPassword: password } })) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    reset.mutate();
  };
  if (reset.isSuccess) {
    return (
      <Page title={t('reset.title')}>
        <p role="status">{t('reset.done')} <Link to="/login">{t('login.submit')}</Link></p>
      </Page>
    );
  }
  return (
    <Page title={t('reset.title')}>
      <form onSubmit={submit} noValidate>
        <Problem error={reset.error} fields={['newPassword']} />
        <Field label={t('reset.newPassword')} type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="new-password"
          hint={<PasswordRules password={password} />} error={fieldError(reset.error, 'newPassword') ?? fieldError(reset.error, 'password')} />
        <button type="submit" disabled={reset.isPending}>{t('reset.submit')}</button>
      </form>
    </Page>
  );
}
