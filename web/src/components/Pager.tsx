import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** The offset of a paged list and the way to move it; a list that shrinks under the page moves back. */
export function usePaging(pageSize: number) {
  const [offset, setOffset] = useState(0);
  return { offset, limit: pageSize, setOffset };
}

interface PagerProps {
  offset: number;
  limit: number;
  total: number;
  onChange: (offset: number) => void;
  /** What is paged, for the navigation's accessible name (e.g. "Mailboxes"). */
  label: string;
}

/**
 * Previous/next buttons with "21–40 of 57" for the lists the API answers as {items,total}.
 * Plain buttons, so Tab and Enter/Space work; the range is a live region so a screen reader
 * hears the new page. Nothing is shown when everything fits on one page.
 */
export function Pager({ offset, limit, total, onChange, label }: PagerProps) {
  const { t } = useTranslation();
  // The last items of the last page were deleted: show the page that now is the last.
  useEffect(() => {
    if (offset > 0 && offset >= total) onChange(Math.max(0, Math.ceil(total / limit) - 1) * limit);
  }, [offset, total, limit, onChange]);
  if (total <= limit && offset === 0) return null;
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + limit, total);
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <nav className="pager" aria-label={t('pager.label', { what: label })}>
      <button type="button" className="secondary small" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        {t('pager.previous')}
      </button>
      <span aria-live="polite">{t('pager.range', { first, last, total, page, pages })}</span>
      <button type="button" className="secondary small" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>
        {t('pager.next')}
      </button>
    </nav>
  );
}
