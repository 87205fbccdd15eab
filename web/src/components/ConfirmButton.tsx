import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

interface ConfirmButtonProps {
  /** The button's visible text, e.g. "Revoke". */
  children: ReactNode;
  /** What the button acts on, read after the text by screen readers ("Revoke Thunderbird"). */
  what: string;
  /** The question asked before acting. */
  question: string;
  /** The verb on the confirming button ("Yes, revoke"). */
  action: string;
  onConfirm: () => void;
  disabled?: boolean;
}

/**
 * A destructive action that asks first, in place: the question and "Yes, ..." / "Cancel" replace
 * the button, focus moves to the confirming button, and Cancel (or Escape) gives it back. No
 * window.confirm: its dialog cannot be styled, translated in its buttons, or read in context.
 */
export function ConfirmButton({ children, what, question, action, onConfirm, disabled }: ConfirmButtonProps) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (wasAsking.current) opener.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button ref={opener} type="button" className="danger small" disabled={disabled} onClick={() => setAsking(true)}>
        {children} <span className="visually-hidden">{what}</span>
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question} onKeyDown={(e) => e.key === 'Escape' && setAsking(false)}>
      <span className="question">{question}</span>{' '}
      <button ref={yes} type="button" className="danger small" onClick={() => { setAsking(false); onConfirm(); }}>
        {t('oauth.confirm.yes', { action })}
      </button>{' '}
      <button type="button" className="secondary small" onClick={() => setAsking(false)}>{t('oauth.confirm.no')}</button>
    </span>
  );
}
