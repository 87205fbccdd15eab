// Numbers, sizes and dates in the reader's language.
import i18n from './i18n';

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 10 || unit === 0 ? 0 : 1;
  return `${new Intl.NumberFormat(i18n.language, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function percent(used: number, limit: number | null | undefined): number | null {
  if (!limit) return null;
  return Math.min(100, Math.round((used / limit) * 100));
}

/** A day without the time (due dates of the dunning steps, trial and period ends). */
export function formatDay(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(i18n.language, { dateStyle: 'long' }).format(new Date(iso));
}

/** An amount in a currency's minor unit (as Stripe sends it: cents, or yen for a zero-decimal currency). */
export function formatMoney(minor: number, currency: string): string {
  const format = new Intl.NumberFormat(i18n.language, { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}
