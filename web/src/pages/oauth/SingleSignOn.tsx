import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError, call } from '../../api/client';
import type { IdentityProvider } from '../../api/types';
import { Page } from '../../Layout';
import { Field } from '../../components/Field';
import { CopyButton } from '../../components/CopyButton';
import { Problem, fieldError } from '../../components/Problem';
import { ConfirmButton } from '../../components/ConfirmButton';
import { formatDate } from '../../format';
import { OAuthNav, ReadProblem, isOAuthOff } from './common';

const key = ['oauth', 'identity-provider'] as const;
const fields = ['displayName', 'issuer', 'clientId', 'clientSecret'] as const;
type Form = Record<(typeof fields)[number], string>;
const empty: Form = { displayName: '', issuer: '', clientId: '', clientSecret: '' };

/** The tenant's OpenID Connect provider: null when none is connected (the API's 404 "not found"). */
async function readProvider(): Promise<IdentityProvider | null> {
  try {
    return await call<IdentityProvider>(api.GET('/api/v1/identity-provider'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && !isOAuthOff(error)) return null;
    throw error;
  }
}

export function SingleSignOnPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const provider = useQuery({ queryKey: key, queryFn: readProvider });
  const [form, setForm] = useState<Form>(empty);
  useEffect(() => {
    // The secret is never read back: it is typed again with every change.
    if (provider.data) setForm({ displayName: provider.data.displayName, issuer: provider.data.issuer, clientId: provider.data.clientId, clientSecret: '' });
  }, [provider.data]);
  const save = useMutation({
    mutationFn: () => call<IdentityProvider>(api.PUT('/api/v1/identity-provider', { body: form })),
    onSuccess: (saved) => {
      remove.reset();
      client.setQueryData(key, saved);
    },
  });
  const remove = useMutation({
    mutationFn: () => call(api.DELETE('/api/v1/identity-provider')),
    onSuccess: () => {
      save.reset();
      setForm(empty);
      client.setQueryData(key, null);
    },
  });
  const set = (name: keyof Form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [name]: e.target.value });
  const connected = provider.data;
  return (
    <Page title={t('oauth.sso.title')}>
      <OAuthNav />
      <p>{t('oauth.sso.intro')}</p>
      <p>{t('oauth.sso.who')}</p>
      <ReadProblem error={provider.error} />
      {save.isSuccess && <p role="status" className="success">{t('oauth.sso.saved')}</p>}
      {remove.isSuccess && <p role="status" className="success">{t('oauth.sso.removed')}</p>}
      <Problem error={remove.error} />
      {provider.data === null && <p>{t('oauth.sso.none')}</p>}
      {connected && (
        <>
          <p>{t('oauth.sso.connected', { name: connected.displayName, date: formatDate(connected.createdAt) })}</p>
          <dl className="record-box oauth-facts">
            <dt>{t('oauth.sso.redirect')}</dt>
            <dd><span className="mono">{connected.redirectUri}</span> <CopyButton value={connected.redirectUri} what={t('oauth.sso.redirect')} /></dd>
          </dl>
        </>
      )}
      {provider.data !== undefined && (
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); save.mutate(); }} noValidate>
          <Problem error={save.error} fields={[...fields]} />
          <Field label={t('oauth.sso.displayName')} value={form.displayName} onChange={set('displayName')} required hint={t('oauth.sso.displayNameHint')} error={fieldError(save.error, 'displayName')} />
          <Field label={t('oauth.sso.issuer')} type="url" inputMode="url" value={form.issuer} onChange={set('issuer')} required hint={t('oauth.sso.issuerHint')} error={fieldError(save.error, 'issuer')} />
          <Field label={t('oauth.sso.clientId')} value={form.clientId} onChange={set('clientId')} required autoComplete="off" error={fieldError(save.error, 'clientId')} />
          <Field label={t('oauth.sso.clientSecret')} type="password" value={form.clientSecret} onChange={set('clientSecret')} required autoComplete="new-password" hint={t('oauth.sso.clientSecretHint')} error={fieldError(save.error, 'clientSecret')} />
          <div className="toolbar">
            <button type="submit" disabled={save.isPending}>{t('oauth.sso.save')}</button>
            {connected && (
              <ConfirmButton what={connected.displayName} question={t('oauth.sso.removeConfirm', { name: connected.displayName })} action={t('oauth.sso.removeAction')}
                disabled={remove.isPending} onConfirm={() => remove.mutate()}>
                {t('oauth.sso.remove')}
              </ConfirmButton>
            )}
          </div>
        </form>
      )}
    </Page>
  );
}
