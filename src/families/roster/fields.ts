/** Cell values both roster formats share: grades, yes/no flags, languages, id lists, status, lengths. */
import { normaliseGrade, type Grade, GRADES } from '../codes';
import { normalizeLanguage } from '../../i18n/languages';

/** The longest value FamilyLine keeps, by what a column holds. */
const MAX_CHARS = { id: 255, name: 100, title: 200, email: 254, phone: 40, code: 50 } as const;

/**
 * Per column (lower-cased, both formats: no column name means two things), the longest value
 * FamilyLine keeps; a row with a longer one is rejected (`too_long`). Lists of ids
 * (orgSourcedIds, agentSourcedIds, grades) are bounded by ROSTER_MAX_LINE_CHARS only.
 */
export const FIELD_MAX_CHARS: Readonly<Record<string, number>> = {
  // OneRoster
  sourcedid: MAX_CHARS.id,
  classsourcedid: MAX_CHARS.id,
  usersourcedid: MAX_CHARS.id,
  schoolsourcedid: MAX_CHARS.id,
  coursesourcedid: MAX_CHARS.id,
  givenname: MAX_CHARS.name,
  familyname: MAX_CHARS.name,
  name: MAX_CHARS.title,
  title: MAX_CHARS.title,
  classcode: MAX_CHARS.title,
  email: MAX_CHARS.email,
  sms: MAX_CHARS.phone,
  phone: MAX_CHARS.phone,
  role: MAX_CHARS.code,
  type: MAX_CHARS.code,
  status: MAX_CHARS.code,
  'metadata.household': MAX_CHARS.id,
  'metadata.language': MAX_CHARS.code,
  'metadata.preferredlanguage': MAX_CHARS.code,
  // Flat
  student_id: MAX_CHARS.id,
  guardian_id: MAX_CHARS.id,
  household_id: MAX_CHARS.id,
  student_first_name: MAX_CHARS.name,
  student_last_name: MAX_CHARS.name,
  guardian_first_name: MAX_CHARS.name,
  guardian_last_name: MAX_CHARS.name,
  school: MAX_CHARS.title,
  class: MAX_CHARS.title,
  teacher_email: MAX_CHARS.email,
  guardian_phone: MAX_CHARS.phone,
  guardian_language: MAX_CHARS.code,
  relationship: MAX_CHARS.code,
  grade: MAX_CHARS.code,
  may_contact: MAX_CHARS.code,
};

/**
 * A grade as student information systems write it → PK, K, 1…12, or null. OneRoster's codes
 * (IT infant/toddler, PR preschool, PK, TK transitional K, KG, 01…12) are folded to the grades
 * FamilyLine's tips are written for: everything before kindergarten is PK. 13, PS (post-
 * secondary), UG (ungraded) and Other have no tips, so they are not usable grades.
 */
export function rosterGrade(raw: string): Grade | null {
  const g = raw.trim().toUpperCase();
  if (['IT', 'PR', 'PK', 'TK', 'PREK', 'PRE-K'].includes(g)) return 'PK';
  if (['KG', 'K', 'KINDERGARTEN'].includes(g)) return 'K';
  return normaliseGrade(g);
}

export function sortGrades(grades: Iterable<string>): string[] {
  return [...new Set(grades)].sort((a, b) => GRADES.indexOf(a as Grade) - GRADES.indexOf(b as Grade));
}

/**
 * OneRoster writes lists in one quoted cell separated by commas; some exports use semicolons.
 * No id or grade code contains either, so both are accepted.
 */
export function splitList(cell: string): string[] {
  return cell.split(/[;,]/).map((s) => s.trim()).filter(Boolean);
}

const YES = new Set(['true', 'yes', 'y', '1', 't']);
const NO = new Set(['false', 'no', 'n', '0', 'f']);

/** "yes"/"no"/…; an empty cell is `empty`; anything else is null so the caller can report it. */
export function yesNo(cell: string, empty: boolean): boolean | null {
  const v = cell.trim().toLowerCase();
  if (v === '') return empty;
  if (YES.has(v)) return true;
  if (NO.has(v)) return false;
  return null;
}

/**
 * A may-contact cell. An unreadable value is treated as "no contact" and reported: texting a
 * parent under a no-contact order is the one mistake an import must not make.
 */
export function mayContactCell(cell: string): { mayContact: boolean; problem: string | null } {
  const v = yesNo(cell, true);
  if (v !== null) return { mayContact: v, problem: null };
  return {
    mayContact: false,
    problem: `may-contact value "${cell}" is not yes/no/true/false/1/0; treated as no contact to be safe`,
  };
}

/** A language code or name → ISO 639-1; an unknown one is reported and the school's default used. */
export function languageCell(cell: string): { language: string | null; problem: string | null } {
  if (!cell.trim()) return { language: null, problem: null };
  const language = normalizeLanguage(cell);
  if (language) return { language, problem: null };
  return { language: null, problem: `language "${cell}" is not one FamilyLine knows; the school's default language is used` };
}

/** OneRoster status: blank in bulk files means active; 1.0's "inactive" is honoured too. */
export function isActiveStatus(status: string): boolean {
  const s = status.trim().toLowerCase();
  return s !== 'tobedeleted' && s !== 'inactive' && s !== 'deleted';
}

/** Digits only, without a leading US 1, so "+1 555-555-0142" and "(555) 555-0142" compare equal. */
export function phoneKey(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
}
