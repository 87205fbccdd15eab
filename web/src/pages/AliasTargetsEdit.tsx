import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import type { Alias } from '../api/types';
import { Field } from '../components/Field';
import { Problem, fieldError } from '../components/Problem';
import { keys } from '../queries';

export const splitTargets = (text: string) => text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);

/** Changes where an alias delivers (PUT .../targets), in place; a refused target shows under the field. */
export function AliasTargetsEdit({ alias, onDone }: { alias: Alias; onDone: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [targets, setTargets] = useState(alias.targets.join(', '));
  const save = useMutation({
    mutationFn: () => call<Alias>(api.PUT('/api/v1/aliases/{id}/targets', { params: { path: { id: alias.id } }, body: { targets: splitTargets(targets) } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.aliases });
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <form className="inline-edit" onSubmit={submit} noValidate aria-label={t('aliases.editTitle', { address: alias.address })}>
      <Problem error={save.error} fields={['targets']} />
      <Field label={t('aliases.newTargets', { address: alias.address })} name="editTargets" value={targets} onChange={(e) => setTargets(e.target.value)} hint={t('aliases.targetsHint')} error={fieldError(save.error, 'targets')} autoFocus />
      <div className="toolbar">
        <button type="submit" className="small" disabled={save.isPending}>{t('common.save')}</button>
        <button type="button" className="secondary small" onClick={onDone}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}
