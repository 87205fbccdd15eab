import { useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { Domain, DomainRecords, RecordCheck, VerificationResult } from '../api/types';
import { Page } from '../Layout';
import { CopyButton } from '../components/CopyButton';
import { Problem } from '../components/Problem';
import { formatDate } from '../format';
import { keys } from '../queries';

const purposes = ['ownership', 'mx', 'spf', 'dkim', 'dmarc', 'mta-sts', 'mta-sts-host', 'tls-rpt', 'autoconfig', 'autodiscover', 'srv'];

function RecordRow({ record }: { record: RecordCheck }) {
  const { t } = useTranslation();
  const purpose = purposes.includes(record.kind) ? t(`records.purpose.${record.kind}`) : t('records.purpose.other');
  return (
    <tr className={`record ${record.status}`}>
      <td data-label={t('records.type')}>{record.type}</td>
      <td data-label={t('records.host')} className="mono">
        <span className="value">{record.name}</span> <CopyButton value={record.name} what={`${record.type} ${t('records.host')}`} />
      </td>
      <td data-label={t('records.value')} className="mono">
        <span className="value">{record.expected}</span> <CopyButton value={record.expected} what={`${record.type} ${t('records.value')} ${record.name}`} />
        <p className="purpose">{purpose}{!record.required && ` (${t('records.optional')})`}</p>
      </td>
      <td data-label={t('records.status')}>
        <span className={`badge ${record.status}${record.required ? '' : ' optional'}`}>{t(`records.st.${record.status}`)}</span>
        {record.status !== 'ok' && (
          <p className="found">{record.found.length > 0 ? t('records.found', { values: record.found.join(', ') }) : t('records.foundNothing')}</p>
        )}
        {record.status === 'wrong' && record.note && <p className="note">{t('records.note', { note: record.note })}</p>}
      </td>
    </tr>
  );
}

export function RecordsPage() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const client = useQueryClient();
  const domain = useQuery({ queryKey: keys.domain(id), queryFn: () => call<Domain>(api.GET('/api/v1/domains/{id}', { params: { path: { id } } })) });
  const records = useQuery({
    queryKey: keys.records(id),
    queryFn: () => call<DomainRecords>(api.GET('/api/v1/domains/{id}/records', { params: { path: { id } } })),
  });
  const verify = useMutation({
    mutationFn: () => call<VerificationResult>(api.POST('/api/v1/domains/{id}/verify', { params: { path: { id } } })),
    onSuccess: (result) => {
      client.setQueryData(keys.domain(id), result.domain);
      void client.invalidateQueries({ queryKey: keys.domains, exact: true });
      void client.invalidateQueries({ queryKey: keys.records(id) });
    },
  });
  const checkNow = () => {
    if (domain.data?.state === 'pending') verify.mutate();
    else void records.refetch();
  };
  const d = domain.data;
  const busy = verify.isPending || records.isFetching;
  return (
    <Page title={t('records.title', { domain: d?.displayName ?? '…' })}>
      <Problem error={domain.error ?? records.error ?? verify.error} />
      {d && d.state === 'pending' && (
        <section aria-labelledby="ownership" className="callout">
          <h2 id="ownership">{t('records.verifyTitle')}</h2>
          <p>{t('records.verifyIntro')}</p>
          <dl className="record-box mono">
            <dt>{t('records.type')}</dt>
            <dd>TXT</dd>
            <dt>{t('records.host')}</dt>
            <dd><span className="value">{d.verificationRecord.name}</span> <CopyButton value={d.verificationRecord.name} what={`TXT ${t('records.host')}`} /></dd>
            <dt>{t('records.value')}</dt>
            <dd><span className="value">{d.verificationRecord.value}</span> <CopyButton value={d.verificationRecord.value} what={`TXT ${t('records.value')}`} /></dd>
          </dl>
        </section>
      )}
      {d && d.state === 'verified' && <p className="success">{t('records.verifiedAt', { date: formatDate(d.verifiedAt) })}</p>}
      {verify.data && (
        <p role="status" className={verify.data.verified ? 'success' : 'problem'}>
          {t(`records.verifyResult.${verify.data.verified ? 'ok' : verify.data.status ?? 'unknown'}`)}
        </p>
      )}
      <div className="toolbar">
        <button type="button" onClick={checkNow} disabled={busy} aria-describedby="records-intro">
          {busy ? t('records.checking') : t('records.checkNow')}
        </button>
        <a className="button secondary" href={`/api/v1/domains/${id}/zone`} download={`${d?.name ?? 'domain'}.zone`}>
          {t('records.download')}
        </a>
      </div>
      <p id="records-intro">{t('records.intro')}</p>
      {records.data && (
        <table className="records">
          <caption className="visually-hidden">{t('records.title', { domain: d?.displayName ?? records.data.domain })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('records.type')}</th>
              <th scope="col">{t('records.host')}</th>
              <th scope="col">{t('records.value')}</th>
              <th scope="col">{t('records.status')}</th>
            </tr>
          </thead>
          <tbody>
            {records.data.records.map((r, i) => <RecordRow key={`${r.kind}-${r.name}-${i}`} record={r} />)}
          </tbody>
        </table>
      )}
    </Page>
  );
}
