import { AppError } from '../errors';
import { hasOwnTemplate, t } from '../i18n/i18n';
import { DEFAULT_LANGUAGE, normalizeLanguage } from '../i18n/languages';
import { formatUpdateDate, plainWords } from '../updates/sentence-bank';

/**
 * School reminders a school sends to many families at once (conferences, closures, forms due), written
 * for parents in templates/{lng}/reminders.json (i18next namespace `reminders`: per id a `title` for the
 * console's picker and the `text`). This list is the catalogue: which ids exist, in picker order, and
 * the slots each needs; the JSON files hold the words. `{{school}}` opens every text (a parent must see
 * who is texting) and comes from the school's record, not from the form.
 */

export type ReminderSlot = 'date' | 'time' | 'endTime' | 'event' | 'link';
export type ReminderSlots = Partial<Record<ReminderSlot, string>>;

const CATALOGUE: ReadonlyArray<{ id: string; slots: ReminderSlot[] }> = [
  { id: 'conference', slots: ['date', 'time', 'endTime'] },
  { id: 'closed_weather', slots: ['date'] },
  { id: 'delayed_opening', slots: ['date', 'time'] },
  { id: 'early_dismissal', slots: ['date', 'time'] },
  { id: 'no_school', slots: ['date'] },
  { id: 'school_break', slots: ['date'] },
  { id: 'first_day', slots: ['date', 'time'] },
  { id: 'attendance', slots: [] },
  { id: 'event', slots: ['event', 'date', 'time'] },
  { id: 'picture_day', slots: ['date'] },
  { id: 'forms_due', slots: ['date', 'link'] },
  { id: 'permission_slip', slots: ['event', 'date'] },
  { id: 'health_forms', slots: ['date'] },
  { id: 'report_cards', slots: ['link'] },
  { id: 'library_books', slots: ['date'] },
];
const byId = new Map(CATALOGUE.map((tpl) => [tpl.id, tpl]));

export interface ReminderTemplate {
  id: string;
  /** For the picker, in the staff member's language (English when theirs has no reminders). */
  title: string;
  /** Slots the school fills, in the order a form shows them. */
  slots: ReminderSlot[];
}

/** Every reminder, in picker order, titled in `staffLanguage`. */
export function reminderTemplates(staffLanguage: string = DEFAULT_LANGUAGE): ReminderTemplate[] {
  const lng = reminderLanguage(staffLanguage);
  return CATALOGUE.map(({ id, slots }) => ({ id, title: t(lng, `reminders:${id}.title`), slots: [...slots] }));
}

export function isReminderTemplate(id: string): boolean {
  return byId.has(id);
}

const languageCache = new Map<string, boolean>();
/**
 * The language a family's reminders are written in: its own when templates/{lng}/reminders.json has
 * every reminder (title and text), else English. A half-translated file is not used, so a broadcast
 * never reaches one family in a mix of languages.
 */
export function reminderLanguage(language: string): string {
  const code = normalizeLanguage(typeof language === 'string' ? language : '') ?? DEFAULT_LANGUAGE;
  let has = languageCache.get(code);
  if (has === undefined) {
    has = CATALOGUE.every(
      ({ id }) => hasOwnTemplate(code, `reminders:${id}.text`) && hasOwnTemplate(code, `reminders:${id}.title`),
    );
    languageCache.set(code, has);
  }
  return has ? code : DEFAULT_LANGUAGE;
}

const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/**
 * Clock times as each language writes them on a school notice; anything else gets 24-hour "16:00".
 * Spanish carries its article ("las 4 p. m.", "la 1 p. m."), so a template says "a {{time}}" and the
 * one o'clock case reads right; its texts never end a sentence on a time ("p. m..").
 */
const TIME_STYLES: Record<string, (h: number, m: number) => string> = {
  en: (h, m) => `${h12(h)}${m ? `:${pad(m)}` : ''} ${h < 12 ? 'AM' : 'PM'}`,
  es: (h, m) => `${h12(h) === 1 ? 'la' : 'las'} ${h12(h)}${m ? `:${pad(m)}` : ''} ${h < 12 ? 'a. m.' : 'p. m.'}`,
  pt: (h, m) => `${h}h${m ? pad(m) : ''}`,
  ar: (h, m) => `${h12(h)}${m ? `:${pad(m)}` : ''} ${h < 12 ? 'صباحًا' : h === 12 ? 'ظهرًا' : 'مساءً'}`,
};
const h12 = (h: number) => (h % 12 === 0 ? 12 : h % 12);
const pad = (n: number) => String(n).padStart(2, '0');

/** "16:30" → "4:30 PM" / "las 4:30 p. m." / "16h30" / "16:30"; null when not a time of day. */
export function formatReminderTime(hhmm: string, language: string): string | null {
  const m = TIME.exec(hhmm);
  if (!m) return null;
  const [h, min] = [Number(m[1]), Number(m[2])];
  return (TIME_STYLES[language] ?? ((hh, mm) => `${pad(hh)}:${pad(mm)}`))(h, min);
}

const MAX_LINK_LENGTH = 100;
/** A web address as a phone shows it as a link: no spaces, a dot in the host, http(s) or none. */
const LINK = /^(https?:\/\/)?[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+([/?#]\S*)?$/u;

function slotValue(slot: ReminderSlot, raw: string | undefined, language: string): string {
  const field = `slots.${slot}`;
  const value = typeof raw === 'string' ? raw.trim() : '';
  if (value === '') throw AppError.validation({ [field]: `this reminder needs a ${slot}` });
  if (slot === 'date') {
    const formatted = formatUpdateDate(value, language);
    if (!formatted) throw AppError.validation({ [field]: 'must be a date written YYYY-MM-DD' });
    return formatted;
  }
  if (slot === 'time' || slot === 'endTime') {
    const formatted = formatReminderTime(value, language);
    if (!formatted) throw AppError.validation({ [field]: 'must be a time written HH:MM (24-hour)' });
    return formatted;
  }
  if (slot === 'link') {
    if (value.length > MAX_LINK_LENGTH || !LINK.test(value)) {
      throw AppError.validation({ [field]: `must be a web address without spaces, at most ${MAX_LINK_LENGTH} characters` });
    }
    return value;
  }
  return plainWords(field, value);
}

/** A time range must not run backwards: "4 PM to 3 PM" would reach thousands of families. */
function checkTimeRange(slots: ReminderSlots, tplSlots: ReminderSlot[]): void {
  if (!tplSlots.includes('endTime')) return;
  const [from, to] = [slots.time!, slots.endTime!].map((v) => v.trim().padStart(5, '0'));
  if (to <= from) throw AppError.validation({ 'slots.endTime': 'must be after the time' });
}

export interface ReminderInput {
  id: string;
  /** The school's name, as its record has it; every reminder opens with it. */
  school: string;
  /** What the school typed for each slot, shared by every language. */
  slots: ReminderSlots;
  /** Per language, values that replace the shared ones (an event's name in Spanish). */
  slotsByLanguage?: Record<string, ReminderSlots>;
}

/**
 * One reminder as a family reading `language` gets it; the answer says which language was used
 * (English when theirs has no reminders). Slots the reminder does not use are ignored, so a form may
 * send them all. Throws AppError.validation naming the field at fault.
 */
export function renderReminder(input: ReminderInput & { language: string }): { text: string; language: string } {
  const tpl = byId.get(input.id);
  if (!tpl) throw AppError.validation({ id: `unknown reminder "${input.id}"` });
  const language = reminderLanguage(input.language);
  const slots = { ...input.slots, ...input.slotsByLanguage?.[language] };
  const vars: Record<string, string> = { school: plainWords('school', typeof input.school === 'string' ? input.school : '') };
  for (const slot of tpl.slots) vars[slot] = slotValue(slot, slots[slot], language);
  checkTimeRange(slots, tpl.slots);
  return { text: t(language, `reminders:${tpl.id}.text`, vars), language };
}

export interface LanguageText {
  /** The family language asked for (a code; what a family's record says, normalized). */
  language: string;
  /** The language the text is in. */
  textLanguage: string;
  text: string;
  /** True when `language` has no reminders and its families get the English text. */
  englishFallback: boolean;
}

/**
 * One reminder for each language of an audience (the broadcast's language breakdown), each in its
 * own language where it has reminders, else in English and flagged, so a preview can say "12 families
 * will get English". Each language appears once, in the order first given.
 */
export function renderReminderForLanguages(input: ReminderInput & { languages: string[] }): LanguageText[] {
  const codes = [...new Set(input.languages.map((l) => normalizeLanguage(l) ?? l))];
  return codes.map((language) => {
    const { text, language: textLanguage } = renderReminder({ ...input, language });
    return { language, textLanguage, text, englishFallback: textLanguage !== language };
  });
}
