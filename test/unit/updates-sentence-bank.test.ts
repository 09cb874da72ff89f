import fs from 'node:fs';
import path from 'node:path';
import { validationFields } from '../helpers/app-error';
import { TEMPLATES_DIR, templatedLanguages } from '../../src/i18n/i18n';
import { segmentInfo } from '../../src/i18n/segments';
import {
  formatUpdateDate,
  isUpdateTemplate,
  renderUpdate,
  updateLanguage,
  updateTemplates,
  type UpdateSlot,
} from '../../src/updates/sentence-bank';

/** The languages with their own sentence bank; every other family reads English. */
const BANK = ['ar', 'en', 'es', 'pl', 'pt'];

/** What a teacher types for each slot, in the family's language. */
const TYPICAL: Record<string, { child: string } & Record<Exclude<UpdateSlot, 'count' | 'date'>, string>> = {
  en: { child: 'Valentina', subject: 'math', skill: 'multiplication facts', teacher: 'Ms. Lee' },
  es: { child: 'Valentina', subject: 'matemáticas', skill: 'las tablas de multiplicar', teacher: 'Sra. Lee' },
  pt: { child: 'Valentina', subject: 'matemática', skill: 'a tabuada', teacher: 'Prof. Lee' },
  pl: { child: 'Valentina', subject: 'matematyka', skill: 'tabliczka mnożenia', teacher: 'Pani Lee' },
  ar: { child: 'ليلى', subject: 'الرياضيات', skill: 'جدول الضرب', teacher: 'أ. لي' },
};
const DATE = '2026-03-05';
/** Counts that between them reach every plural category of every bank language, and zero. */
const COUNTS = [0, 1, 2, 3, 5, 11, 22, 100, 1000000];

const templates = updateTemplates();

function bankFile(lng: string): Record<string, Record<string, string>> {
  return JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIR, lng, 'updates.json'), 'utf8'));
}

/** Every "a.b" and "a.b_one" string in a namespace file. */
function flatKeys(lng: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [group, entries] of Object.entries(bankFile(lng))) {
    for (const [name, text] of Object.entries(entries)) out.set(`${group}.${name}`, text);
  }
  return out;
}

describe('the catalogue', () => {
  test('at least 20 templates with unique keys, covering every topic a teacher needs', () => {
    expect(templates.length).toBeGreaterThanOrEqual(20);
    expect(new Set(templates.map((t) => t.key)).size).toBe(templates.length);
    expect(new Set(templates.map((t) => t.topic))).toEqual(
      new Set(['praise', 'practice', 'missing', 'upcoming', 'attendance', 'talk']),
    );
    for (const t of templates) {
      expect(t.key.startsWith(`${t.topic}.`)).toBe(true);
      expect(t.label.length).toBeGreaterThan(0);
      expect(isUpdateTemplate(t.key)).toBe(true);
    }
    expect(isUpdateTemplate('practice.nope')).toBe(false);
    expect(isUpdateTemplate('missing.assignments_one')).toBe(false);
  });

  test('templates for missing work, tests and projects, attendance and talk carry the slots they are about', () => {
    const slotsOf = (key: string) => templates.find((t) => t.key === key)?.slots;
    expect(slotsOf('missing.assignments')).toContain('count');
    expect(slotsOf('attendance.absences')).toEqual(['count']);
    expect(slotsOf('upcoming.test')).toEqual(expect.arrayContaining(['date', 'subject']));
    expect(slotsOf('upcoming.project')).toContain('date');
    expect(slotsOf('talk.invite')).toContain('teacher');
    expect(slotsOf('practice.reading')).toEqual([]);
  });

  test('the languages with a full sentence bank are en, es, pt, pl and ar', () => {
    expect(templatedLanguages().filter((lng) => updateLanguage(lng) === lng).sort()).toEqual(BANK);
  });
});

describe.each(BANK)('%s sentence bank file', (lng) => {
  const keys = flatKeys(lng);
  const categories = new Intl.PluralRules(lng).resolvedOptions().pluralCategories;

  test.each(templates.map((t) => [t.key, t.slots] as const))('%s has every form and exactly its slots', (key, slots) => {
    const forms = slots.includes('count') ? ['zero', ...categories].map((c) => `${key}_${c}`) : [key];
    for (const form of forms) {
      const text = keys.get(form);
      expect({ form, present: typeof text === 'string' && text.length > 0 }).toEqual({ form, present: true });
      const used = new Set([...text!.matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]));
      // Every form names the child; the plural forms may spell "one" out instead of {{count}}.
      const expected = new Set(['child', ...slots]);
      for (const name of used) expect(expected).toContain(name);
      expect(used).toContain('child');
      for (const slot of slots) if (slot !== 'count') expect(used).toContain(slot);
    }
  });

  test('holds no key the catalogue does not know (a stale or misspelt template)', () => {
    const known = new Set(templates.map((t) => t.key));
    for (const key of keys.keys()) expect(known).toContain(key.replace(/_(zero|one|two|few|many|other)$/, ''));
  });
});

describe.each(BANK)('%s updates render', (lng) => {
  const { child, ...words } = TYPICAL[lng];
  const cases = templates.flatMap((t) =>
    (t.slots.includes('count') ? COUNTS : [undefined]).map((count) => {
      const { text, language } = renderUpdate({ language: lng, template: t.key, child, slots: { ...words, date: DATE, count } });
      const info = segmentInfo(text);
      return [t.key, count ?? '-', info.encoding, info.segments, info.units, text, language] as const;
    }),
  );

  test.each(cases)('%s (count %s): %s, %i segment(s), %i units', (_key, _count, _enc, segments, _units, text, language) => {
    expect(language).toBe(lng);
    expect(segments).toBeGreaterThanOrEqual(1);
    expect(segments).toBeLessThanOrEqual(2);
    expect(text).not.toMatch(/{{|}}|\$t\(/);
    expect(text).toContain(child);
    // Curly quotes, long dashes and ellipses turn a GSM-7 text into UCS-2 for nothing.
    expect(text).not.toMatch(/[‘’“”—–…]/);
  });

  if (lng === 'en') {
    test('English updates stay in GSM-7', () => {
      for (const [key, , encoding] of cases) expect({ key, encoding }).toEqual({ key, encoding: 'GSM-7' });
    });
  }
});

describe('plural forms follow the language', () => {
  const render = (lng: string, count: number) =>
    renderUpdate({ language: lng, template: 'attendance.absences', child: 'Valentina', slots: { count } }).text;

  test('English: zero, one, other', () => {
    expect(render('en', 0)).toMatch(/has not missed a single day/);
    expect(render('en', 1)).toMatch(/missed 1 day of school/);
    expect(render('en', 4)).toMatch(/missed 4 days of school/);
  });
  test('Polish: 1 nieobecność, 3 nieobecności; 1 spóźnienie, 3 spóźnienia, 5 spóźnień', () => {
    expect(render('pl', 1)).toMatch(/1 nieobecność\./);
    expect(render('pl', 3)).toMatch(/3 nieobecności\./);
    const late = (count: number) =>
      renderUpdate({ language: 'pl', template: 'attendance.late', child: 'Valentina', slots: { count } }).text;
    expect(late(1)).toMatch(/1 spóźnienie\./);
    expect(late(3)).toMatch(/3 spóźnienia\./);
    expect(late(5)).toMatch(/5 spóźnień\./);
    expect(late(22)).toMatch(/22 spóźnienia\./);
  });
  test('Arabic: one day, two days, 3–10 days, 11–99 days and 100 days each take their own form', () => {
    expect(render('ar', 1)).toContain('غياب يوم واحد');
    expect(render('ar', 2)).toContain('غياب يومين');
    expect(render('ar', 3)).toContain('غياب 3 أيام');
    expect(render('ar', 11)).toContain('غياب 11 يومًا');
    expect(render('ar', 100)).toContain('غياب 100 يوم ');
    expect(render('ar', 0)).not.toMatch(/\d/);
  });
  test('a count given as a digit string is read as a number', () => {
    expect(render('en', '3' as unknown as number)).toMatch(/missed 3 days/);
  });
});

describe('dates are written out in the family language', () => {
  test.each([
    ['en', 'Thursday, March 5'],
    ['es', 'jueves 5 de marzo'],
    ['pt', 'quinta-feira, 5 de março'],
    ['pl', 'czwartek, 5 marca'],
    ['ar', 'الخميس'],
  ])('%s: %s', (lng, expected) => {
    expect(formatUpdateDate(DATE, lng)).toContain(expected);
    const { text } = renderUpdate({
      language: lng,
      template: 'missing.form',
      child: 'Valentina',
      slots: { date: DATE },
    });
    expect(text).toContain(expected);
  });
  test('the date is a calendar day, never moved by a time zone', () => {
    expect(formatUpdateDate('2026-01-01', 'en')).toBe('Thursday, January 1');
    expect(formatUpdateDate('2026-12-31', 'en')).toBe('Thursday, December 31');
  });
});

describe('the family language', () => {
  test.each(['fr', 'vi', 'zh', 'ru', 'so', 'xx', ''])('%s has no sentence bank: the update arrives in English', (lng) => {
    const out = renderUpdate({ language: lng, template: 'praise.effort', child: 'Valentina', slots: { subject: 'math' } });
    expect(out).toEqual({
      language: 'en',
      text: 'Valentina worked really hard in math this week. Thank you for your support at home!',
    });
  });
  test('regional codes and language names find the bank', () => {
    expect(renderUpdate({ language: 'es-MX', template: 'practice.reading', child: 'Mateo', slots: {} }).language).toBe('es');
    expect(renderUpdate({ language: 'Português', template: 'practice.reading', child: 'Mateo', slots: {} }).language).toBe('pt');
  });
  test('a sentence that opens with the subject starts with a capital', () => {
    const { text } = renderUpdate({ language: 'pl', template: 'praise.test', child: 'Valentina', slots: { subject: 'matematyka' } });
    expect(text.startsWith('Matematyka: Valentina')).toBe(true);
  });
});

describe('what the teacher typed', () => {
  const base = { language: 'en', child: 'Valentina' };

  test('slot values stay literal: no nesting, no second interpolation', () => {
    const { text } = renderUpdate({ ...base, template: 'praise.skill', slots: { skill: '{{child}} and $t(updates:praise.test)' } });
    expect(text).toContain('progress with {{child}} and $t(updates:praise.test).');
  });
  test('whitespace in a value is collapsed, and slots the template does not use are ignored', () => {
    const { text } = renderUpdate({
      ...base,
      template: 'praise.effort',
      slots: { subject: '  social\n studies ', count: 'not a number', date: 'someday', teacher: 'Ms. Lee' },
    });
    expect(text).toBe('Valentina worked really hard in social studies this week. Thank you for your support at home!');
  });

  test('an unknown template names the template field', () => {
    expect(validationFields(() => renderUpdate({ ...base, template: 'praise.nope', slots: {} }))).toHaveProperty('template');
    expect(validationFields(() => renderUpdate({ ...base, template: 'missing.assignments_one', slots: { count: 1, subject: 'math' } }))).toHaveProperty('template');
  });
  test.each([
    ['upcoming.test', { date: DATE, skill: 'fractions' }, 'slots.subject'],
    ['upcoming.test', { subject: 'math', skill: 'fractions' }, 'slots.date'],
    ['talk.invite', { teacher: '   ' }, 'slots.teacher'],
    ['missing.assignments', { subject: 'math' }, 'slots.count'],
  ] as const)('%s without a slot names it (%j → %s)', (template, slots, field) => {
    expect(validationFields(() => renderUpdate({ ...base, template, slots }))).toHaveProperty([field]);
  });
  test.each([-1, 1.5, '3 or 4', '', Number.NaN, 2 ** 60])('count %p is refused', (count) => {
    const fields = validationFields(() =>
      renderUpdate({ ...base, template: 'attendance.late', slots: { count: count as number } }),
    );
    expect(fields).toHaveProperty(['slots.count']);
  });
  test.each(['2026-02-30', '03/05/2026', '2026-3-5', 'next Thursday', '2026-03-05T10:00:00Z'])('date %p is refused', (date) => {
    expect(validationFields(() => renderUpdate({ ...base, template: 'missing.form', slots: { date } }))).toHaveProperty([
      'slots.date',
    ]);
  });
  test('an empty child name and an overlong value are refused', () => {
    expect(validationFields(() => renderUpdate({ ...base, child: ' ', template: 'praise.kindness', slots: {} }))).toHaveProperty('child');
    expect(
      validationFields(() => renderUpdate({ ...base, template: 'praise.skill', slots: { skill: 'x'.repeat(61) } })),
    ).toHaveProperty(['slots.skill']);
  });
});
