import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { AppPassword, List, Mailbox } from '../api/types';
import { Page } from '../Layout';
import { Field } from '../components/Field';
import { CopyButton } from '../components/CopyButton';
import { QrCode } from '../components/QrCode';
import { Problem, fieldError } from '../components/Problem';
import { formatDate } from '../format';
import { keys } from '../queries';

export interface ServerSetting {
  direction: 'incoming' | 'outgoing';
  type: string;
  hostname: string;
  port: string;
  socketType: string;
}

/** Reads Thunderbird's autoconfig answer: the same servers every client is told about. */
export function parseAutoconfig(xml: string): ServerSetting[] {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const servers: ServerSetting[] = [];
  for (const element of Array.from(doc.querySelectorAll('incomingServer, outgoingServer'))) {
    const text = (name: string) => element.querySelector(name)?.textContent ?? '';
    servers.push({
      direction: element.tagName === 'incomingServer' ? 'incoming' : 'outgoing',
      type: element.getAttribute('type') ?? '',
      hostname: text('hostname'),
      port: text('port'),
      socketType: text('socketType') === 'SSL' ? 'TLS' : text('socketType'),
    });
  }
  return servers;
}

export function SetupPage() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const client = useQueryClient();
  const mailbox = useQuery({ queryKey: keys.mailbox(id), queryFn: () => call<Mailbox>(api.GET('/api/v1/mailboxes/{id}', { params: { path: { id } } })) });
  const address = mailbox.data?.address;
  const settings = useQuery({
    queryKey: ['autoconfig', address],
    enabled: !!address,
    queryFn: async () => {
      const response = await fetch(`/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(address!)}`);
      return response.ok ? parseAutoconfig(await response.text()) : [];
    },
  });
  const appPasswords = useQuery({
    queryKey: keys.appPasswords(id),
    queryFn: () => call<List<AppPassword>>(api.GET('/api/v1/mailboxes/{id}/app-passwords', { params: { path: { id } } })),
  });
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => call(api.POST('/api/v1/mailboxes/{id}/app-passwords', { params: { path: { id } }, body: { name } })),
    onSuccess: () => {
      setName('');
      void client.invalidateQueries({ queryKey: keys.appPasswords(id) });
    },
  });
  const revoke = useMutation({
    mutationFn: (appPasswordId: number) => call(api.DELETE('/api/v1/mailboxes/{id}/app-passwords/{appPasswordId}', { params: { path: { id, appPasswordId } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.appPasswords(id) }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Page title={t('setup.title', { address: address ?? '…' })}>
      <Problem error={mailbox.error ?? appPasswords.error ?? revoke.error} />
      <section aria-labelledby="auto">
        <h2 id="auto">{t('setup.auto')}</h2>
        <p>{t('setup.autoIntro')}</p>
      </section>
      <section aria-labelledby="servers">
        <h2 id="servers">{t('setup.servers')}</h2>
        {settings.data && settings.data.length === 0 && <p>{t('setup.noConfig')}</p>}
        {settings.data && settings.data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('setup.protocol')}</th>
                <th scope="col">{t('setup.server')}</th>
                <th scope="col">{t('setup.port')}</th>
                <th scope="col">{t('setup.security')}</th>
                <th scope="col">{t('setup.username')}</th>
              </tr>
            </thead>
            <tbody>
              {settings.data.map((s) => (
                <tr key={`${s.type}-${s.port}`}>
                  <td data-label={t('setup.protocol')}>{s.direction === 'incoming' ? t('setup.incoming', { type: s.type.toUpperCase() }) : t('setup.outgoing')}</td>
                  <td data-label={t('setup.server')} className="mono">{s.hostname}</td>
                  <td data-label={t('setup.port')}>{s.port}</td>
                  <td data-label={t('setup.security')}>{s.socketType}</td>
                  <td data-label={t('setup.username')} className="mono">{address}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="app-passwords">
        <h2 id="app-passwords">{t('setup.appPasswords')}</h2>
        <p>{t('setup.appIntro')}</p>
        {create.data && (
          <div className="secret" role="status">
            <h3>{t('setup.appCreated', { name: create.data.appPassword.name })}</h3>
            <p>{t('setup.appOnce')}</p>
            <p className="mono big" data-testid="app-password">
              {create.data.password} <CopyButton value={create.data.password} what={t('setup.appCreated', { name: create.data.appPassword.name })} />
            </p>
            <QrCode text={create.data.password} label={t('setup.qr')} />
          </div>
        )}
        <form onSubmit={submit} noValidate className="inline">
          <Problem error={create.error} fields={['name']} />
          <Field label={t('setup.appName')} name="appName" value={name} onChange={(e) => setName(e.target.value)} hint={t('setup.appNameHint')} error={fieldError(create.error, 'name')} />
          <button type="submit" disabled={create.isPending}>{t('setup.createApp')}</button>
        </form>
        {appPasswords.data && appPasswords.data.items.length === 0 && <p>{t('setup.noApp')}</p>}
        {appPasswords.data && appPasswords.data.items.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('common.name')}</th>
                <th scope="col">{t('common.created')}</th>
                <th scope="col">{t('common.lastUsed')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {appPasswords.data.items.map((a) => (
                <tr key={a.id}>
                  <td data-label={t('common.name')}>{a.name}</td>
                  <td data-label={t('common.created')}>{formatDate(a.createdAt)}</td>
                  <td data-label={t('common.lastUsed')}>{a.lastUsedAt ? formatDate(a.lastUsedAt) : t('common.never')}</td>
                  <td className="actions">
                    <button type="button" className="danger small" onClick={() => revoke.mutate(a.id)}>
                      {t('setup.revoke')}<span className="visually-hidden"> {a.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {address && (
        <section aria-labelledby="apple">
          <h2 id="apple">{t('setup.apple')}</h2>
          <p>{t('setup.appleIntro')}</p>
          <a className="button secondary" href={`/api/v1/autoconfig/apple.mobileconfig?emailaddress=${encodeURIComponent(address)}`} download>
            {t('setup.appleDownload')}
          </a>
        </section>
      )}
    </Page>
  );
}
