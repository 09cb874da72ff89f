import { t, templatedLanguages, hasOwnTemplate, languageChoices } from '../../src/i18n/i18n';
import { isSupportedLanguage, LANGUAGES } from '../../src/i18n/languages';
import { segmentInfo } from '../../src/i18n/segments';

const SYSTEM_KEYS = ['stop.confirm', 'start.confirm', 'help', 'pause.confirm', 'language.confirm'].map((k) => `system:${k}`);
// A long-ish real school name, so "fits one segment" holds for real schools, not just "X".
const school = 'Roosevelt Middle School';
const templated = templatedLanguages();

test('en, es and pt are templated, and every template directory is a recognised language', () => {
  expect(templated).toEqual(expect.arrayContaining(['en', 'es', 'pt']));
  for (const lng of templated) expect(isSupportedLanguage(lng)).toBe(true);
});

describe.each(templated)('%s system templates', (lng) => {
  test.each(SYSTEM_KEYS)('has its own %s', (key) => {
    expect(hasOwnTemplate(lng, key)).toBe(true);
  });

  const cases = SYSTEM_KEYS.map((key) => {
    const text = t(lng, key, { school });
    const info = segmentInfo(text);
    return [key, info.encoding, info.segments, info.units, text] as const;
  });
  test.each(cases)('%s: %s, %i segment(s), %i units', (_key, _enc, _segments, _units, text) => {
    expect(text).not.toMatch(/{{|}}/);
    expect(text.startsWith(school)).toBe(true);
    // Curly quotes, dashes and ellipses cost a GSM-7 text its encoding; Chinese quotes are native.
    expect(text).not.toMatch(lng === 'zh' ? /[‘’—–…]/ : /[‘’“”—–…]/);
  });
});

/** The longest school name (in plain letters) with which the text still fits one segment. */
function maxSchoolName(lng: string, key: string): number {
  let n = 0;
  while (segmentInfo(t(lng, key, { school: 'S'.repeat(n + 1) })).segments <= 1) n += 1;
  return n;
}

describe('English system templates', () => {
  test.each(SYSTEM_KEYS.map((key) => [key, maxSchoolName('en', key)] as const))(
    '%s fits one GSM-7 segment (school names up to %i characters)',
    (key, room) => {
      expect(segmentInfo(t('en', key, { school }))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      expect(room).toBeGreaterThanOrEqual(school.length);
    },
  );
});

describe('t', () => {
  test('falls back to English for a recognised language without templates', () => {
    const untemplated = LANGUAGES.map((l) => l.code).filter((c) => !templated.includes(c));
    for (const lng of untemplated) expect(t(lng, 'system:help', { school })).toBe(t('en', 'system:help', { school }));
  });
  test('accepts regional codes and names', () => {
    expect(t('es-MX', 'system:stop.confirm', { school })).toBe(t('es', 'system:stop.confirm', { school }));
    expect(t('Português', 'system:stop.confirm', { school })).toBe(t('pt', 'system:stop.confirm', { school }));
  });
  test('unknown language falls back to English', () => {
    expect(t('xx', 'system:help', { school })).toBe(t('en', 'system:help', { school }));
  });
  test('does not HTML-escape variables', () => {
    expect(t('en', 'system:help', { school: 'A & B <School>' })).toMatch(/^A & B <School>:/);
  });
  test('a missing variable throws instead of texting "{{school}}"', () => {
    expect(() => t('en', 'system:help')).toThrow(/school/);
  });
  test('variable values stay literal (no nesting, no re-interpolation)', () => {
    expect(t('en', 'system:help', { school: '$t(system:help) {{school}}' })).toMatch(/^\$t\(system:help\) \{\{school\}\}:/);
  });
  test('an unknown key throws instead of texting the key', () => {
    expect(() => t('en', 'system:nope')).toThrow(/nope/);
  });
  test('language.confirm names the new language in that language', () => {
    expect(t('es', 'system:language.confirm', { school })).toMatch(/español/);
    expect(t('pt', 'system:language.confirm', { school })).toMatch(/português/);
    expect(t('en', 'system:language.confirm', { school })).toMatch(/English/);
  });
});

describe('the answer to LANG', () => {
  test.each(templated)('%s has its own, naming the school and every choice', (lng) => {
    expect(hasOwnTemplate(lng, 'system:languages.list')).toBe(true);
    const text = t(lng, 'system:languages.list', { school, choices: languageChoices() });
    expect(text.startsWith(school)).toBe(true);
    for (const l of LANGUAGES.filter((x) => templated.includes(x.code))) expect(text).toContain(l.native);
    // UCS-2 either way (the Arabic and Chinese names): it must still fit three parts.
    expect(segmentInfo(text).segments).toBeLessThanOrEqual(3);
  });
});
