import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import ja from './ja';
import en from './en';

export const LANGUAGES = ['ja', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = 'tsunagu.lang';

function initialLanguage(): Language {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'ja') return saved;
  } catch {
    // storage unavailable: Japanese
  }
  return 'ja';
}

void i18n.use(initReactI18next).init({
  resources: { ja: { translation: ja }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: 'ja',
  supportedLngs: LANGUAGES,
  interpolation: { escapeValue: false },
});

i18n.on('languageChanged', (lng) => {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lng);
  } catch {
    // ignore
  }
  if (typeof document !== 'undefined') document.documentElement.lang = lng;
});

export function currentLanguage(): Language {
  return i18n.language?.startsWith('en') ? 'en' : 'ja';
}

export default i18n;
