import { useState, type FormEvent } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { List, User } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { Problem, fieldError } from '../components/Problem';
import { Pager, usePaging } from '../components/Pager';

const roles = ['owner', 'admin', 'billing', 'read_only'] as const;

export function UsersPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const paging = usePaging(25);
  const users = useQuery({
    queryKey: ['users', paging.offset],
    queryFn: () => call<List<User>>(api.GET('/api/v1/users', { params: { query: { offset: paging.offset, limit: paging.limit } } })),
    placeholderData: keepPreviousData,
  });
  const [form, setForm] = useState({ email: '', displayName: '', role: 'admin' });
  const invite = useMutation({
    mutationFn: () => call<User>(api.POST('/api/v1/users', { body: { ...form, displayName: form.displayName || null } })),
    onSuccess: () => {
      setForm({ email: '', displayName: '', role: 'admin' });
      void client.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const setRole = useMutation({
    mutationFn: ({ id, role }: { id: number; role: string; email: string }) => call(api.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body: { role } })),
    onSettled: () => client.invalidateQueries({ queryKey: ['users'] }),
  });
  const remove = useMutation({
    mutationFn: (id: number) => call(api.DELETE('/api/v1/users/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }),
  });
  return (
    <Page title={t('users.title')}>
      <Problem error={users.error ?? setRole.error ?? remove.error} />
      {setRole.isSuccess && (
        <p role="status" className="success">{t('usersRole.changed', { email: setRole.variables.email, role: t(`users.roles.${setRole.variables.role}`) })}</p>
      )}
      {users.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('common.email')}</th>
              <th scope="col">{t('common.displayName')}</th>
              <th scope="col">{t('users.role')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {users.data.items.map((u) => (
              <tr key={u.id}>
                <td data-label={t('common.email')}>
                  {u.email} {u.status === 'invited' && <span className="badge pending">{t('users.pending')}</span>}
                  {u.twoFactorEnabled && <span className="badge ok">{t('users.twoFactor')}</span>}
                </td>
                <td data-label={t('common.displayName')}>{u.displayName}</td>
                <td data-label={t('users.role')}>
                  <select aria-label={`${t('users.role')} ${u.email}`} value={u.role} onChange={(e) => setRole.mutate({ id: u.id, role: e.target.value, email: u.email })}>
                    {roles.map((r) => <option key={r} value={r}>{t(`users.roles.${r}`)}</option>)}
                  </select>
                </td>
                <td className="actions">
                  <button type="button" className="danger small" onClick={() => window.confirm(t('common.confirmDelete', { name: u.email })) && remove.mutate(u.id)}>
                    {t('common.delete')}<span className="visually-hidden"> {u.email}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {users.data && <Pager offset={paging.offset} limit={paging.limit} total={users.data.total} onChange={paging.setOffset} label={t('users.title')} />}
      <section aria-labelledby="invite">
        <h2 id="invite">{t('users.invite')}</h2>
        {invite.data && <p role="status" className="success">{t('users.invited', { email: invite.data.email })}</p>}
        <form onSubmit={(e: FormEvent) => { e.preventDefault(); invite.mutate(); }} noValidate>
          <Problem error={invite.error} fields={['email', 'displayName', 'role']} />
          <Field label={t('common.email')} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required error={fieldError(invite.error, 'email')} />
          <Field label={`${t('common.displayName')} ${t('common.optional')}`} value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} error={fieldError(invite.error, 'displayName')} />
          <div className="field">
            <label htmlFor="invite-role">{t('users.role')}</label>
            <select id="invite-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
              {roles.map((r) => <option key={r} value={r}>{t(`users.roles.${r}`)}</option>)}
            </select>
          </div>
          <button type="submit" disabled={invite.isPending}>{t('users.submit')}</button>
        </form>
      </section>
    </Page>
  );
}
