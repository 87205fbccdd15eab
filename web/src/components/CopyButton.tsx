import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Copies a value to the clipboard; the label names what is copied for screen readers. */
export function CopyButton({ value, what }: { value: string; what: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };
  return (
    <button type="button" className="small secondary" onClick={copy} aria-label={t('common.copyLabel', { what })}>
      <span aria-live="polite">{copied ? t('common.copied') : t('common.copy')}</span>
    </button>
  );
}
