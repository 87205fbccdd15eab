import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { Problem, fieldError } from '../components/Problem';
import { PasswordRules } from '../components/PasswordRules';
import { TenantNameRules } from '../components/TenantNameRules';

export function SignUpPage() {
  const { t } = useTranslation();
  const [form, setForm] = useState({ tenantDisplayName: '', tenantName: '', email: '', password: '', displayName: '' });
  const signUp = useMutation({
    mutationFn: () => call(api.POST('/api/v1/auth/signup', { body: { ...form, tenantDisplayName: form.tenantDisplayName.trim() || null, displayName: form.displayName || null } })),
  });
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [key]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signUp.mutate();
  };
  if (signUp.isSuccess) {
    return (
      <Page title={t('signup.doneTitle')}>
        <p role="status">{t('signup.done', { email: form.email })}</p>
        <p><Link to="/login">{t('signup.signIn')}</Link></p>
      </Page>
    );
  }
  const fields = ['tenantDisplayName', 'tenantName', 'email', 'password', 'displayName'];
  return (
    <Page title={t('signup.title')}>
      <p>{t('signup.intro')}</p>
      <form onSubmit={submit} noValidate>
        <Problem error={signUp.error} fields={fields} />
        <Field label={t('signup.tenantDisplayName')} name="tenantDisplayName" value={form.tenantDisplayName} onChange={set('tenantDisplayName')} autoComplete="organization"
          hint={t('signup.tenantDisplayHint')} error={fieldError(signUp.error, 'tenantDisplayName')} />
        <Field label={t('signup.tenantName')} name="tenantName" value={form.tenantName} onChange={set('tenantName')} required autoComplete="off" autoCapitalize="none" spellCheck={false}
          hint={<><span>{t('signup.tenantHint')}</span><TenantNameRules value={form.tenantName} /></>} error={fieldError(signUp.error, 'tenantName')} />
        <Field label={`${t('signup.ownerName')} ${t('common.optional')}`} name="displayName" value={form.displayName} onChange={set('displayName')} autoComplete="name" error={fieldError(signUp.error, 'displayName')} />
        <Field label={t('signup.email')} name="email" type="email" value={form.email} onChange={set('email')} required autoComplete="email" error={fieldError(signUp.error, 'email')} />
        <Field label={t('signup.password')} name="password" type="password" value={form.password} onChange={set('password')} required autoComplete="new-password"
          hint={<PasswordRules password={form.password} />} error={fieldError(signUp.error, 'password')} />
        <button type="submit" disabled={signUp.isPending}>{t('signup.submit')}</button>
      </form>
      <p>{t('signup.haveAccount')} <Link to="/login">{t('signup.signIn')}</Link></p>
    </Page>
  );
}
