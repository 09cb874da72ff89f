import type { BroadcastPauseReason, BroadcastStatus, SkipReason } from '../../db/schema';
import type { Encoding } from '../i18n/segments';
import type { ReminderSlots } from './templates';

/** The shapes bulk reminders (broadcasts) take in and give back; see src/http/api/broadcasts.ts. */

export type AudienceSpec =
  | { type: 'school' }
  | { type: 'grades'; grades: string[] }
  | { type: 'classes'; ids: number[] }
  | { type: 'students'; ids: number[] };

/**
 * The audience a caller names. Students go by FamilyLine id (a number) or by the roster's own
 * student id (a string: the sourcedId or student_id of the school's roster file, what a list
 * exported from the student information system carries); both become FamilyLine ids before
 * anything is stored (resolveAudience).
 */
export type AudienceInput = Exclude<AudienceSpec, { type: 'students' }> | { type: 'students'; ids: (number | string)[] };

export interface BroadcastRequest {
  schoolId: number;
  audience: AudienceSpec;
  /** Text per ISO 639-1 language; English is required (the fallback for any family's missing language). */
  texts: Record<string, string>;
  /** UTC ISO, or null. At most one of sendAt and localTime; neither means now. */
  sendAt: string | null;
  /** 'HH:MM' in each family's own zone, or null. */
  localTime: string | null;
  urgent: boolean;
}

/** A school reminder (templates/{lng}/reminders.json) chosen instead of written texts. */
export interface ReminderChoice {
  id: string;
  slots: ReminderSlots;
}

/**
 * What the API takes: the texts written, or a reminder the server renders into them for the
 * audience's languages (reminder-texts.ts); from there on a broadcast is its texts.
 */
export type BroadcastInput = Omit<BroadcastRequest, 'texts' | 'audience'> & { audience: AudienceInput } & ({ texts: Record<string, string>; reminder?: undefined } | { reminder: ReminderChoice; texts?: undefined });

export interface LanguagePreview {
  language: string;
  /** Recipients (numbers) who get this language's text. */
  recipients: number;
  families: number;
  /** The text they get: the language's own, or English when it has none. */
  textLanguage: string;
  /** That text, word for word (what a reminder was rendered to). */
  text: string;
  encoding: Encoding;
  segments: number;
  /** segments × recipients. */
  cost: number;
}

export interface BroadcastPreview {
  schoolId: number;
  families: number;
  recipients: number;
  languages: LanguagePreview[];
  /** Segments in all (Twilio bills each): the languages' costs added up. */
  cost: number;
  /** Families whose language has no text and so get English: one warning per language. */
  fallbacks: { language: string; families: number; warning: string }[];
  skipped: { familyId: number; phone: string | null; reason: SkipReason }[];
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** When it would leave (UTC ISO) for a family in the school's zone; null for each family's local time. */
  sendsAt: string | null;
  warnings: string[];
}

export type ProgressStatus = 'queued' | 'sent' | 'delivered' | 'failed' | 'held' | 'canceled' | 'skipped';

export interface BroadcastView {
  id: number;
  schoolId: number;
  createdBy: number;
  audience: AudienceSpec;
  texts: Record<string, string>;
  sendAt: string | null;
  localTime: string | null;
  urgent: boolean;
  status: BroadcastStatus;
  pausedReason: BroadcastPauseReason | null;
  /** A sentence for the console's banner when the guardrail paused it, else null. */
  banner: string | null;
  fanout: { done: boolean; pages: number };
  counts: Record<ProgressStatus, number> & { total: number };
  createdAt: string;
  updatedAt: string;
}
