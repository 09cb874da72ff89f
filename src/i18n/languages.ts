import { fold } from './fold';

/**
 * Languages FamilyLine recognises. A recognised language without its own templates still
 * gets English texts (i18next falls back), but is stored, so a school sees what families
 * asked for and knows which translations to add.
 *
 * `names` are what a parent might text to switch language, or what a roster export might
 * say: the English name, the native name, and the name in Spanish/Portuguese/French (the
 * languages the surrounding staff and families most often write in). Matching folds case
 * and accents, so list each spelling once, with its accents.
 */
export interface Language {
  /** ISO 639-1 */
  code: string;
  /** ISO 639-2 (B and T forms), as some student information systems export them */
  iso639_2: string[];
  english: string;
  /** How the language names itself; used in previews and confirmations. */
  native: string;
  rtl?: boolean;
  names: string[];
}

export const LANGUAGES: readonly Language[] = [
  { code: 'en', iso639_2: ['eng'], english: 'English', native: 'English',
    names: ['English', 'Inglés', 'Inglês', 'Anglais', 'Angle'] },
  { code: 'es', iso639_2: ['spa'], english: 'Spanish', native: 'Español',
    names: ['Spanish', 'Español', 'Castellano', 'Espanhol', 'Espagnol', 'Panyòl'] },
  { code: 'pt', iso639_2: ['por'], english: 'Portuguese', native: 'Português',
    names: ['Portuguese', 'Português', 'Portugués', 'Portugais', 'Brazilian Portuguese', 'Português do Brasil'] },
  { code: 'pl', iso639_2: ['pol'], english: 'Polish', native: 'Polski',
    names: ['Polish', 'Polski', 'Język polski', 'Polaco', 'Polonais'] },
  { code: 'ar', iso639_2: ['ara'], english: 'Arabic', native: 'العربية', rtl: true,
    names: ['Arabic', 'العربية', 'عربي', 'اللغة العربية', 'Árabe', 'Arabe'] },
  { code: 'vi', iso639_2: ['vie'], english: 'Vietnamese', native: 'Tiếng Việt',
    names: ['Vietnamese', 'Tiếng Việt', 'Việt', 'Vietnamita', 'Vietnamien'] },
  { code: 'zh', iso639_2: ['zho', 'chi'], english: 'Chinese', native: '中文',
    names: ['Chinese', 'Mandarin', '中文', '汉语', '漢語', '普通话', '普通話', '华语', '華語', 'Chino', 'Chinês', 'Chinois'] },
  { code: 'ht', iso639_2: ['hat'], english: 'Haitian Creole', native: 'Kreyòl ayisyen',
    names: ['Haitian Creole', 'Haitian', 'Creole', 'Kreyòl', 'Kreyòl ayisyen', 'Créole', 'Créole haïtien', 'Criollo haitiano', 'Crioulo haitiano'] },
  { code: 'fr', iso639_2: ['fra', 'fre'], english: 'French', native: 'Français',
    names: ['French', 'Français', 'Francés', 'Francês', 'Franse'] },
  { code: 'ru', iso639_2: ['rus'], english: 'Russian', native: 'Русский',
    names: ['Russian', 'Русский', 'Русский язык', 'По-русски', 'Ruso', 'Russo', 'Russe'] },
  { code: 'so', iso639_2: ['som'], english: 'Somali', native: 'Soomaali',
    names: ['Somali', 'Soomaali', 'Af-Soomaali', 'Somalí'] },
];

export const DEFAULT_LANGUAGE = 'en';

const byCode = new Map<string, Language>();
const byName = new Map<string, string>();
for (const lang of LANGUAGES) {
  byCode.set(lang.code, lang);
  for (const alias of lang.iso639_2) byCode.set(alias, lang);
  for (const name of [lang.english, lang.native, ...lang.names]) {
    const key = fold(name);
    const taken = byName.get(key);
    // Two languages sharing a spelling would make a parent's text ambiguous: fail at load.
    if (taken && taken !== lang.code) throw new Error(`language name "${name}" is both ${taken} and ${lang.code}`);
    byName.set(key, lang.code);
  }
}

export function getLanguage(code: string): Language | undefined {
  return byCode.get(code);
}

export function isSupportedLanguage(code: string): boolean {
  return byCode.get(code)?.code === code;
}

/**
 * The whole text as a language name ("español", "ESPANOL!", "عربي") → ISO 639-1 code.
 * Only the whole text counts: "I speak Spanish" is a message for a teacher, not a command.
 */
export function languageFromName(text: string): string | null {
  const key = fold(text);
  return key ? byName.get(key) ?? null : null;
}

/**
 * A code ("es", "es-MX", "ES", "es_419", "spa") or a name ("Spanish", "Español") →
 * the ISO 639-1 code FamilyLine stores, or null when it is not a recognised language.
 */
export function normalizeLanguage(input: string): string | null {
  const trimmed = input.trim();
  const tag = /^([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*$/i.exec(trimmed);
  if (tag) {
    const lang = byCode.get(tag[1].toLowerCase());
    if (lang) return lang.code;
  }
  return languageFromName(trimmed);
}
