import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { Mailbox } from '../api/types';
import { Field } from '../components/Field';
import { PasswordRules } from '../components/PasswordRules';
import { Problem, fieldError } from '../components/Problem';
import { keys } from '../queries';

const GB = 1024 ** 3;

/** Quota in GB as people type it (comma or point), with up to two decimals shown. */
export const quotaText = (bytes: number) => String(Math.round((bytes / GB) * 100) / 100);
export const quotaBytes = (text: string) => Math.round(Number(text.replace(',', '.')) * GB);

/**
 * Edits one mailbox in place: display name, quota and whether it may sign in (PATCH), and a new
 * password (PUT .../password) in a form of its own, so a refused password never loses the other
 * changes. The API's field errors show under their fields.
 */
export function MailboxEdit({ mailbox, onDone }: { mailbox: Mailbox; onDone: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [form, setForm] = useState({ displayName: mailbox.displayName ?? '', quotaGb: quotaText(mailbox.quotaBytes), enabled: mailbox.state === 'active' });
  const [password, setPassword] = useState('');
  const save = useMutation({
    mutationFn: () =>
      call<Mailbox>(api.PATCH('/api/v1/mailboxes/{id}', {
        params: { path: { id: mailbox.id } },
        body: { displayName: form.displayName, quotaBytes: quotaBytes(form.quotaGb), enabled: form.enabled },
      })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.mailboxes });
      void client.invalidateQueries({ queryKey: keys.tenant });
      onDone();
    },
  });
  const reset = useMutation({
    mutationFn: () => call(api.PUT('/api/v1/mailboxes/{id}/password', { params: { path: { id: mailbox.id } }, body: { password } })),
    onSuccess: () => setPassword(''),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const submitPassword = (e: FormEvent) => {
    e.preventDefault();
    reset.mutate();
  };
  const id = `edit-${mailbox.id}`;
  return (
    <div className="editor" role="group" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('mailboxes.editTitle', { address: mailbox.address })}</h3>
      <form onSubmit={submit} noValidate>
        <Problem error={save.error} fields={['displayName', 'quotaBytes']} />
        <Field label={t('common.displayName')} name="displayName" value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} error={fieldError(save.error, 'displayName')} />
        <Field label={t('mailboxes.quota')} name="quota" inputMode="decimal" value={form.quotaGb} onChange={(e) => setForm({ ...form, quotaGb: e.target.value })} hint={t('mailboxes.quotaHint')} error={fieldError(save.error, 'quotaBytes')} />
        <div className="checkbox">
          <input id={`${id}-enabled`} type="checkbox" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} aria-describedby={`${id}-enabled-hint`} />
          <label htmlFor={`${id}-enabled`}>{t('mailboxes.enabled')}</label>
          <div id={`${id}-enabled-hint`} className="hint">{t('mailboxes.enabledHint')}</div>
        </div>
        <div className="toolbar">
          <button type="submit" disabled={save.isPending}>{t('common.save')}</button>
          <button type="button" className="secondary" onClick={onDone}>{t('common.cancel')}</button>
        </div>
      </form>
      <form onSubmit={submitPassword} noValidate>
        <Problem error={reset.error} fields={['password']} />
        <Field label={t('mailboxes.newPassword')} name="newPassword" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password"
          hint={<PasswordRules password={password} address={mailbox.address} />} error={fieldError(reset.error, 'password')} />
        <button type="submit" className="secondary" disabled={reset.isPending || !password}>{t('mailboxes.setPassword')}</button>
        {reset.isSuccess && <p role="status" className="success">{t('mailboxes.passwordSet')}</p>}
      </form>
    </div>
  );
}
