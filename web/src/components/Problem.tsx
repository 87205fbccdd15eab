import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError } from '../api/client';

/** The message for an error, in the reader's language where the API gave a code we know. */
export function problemMessage(t: TFunction, error: unknown, shownFields: string[] = []): string | null {
  if (!error) return null;
  if (error instanceof ApiError) {
    const known = ['invalid-credentials', 'two-factor-failed', 'email-not-confirmed'];
    if (known.includes(error.code)) return t(`problems.${error.code}`);
    if (error.code === 'plan-limit') return t('problems.plan-limit', { limit: error.detail ?? '' });
    if (error.status === 429) return t('problems.too-many');
    const fields = Object.keys(error.errors);
    if (fields.length > 0) {
      const others = fields.filter((f) => !shownFields.includes(f));
      // Errors for fields on screen are shown next to them; the rest here.
      return others.length > 0 ? others.map((f) => error.fieldError(f)).join(' ') : null;
    }
    return error.detail ?? error.title;
  }
  if (error instanceof TypeError) return t('problems.network');
  return t('common.error', { message: String((error as Error).message ?? error) });
}

/** An error from the API, announced to screen readers; nothing when there is none. */
export function Problem({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  const { t } = useTranslation();
  const message = problemMessage(t, error, fields);
  if (!message) return null;
  return (
    <div className="problem" role="alert">
      <strong>{t('common.problemTitle')}</strong> {message}
    </div>
  );
}

export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.fieldError(field) : undefined;
}
