import { LANGUAGES, languageFromName, normalizeLanguage, isSupportedLanguage } from '../../src/i18n/languages';

describe('languageFromName', () => {
  test.each([
    ['Spanish', 'es'], ['español', 'es'], ['espanol', 'es'], ['ESPAÑOL', 'es'], ['¡Español!', 'es'],
    ['  spanish.  ', 'es'], ['Castellano', 'es'],
    ['Português', 'pt'], ['portugues', 'pt'], ['Portuguese', 'pt'], ['PORTUGUÊS?', 'pt'],
    ['polski', 'pl'], ['Polish', 'pl'],
    ['العربية', 'ar'], ['عربي', 'ar'], ['عربى', 'ar'], ['Arabic', 'ar'], ['العربية.', 'ar'],
    ['Tiếng Việt', 'vi'], ['tieng viet', 'vi'], ['Vietnamese', 'vi'],
    ['中文', 'zh'], ['中文。', 'zh'], ['Chinese', 'zh'], ['Mandarin', 'zh'],
    ['Kreyòl', 'ht'], ['kreyol', 'ht'], ['Haitian Creole', 'ht'], ['Creole', 'ht'],
    ['Français', 'fr'], ['francais', 'fr'], ['French', 'fr'],
    ['Русский', 'ru'], ['русский', 'ru'], ['Russian', 'ru'],
    ['Somali', 'so'], ['Soomaali', 'so'], ['Af-Soomaali', 'so'], ['af soomaali', 'so'],
    ['English', 'en'], ['inglés', 'en'], ['Ingles', 'en'],
  ])('%j → %s', (text, code) => {
    expect(languageFromName(text)).toBe(code);
  });

  test.each(['I speak Spanish', 'Spanish please?', 'yes', '', '   ', 'Klingon', '!!!'])('%j → null', (text) => {
    expect(languageFromName(text)).toBeNull();
  });
});

describe('normalizeLanguage', () => {
  test.each([
    ['es', 'es'], ['ES', 'es'], ['es-MX', 'es'], ['es_419', 'es'], ['pt-BR', 'pt'], ['zh-Hant-TW', 'zh'],
    ['spa', 'es'], ['por', 'pt'], ['chi', 'zh'], ['hat', 'ht'],
    ['Spanish', 'es'], ['Español', 'es'], [' vietnamese ', 'vi'],
  ])('%j → %s', (input, code) => {
    expect(normalizeLanguage(input)).toBe(code);
  });

  test.each(['xx', 'de', 'en-', '', 'Klingon'])('%j → null', (input) => {
    expect(normalizeLanguage(input)).toBeNull();
  });
});

describe('language table', () => {
  test('has the eleven recognised languages', () => {
    expect(LANGUAGES.map((l) => l.code).sort()).toEqual(['ar', 'en', 'es', 'fr', 'ht', 'pl', 'pt', 'ru', 'so', 'vi', 'zh']);
  });
  test.each(LANGUAGES.map((l) => [l.code, l] as const))('%s is found by its code, English and native names', (code, lang) => {
    expect(isSupportedLanguage(code)).toBe(true);
    expect(languageFromName(lang.english)).toBe(code);
    expect(languageFromName(lang.native)).toBe(code);
  });
});
