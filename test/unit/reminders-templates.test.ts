import fs from 'node:fs';
import path from 'node:path';
import { validationFields } from '../helpers/app-error';
import { TEMPLATES_DIR } from '../../src/i18n/i18n';
import { segmentInfo } from '../../src/i18n/segments';
import {
  formatReminderTime,
  isReminderTemplate,
  reminderLanguage,
  reminderTemplates,
  renderReminder,
  renderReminderForLanguages,
  type ReminderSlots,
} from '../../src/reminders/templates';

/** The languages with their own reminders; every other family reads English. */
const OWN = ['ar', 'en', 'es', 'pl', 'pt'];
const school = 'Roosevelt Middle School';
const reminders = reminderTemplates();

/** What a school types, per language where the words are its own (an event's name). */
const EVENT: Record<string, { event: string; trip: string }> = {
  en: { event: 'Family Math Night', trip: 'the Science Museum' },
  es: { event: 'Noche de Matemáticas en Familia', trip: 'Museo de Ciencias' },
  pt: { event: 'Noite da Matemática em Família', trip: 'Museu de Ciências' },
  pl: { event: 'Rodzinny Wieczór Matematyki', trip: 'Muzeum Nauki' },
  ar: { event: 'أمسية الرياضيات العائلية', trip: 'متحف العلوم' },
};
/** The time each reminder typically names: a late start at 10, an early dismissal at 12:30, … */
const TIMES: Record<string, string> = { delayed_opening: '10:00', early_dismissal: '12:30', first_day: '08:00', event: '18:00' };
/** A typical day, and the day of 2026 each language writes longest ("segunda-feira, 16 de fevereiro"). */
const DATES: Record<string, string[]> = {
  en: ['2026-03-05', '2026-09-16'],
  es: ['2026-03-05', '2026-09-16'],
  pt: ['2026-03-05', '2026-02-16'],
  pl: ['2026-03-05', '2026-10-12'],
  ar: ['2026-03-05', '2026-02-10'],
};

function typicalSlots(id: string, lng: string, date: string): ReminderSlots {
  const words = EVENT[lng];
  return {
    date,
    time: TIMES[id] ?? '16:00',
    endTime: '19:30',
    event: id === 'permission_slip' ? words.trip : words.event,
    link: 'rooseveltms.org/forms',
  };
}

function reminderFile(lng: string): Record<string, { title?: unknown; text?: unknown }> {
  return JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIR, lng, 'reminders.json'), 'utf8'));
}

describe('the catalogue', () => {
  test('at least twelve reminders with unique ids, covering what schools send most', () => {
    expect(reminders.length).toBeGreaterThanOrEqual(12);
    expect(new Set(reminders.map((r) => r.id)).size).toBe(reminders.length);
    for (const id of ['conference', 'closed_weather', 'delayed_opening', 'early_dismissal', 'picture_day', 'forms_due',
      'permission_slip', 'report_cards', 'no_school', 'event', 'health_forms', 'first_day', 'attendance', 'library_books']) {
      expect(isReminderTemplate(id)).toBe(true);
    }
    expect(isReminderTemplate('conference.text')).toBe(false);
  });

  test('the conference reminder asks for a "reply 1" answer in every language', () => {
    for (const lng of OWN) expect(reminderFile(lng).conference.text).toMatch(/\b1\b/);
  });

  test('titles come in the staff language, English where it has none', () => {
    expect(reminderTemplates('es').find((r) => r.id === 'closed_weather')?.title).toBe('Escuela cerrada por el clima');
    expect(reminderTemplates('fr').map((r) => r.title)).toEqual(reminders.map((r) => r.title));
    expect(reminders.find((r) => r.id === 'conference')).toEqual({
      id: 'conference',
      title: 'Parent-teacher conferences',
      slots: ['date', 'time', 'endTime'],
    });
  });

  test('the languages with their own reminders are en, es, pt, pl and ar', () => {
    for (const lng of OWN) expect(reminderLanguage(lng)).toBe(lng);
    for (const lng of ['fr', 'ru', 'vi', 'zh', 'so', 'xx', '']) expect(reminderLanguage(lng)).toBe('en');
  });
});

describe.each(OWN)('%s reminders.json', (lng) => {
  const file = reminderFile(lng);

  test('has exactly the ids English has', () => {
    expect(Object.keys(file).sort()).toEqual(Object.keys(reminderFile('en')).sort());
    expect(Object.keys(file).sort()).toEqual(reminders.map((r) => r.id).sort());
  });

  test.each(reminders.map((r) => [r.id, r.slots] as const))('%s has a title and a text with exactly its slots', (id, slots) => {
    const { title, text } = file[id];
    expect(typeof title === 'string' && title.trim().length > 0).toBe(true);
    expect(typeof text === 'string' && (text as string).startsWith('{{school}}: ')).toBe(true);
    const used = [...(text as string).matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]);
    expect(new Set(used)).toEqual(new Set(['school', ...slots]));
  });
});

describe.each(OWN)('%s reminders render', (lng) => {
  const cases = reminders.flatMap((r) =>
    DATES[lng].map((date) => {
      const { text, language } = renderReminder({ id: r.id, language: lng, school, slots: typicalSlots(r.id, lng, date) });
      const info = segmentInfo(text);
      return [r.id, date, info.encoding, info.segments, info.units, text, language] as const;
    }),
  );

  test.each(cases)('%s (%s): %s, %i segment(s), %i units', (_id, _date, _enc, segments, _units, text, language) => {
    expect(language).toBe(lng);
    expect(text).not.toMatch(/{{|}}|\$t\(/);
    expect(text.startsWith(`${school}: `)).toBe(true);
    expect(segments).toBeGreaterThanOrEqual(1);
    expect(segments).toBeLessThanOrEqual(2);
    // Curly quotes, long dashes and ellipses turn a GSM-7 text into UCS-2 for nothing.
    expect(text).not.toMatch(/[‘’“”—–…]/);
    // A time that ends a sentence ("4 p. m..") or a doubled space is a template bug.
    expect(text).not.toMatch(/\.\.|\s{2}/);
  });

  if (lng === 'en') {
    test('English reminders are GSM-7 and fit one segment with a typical school name and day', () => {
      for (const [id, date, encoding, segments] of cases) {
        expect({ id, date, encoding }).toEqual({ id, date, encoding: 'GSM-7' });
        if (date === DATES.en[0]) expect({ id, segments }).toEqual({ id, segments: 1 });
      }
    });
  }
});

describe('dates and times are written as each language writes them', () => {
  test.each([
    ['en', 'Thursday, March 5', '4 PM to 7:30 PM'],
    ['es', 'jueves 5 de marzo', 'de las 4 p. m. a las 7:30 p. m.'],
    ['pt', 'quinta-feira, 5 de março', 'das 16h às 19h30'],
    ['pl', 'czwartek, 5 marca', '16:00-19:30'],
    ['ar', 'الخميس، 5 مارس', 'من 4 مساءً إلى 7:30 مساءً'],
  ])('%s: %s, %s', (lng, date, hours) => {
    const { text } = renderReminder({ id: 'conference', language: lng, school, slots: { date: '2026-03-05', time: '16:00', endTime: '19:30' } });
    expect(text).toContain(date);
    expect(text).toContain(hours);
  });
  test.each([
    ['13:00', 'es', 'la 1 p. m.'],
    ['12:00', 'en', '12 PM'],
    ['00:30', 'en', '12:30 AM'],
    ['9:05', 'pt', '9h05'],
    ['12:00', 'ar', '12 ظهرًا'],
    ['08:00', 'pl', '08:00'],
    ['16:00', 'fr', '16:00'],
  ])('%s in %s is "%s"', (hhmm, lng, expected) => {
    expect(formatReminderTime(hhmm, lng)).toBe(expected);
  });
  test.each(['24:00', '4pm', '16.00', '16:0', ''])('%p is not a time', (hhmm) => {
    expect(formatReminderTime(hhmm, 'en')).toBeNull();
  });
});

describe('a language without reminders gets English, flagged', () => {
  const input = { id: 'closed_weather', school, slots: { date: '2026-01-27' } };

  test('renderReminder answers in English for a family reading French', () => {
    expect(renderReminder({ ...input, language: 'fr' })).toEqual({
      language: 'en',
      text: `${school}: School is closed on Tuesday, January 27 because of the weather. After-school activities are canceled too. Please stay safe!`,
    });
  });

  test('for an audience\'s languages, each is rendered once, in the order given, with the fallback flagged', () => {
    const out = renderReminderForLanguages({ ...input, languages: ['es', 'fr', 'en', 'es-MX', 'ar', 'vi', 'xx'] });
    expect(out.map(({ language, textLanguage, englishFallback }) => ({ language, textLanguage, englishFallback }))).toEqual([
      { language: 'es', textLanguage: 'es', englishFallback: false },
      { language: 'fr', textLanguage: 'en', englishFallback: true },
      { language: 'en', textLanguage: 'en', englishFallback: false },
      { language: 'ar', textLanguage: 'ar', englishFallback: false },
      { language: 'vi', textLanguage: 'en', englishFallback: true },
      { language: 'xx', textLanguage: 'en', englishFallback: true },
    ]);
    const english = renderReminder({ ...input, language: 'en' }).text;
    for (const r of out) expect(r.text === english).toBe(r.textLanguage === 'en');
    expect(out[0].text).toContain('martes 27 de enero');
  });

  test('a preview can count the families who will get English', () => {
    const breakdown: Record<string, number> = { en: 1200, es: 640, fr: 12, vi: 30, pt: 85 };
    const out = renderReminderForLanguages({ ...input, languages: Object.keys(breakdown) });
    const english = out.filter((r) => r.englishFallback).reduce((n, r) => n + breakdown[r.language], 0);
    expect(english).toBe(42);
  });
});

describe('what the school typed', () => {
  const base = { language: 'en', school };

  test('slot values stay literal, and per-language values replace shared ones', () => {
    const slots = { event: '{{school}} $t(reminders:event.title)', date: '2026-05-14', time: '18:00' };
    expect(renderReminder({ ...base, id: 'event', slots }).text).toContain('invited to {{school}} $t(reminders:event.title) on');
    const out = renderReminderForLanguages({
      id: 'event',
      school,
      slots: { ...slots, event: 'the Spring Concert' },
      slotsByLanguage: { es: { event: 'Concierto de Primavera' } },
      languages: ['en', 'es', 'fr'],
    });
    expect(out.map((r) => r.text.includes('Concierto de Primavera'))).toEqual([false, true, false]);
    expect(out[2].text).toContain('the Spring Concert');
  });

  test('an unknown reminder names the id field', () => {
    expect(validationFields(() => renderReminder({ ...base, id: 'snow', slots: {} }))).toHaveProperty('id');
  });
  test.each([
    ['closed_weather', {}, 'slots.date'],
    ['closed_weather', { date: '2026-02-30' }, 'slots.date'],
    ['delayed_opening', { date: '2026-02-03', time: '10am' }, 'slots.time'],
    ['conference', { date: '2026-02-03', time: '16:00', endTime: '15:00' }, 'slots.endTime'],
    ['conference', { date: '2026-02-03', time: '16:00', endTime: '16:00' }, 'slots.endTime'],
    ['report_cards', { link: 'see the website' }, 'slots.link'],
    ['report_cards', { link: `rooseveltms.org/${'x'.repeat(100)}` }, 'slots.link'],
    ['event', { date: '2026-02-03', time: '18:00', event: 'x'.repeat(61) }, 'slots.event'],
  ] as const)('%s with %j names %s', (id, slots, field) => {
    expect(validationFields(() => renderReminder({ ...base, id, slots }))).toHaveProperty([field]);
  });
  test('a time range written 9:00 to 10:30 is in order, and an empty school name is refused', () => {
    expect(renderReminder({ ...base, id: 'conference', slots: { date: '2026-02-03', time: '9:00', endTime: '10:30' } }).text).toContain(
      '9 AM to 10:30 AM',
    );
    expect(validationFields(() => renderReminder({ ...base, school: ' ', id: 'attendance', slots: {} }))).toHaveProperty('school');
  });
  test('a link with https:// is kept as typed', () => {
    const { text } = renderReminder({ ...base, id: 'report_cards', slots: { link: 'https://rooseveltms.org/grades?term=2' } });
    expect(text).toContain(' https://rooseveltms.org/grades?term=2 ');
  });
});
