import type { Encoding } from '../i18n/segments';
import type { QueuedText } from '../messaging/outbound';
import type { UpdateSlot } from './sentence-bank';

/** The shapes of a teacher's update, as the API and the console page hand them over. */

export type Slots = Partial<Record<UpdateSlot, string | number>>;

/** One sentence about one student: a sentence-bank template with its slots, or the teacher's own words. */
export type UpdateItem =
  | { studentId: number; template: string; slots: Slots }
  | { studentId: number; text: string; language?: string };

export interface UpdateRequest {
  classId: number;
  items: UpdateItem[];
  /** The language free texts are written in (default English), unless an item says otherwise. */
  language?: string;
}

/**
 * Why a guardian does not get a family's update. There is no `paused`: PAUSE stops reminders and
 * tips only, and its confirmation promises the family "Your child's teachers can still text you"
 * (templates/en/system.json), so a paused family gets updates; the preview shows `pausedUntil`.
 */
export const SKIP_REASONS = ['opted_out', 'no_number', 'may_contact_false'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface Recipient {
  guardianId: number;
  phone: string;
}

export interface Skipped {
  guardianId: number;
  reason: SkipReason;
  /** The number concerned, for opted_out (a guardian may have another number that still gets it). */
  phone?: string;
}

/**
 * Free text (or a template with no wording in the family's language) in another language than the
 * family's: `translated` (the family gets the translation; `original` keeps the teacher's words),
 * `not_configured` (no TRANSLATE_URL: it arrives as written), `failed` (the service failed or was
 * slow: sending needs "untranslated": "send_as_written", or a later try).
 */
export interface TranslationNote {
  status: 'translated' | 'not_configured' | 'failed';
  from: string;
  to: string;
  note?: string;
  error?: string;
}

/** One family's text: what it says, who gets it, who does not and why. */
export interface FamilyUpdate {
  familyId: number;
  familyName: string;
  /** The language the text is in: the family's, unless a free text stays untranslated. */
  language: string;
  familyLanguage: string;
  text: string;
  encoding: Encoding;
  segments: number;
  characters: number;
  students: { id: number; firstName: string }[];
  recipients: Recipient[];
  skipped: Skipped[];
  translation: TranslationNote | null;
  /** What the teacher wrote, when the family gets a translation of it. */
  original: { text: string; language: string } | null;
  /** Reminders and tips are paused until then; updates still reach the family. */
  pausedUntil: string | null;
  /** Set by a send: the first of the family's messages (one per number), and all of them. */
  messageId?: number;
  messages?: QueuedText[];
}

/** A student the update reaches no family of: none on the roster, or only under a no-contact order. */
export interface Unreached {
  studentId: number;
  firstName: string;
  reason: 'no_family' | 'may_contact_false';
}

export interface UpdatePreview {
  classId: number;
  /** The ISO week (its Monday, in the school's time zone) the progress records are filed under. */
  week: string;
  items: FamilyUpdate[];
  unreached: Unreached[];
}

export interface UpdateSendResult extends UpdatePreview {
  /** The client's key for this send; a repeat with the same key answers this again and texts nobody. */
  requestId: string | null;
  replayed: boolean;
  progressRecords: number;
}
