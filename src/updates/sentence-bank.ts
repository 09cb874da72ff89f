import { AppError } from '../errors';
import { hasOwnTemplate, t } from '../i18n/i18n';
import { DEFAULT_LANGUAGE, normalizeLanguage } from '../i18n/languages';

/**
 * The sentence bank: the short, specific updates a teacher sends a family, one per student,
 * written for parents in templates/{lng}/updates.json (i18next namespace `updates`). This list is
 * the catalogue (which keys exist, which slots each needs, in picker order); the JSON files hold
 * the words. The child's name is not a slot the teacher fills: the caller knows the student.
 *
 * The templates never need the child's gender (the roster does not record one): in Spanish,
 * Portuguese, Polish and Arabic they are written around it (see README, "Teacher updates").
 */

export type UpdateSlot = 'subject' | 'skill' | 'count' | 'date' | 'teacher';

export interface UpdateTemplate {
  /** The key in templates/{lng}/updates.json, without a plural suffix, e.g. `practice.reading`. */
  key: string;
  /** Slots the teacher must fill, in the order a form shows them. */
  slots: UpdateSlot[];
  /** praise | practice | missing | upcoming | attendance | talk */
  topic: string;
  /** What the template says, in English, for a picker. */
  label: string;
}

const CATALOGUE: readonly UpdateTemplate[] = [
  { key: 'praise.effort', topic: 'praise', slots: ['subject'], label: 'Praise: worked hard in a subject' },
  { key: 'praise.skill', topic: 'praise', slots: ['skill'], label: 'Praise: real progress with a skill' },
  { key: 'praise.reading', topic: 'praise', slots: [], label: 'Praise: reading with more confidence' },
  { key: 'praise.participation', topic: 'praise', slots: ['subject'], label: 'Praise: shared great ideas in class' },
  { key: 'praise.kindness', topic: 'praise', slots: [], label: 'Praise: helped a classmate' },
  { key: 'praise.improvement', topic: 'praise', slots: ['subject'], label: 'Praise: work has improved this month' },
  { key: 'praise.test', topic: 'praise', slots: ['subject'], label: 'Praise: did very well on a test' },
  { key: 'practice.skill', topic: 'practice', slots: ['subject', 'skill'], label: 'Practice at home: one skill, 10 minutes a day' },
  { key: 'practice.reading', topic: 'practice', slots: [], label: 'Practice at home: read together 15 minutes a day' },
  { key: 'practice.quick', topic: 'practice', slots: ['skill'], label: 'Practice at home: 5 minutes at dinner or on the way' },
  { key: 'practice.writing', topic: 'practice', slots: [], label: 'Practice at home: write 3 sentences about the day' },
  { key: 'practice.homework', topic: 'practice', slots: ['subject'], label: 'Practice at home: a set time and place for homework' },
  { key: 'missing.assignments', topic: 'missing', slots: ['count', 'subject'], label: 'Missing work: number of missing assignments' },
  { key: 'missing.assignment', topic: 'missing', slots: ['subject', 'date'], label: 'Missing work: one assignment, last day to hand in' },
  { key: 'missing.form', topic: 'missing', slots: ['date'], label: 'Missing work: signed form, send back by a date' },
  { key: 'upcoming.test', topic: 'upcoming', slots: ['subject', 'date', 'skill'], label: 'Coming up: a test, and what to review' },
  { key: 'upcoming.project', topic: 'upcoming', slots: ['subject', 'date'], label: 'Coming up: a project due' },
  { key: 'upcoming.presentation', topic: 'upcoming', slots: ['subject', 'date'], label: 'Coming up: a presentation' },
  { key: 'attendance.absences', topic: 'attendance', slots: ['count'], label: 'Attendance: days missed this month' },
  { key: 'attendance.late', topic: 'attendance', slots: ['count'], label: 'Attendance: times late this month' },
  { key: 'attendance.perfect', topic: 'attendance', slots: [], label: 'Attendance: came every day this month' },
  { key: 'talk.invite', topic: 'talk', slots: ['teacher'], label: 'Let us talk: ask for a day and time' },
  { key: 'talk.conference', topic: 'talk', slots: ['date', 'teacher'], label: 'Let us talk: family conferences on a date' },
  { key: 'talk.questions', topic: 'talk', slots: ['subject', 'teacher'], label: 'Let us talk: questions welcome anytime' },
];

const byKey = new Map(CATALOGUE.map((tpl) => [tpl.key, tpl]));

/** Longest word slot (or child name) accepted: a template must still fit a text or two. */
export const MAX_SLOT_LENGTH = 60;

/** Every template, in the order a picker shows them (by topic, most used first). */
export function updateTemplates(): UpdateTemplate[] {
  return CATALOGUE.map((tpl) => ({ ...tpl, slots: [...tpl.slots] }));
}

export function isUpdateTemplate(key: string): boolean {
  return byKey.has(key);
}

/**
 * The language whose sentence bank renders for a family: its own when templates/{lng}/updates.json
 * has every template, else English (fr, ru, vi, zh today; a half-translated bank is not used,
 * so one family never gets a mix of languages).
 */
export function updateLanguage(language: string): string {
  const code = normalizeLanguage(language) ?? DEFAULT_LANGUAGE;
  return hasSentenceBank(code) ? code : DEFAULT_LANGUAGE;
}

const bankCache = new Map<string, boolean>();
function hasSentenceBank(code: string): boolean {
  let has = bankCache.get(code);
  if (has === undefined) {
    has = CATALOGUE.every((tpl) => hasOwnTemplate(code, `updates:${tpl.key}`));
    bankCache.set(code, has);
  }
  return has;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "2026-03-05" → "Thursday, March 5" / "jueves 5 de marzo" / "czwartek, 5 marca"; null when not a real date. */
export function formatUpdateDate(iso: string, language: string): string | null {
  const m = ISO_DATE.exec(iso);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  // A calendar date, not an instant: format it in UTC so no time zone moves it a day.
  const opts = { timeZone: 'UTC', numberingSystem: 'latn' } as const;
  if (language === 'es') {
    // "el jueves 5 de marzo" reads naturally; Intl's "jueves, 5 de marzo" puts a comma after the article.
    const weekday = new Intl.DateTimeFormat('es', { ...opts, weekday: 'long' }).format(date);
    const dayMonth = new Intl.DateTimeFormat('es', { ...opts, day: 'numeric', month: 'long' }).format(date);
    return `${weekday} ${dayMonth}`;
  }
  return new Intl.DateTimeFormat(language, { ...opts, weekday: 'long', day: 'numeric', month: 'long' }).format(date);
}

function slotValue(slot: UpdateSlot, raw: string | number | undefined, language: string): string | number {
  const field = `slots.${slot}`;
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
    throw AppError.validation({ [field]: `this template needs a ${slot}` });
  }
  if (slot === 'count') {
    const n = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) throw AppError.validation({ [field]: 'must be a whole number, 0 or more' });
    return n;
  }
  if (slot === 'date') {
    const formatted = typeof raw === 'string' ? formatUpdateDate(raw.trim(), language) : null;
    if (!formatted) throw AppError.validation({ [field]: 'must be a date written YYYY-MM-DD' });
    return formatted;
  }
  return plainWords(field, String(raw));
}

/** One line of words, as a teacher typed it: whitespace collapsed, bounded in length. */
export function plainWords(field: string, raw: string): string {
  const value = raw.replace(/\s+/g, ' ').trim();
  if (value === '') throw AppError.validation({ [field]: 'must not be empty' });
  if ([...value].length > MAX_SLOT_LENGTH) {
    throw AppError.validation({ [field]: `must be at most ${MAX_SLOT_LENGTH} characters` });
  }
  return value;
}

/**
 * One update as the family reads it. `language` is the family's (a code, "es-MX" or a name);
 * the answer says which language was actually used. Slots the template does not use are ignored,
 * so a form may send them all. Throws AppError.validation naming the field at fault.
 */
export function renderUpdate(input: {
  language: string;
  template: string;
  child: string;
  slots: Partial<Record<UpdateSlot, string | number>>;
}): { text: string; language: string } {
  const tpl = byKey.get(input.template);
  if (!tpl) throw AppError.validation({ template: `unknown template "${input.template}"` });
  const language = updateLanguage(typeof input.language === 'string' ? input.language : '');
  const vars: Record<string, string | number> = {
    child: plainWords('child', typeof input.child === 'string' ? input.child : ''),
  };
  for (const slot of tpl.slots) vars[slot] = slotValue(slot, input.slots?.[slot], language);
  const text = t(language, `updates:${tpl.key}`, vars);
  return { text: capitalizeFirst(text, language), language };
}

/** Some languages open a sentence with a slot ("matematyka: …"); a text starts with a capital. */
function capitalizeFirst(text: string, language: string): string {
  const [first = '', ...rest] = [...text];
  return first.toLocaleUpperCase(language) + rest.join('');
}
