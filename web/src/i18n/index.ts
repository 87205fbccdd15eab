// i18next set up once: English and German bundled (small), German when the browser prefers it,
// the choice kept in localStorage and mirrored in <html lang>.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en';
import de from './de';

export const languages = ['en', 'de'] as const;
export type Language = (typeof languages)[number];
const storageKey = 'hm.lang';

export function detectLanguage(stored: string | null, preferred: readonly string[]): Language {
  if (stored === 'en' || stored === 'de') {
    return stored;
  }
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'de') return 'de';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

function stored(): string | null {
  try {
    return globalThis.localStorage?.getItem(storageKey) ?? null;
  } catch {
    return null;
  }
}

export function setLanguage(language: Language): void {
  try {
    globalThis.localStorage?.setItem(storageKey, language);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  void i18n.changeLanguage(language);
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, de: { translation: de } },
  lng: detectLanguage(stored(), globalThis.navigator?.languages ?? []),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});

const mirror = (lng: string) => {
  if (typeof document !== 'undefined') document.documentElement.lang = lng;
};
mirror(i18n.language);
i18n.on('languageChanged', mirror);

export default i18n;
