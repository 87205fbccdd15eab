import { describe, expect, it } from 'vitest';
import en from './en';
import de from './de';
import { detectLanguage } from './index';

function keys(value: unknown, prefix = ''): string[] {
  return typeof value === 'object' && value !== null
    ? Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
    : [prefix];
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
}

describe('translations', () => {
  it('German has exactly the English keys', () => {
    expect(keys(de).sort()).toEqual(keys(en).sort());
  });

  it('every German string keeps the placeholders of its English one', () => {
    const lookup = (tree: unknown, path: string) => path.split('.').reduce((o, k) => (o as Record<string, unknown>)[k], tree) as string;
    const differing = keys(en).filter((k) => placeholders(lookup(en, k)).join() !== placeholders(lookup(de, k)).join());
    expect(differing).toEqual([]);
  });

  it('no German string is left in English', () => {
    const lookup = (tree: unknown, path: string) => path.split('.').reduce((o, k) => (o as Record<string, unknown>)[k], tree) as string;
    // Words that are the same in both languages.
    const same = new Set(['app.name', 'nav.domains', 'domains.title', 'common.name', 'records.type', 'records.host', 'records.status', 'domains.records', 'domains.state', 'security.browser', 'setup.port', 'setup.server', 'setup.protocol', 'users.roles.admin', 'mailboxes.domain', 'aliases.domain', 'domains.name', 'common.optional', 'audit.action', 'setup.outgoing', 'dashboard.domains', 'records.optional', 'switch.tenant', 'billing.limits.domains', 'oauth.clients.roles.admin']);
    const untranslated = keys(en).filter((k) => !same.has(k) && lookup(en, k) === lookup(de, k));
    expect(untranslated).toEqual([]);
  });
});

describe('detectLanguage', () => {
  it('takes German when the browser prefers it', () => {
    expect(detectLanguage(null, ['de-DE', 'en-US'])).toBe('de');
    expect(detectLanguage(null, ['de-AT'])).toBe('de');
  });

  it('takes the first of English or German the browser names, else English', () => {
    expect(detectLanguage(null, ['fr-FR', 'en-GB', 'de'])).toBe('en');
    expect(detectLanguage(null, ['fr-FR'])).toBe('en');
    expect(detectLanguage(null, [])).toBe('en');
  });

  it('keeps the language the user chose over the browser', () => {
    expect(detectLanguage('en', ['de-DE'])).toBe('en');
    expect(detectLanguage('de', ['en-US'])).toBe('de');
  });
});
