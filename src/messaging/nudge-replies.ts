import { fold } from '../i18n/fold';
import type { ChildTeacher, LastOutbound } from '../../db/repositories/nudge-replies';

/** How a reply to a weekend nudge is read: tip feedback ("1"), and which teacher it is for. */

/** A reply counts as answering a nudge for this long after it, as a reply to a teacher does. */
export const NUDGE_REPLY_WINDOW_DAYS = 7;
const DAY = 86_400_000;

/** Arabic-Indic and Persian digits, as Arabic and Urdu keyboards type them. */
const EASTERN_DIGITS = /[\u0660-\u0669\u06f0-\u06f9]/g;

/**
 * The digit a one-digit reply is ("1", " 1. ", "١", full-width "１"), or null for anything else.
 * A nudge ends "Reply 1 if you tried it"; any single digit is kept, so a later prompt may ask for more.
 */
export function tipDigit(body: string): number | null {
  const text = fold(body.replace(EASTERN_DIGITS, (d) => String((d.charCodeAt(0) - 0x0660) % 0x90)));
  return /^[0-9]$/.test(text) ? Number(text) : null;
}

/** The nudge a reply answers: the family's last text before it, when that was a nudge within the window. */
export function answeredNudge(last: LastOutbound | undefined, nowMs: number): LastOutbound | null {
  if (!last || last.kind !== 'nudge') return null;
  return Date.parse(last.createdAt) >= nowMs - NUDGE_REPLY_WINDOW_DAYS * DAY ? last : null;
}

/**
 * Who reads a reply to a nudge: the teacher of the child it concerned. A nudge names every child of
 * the family, so with one child that child's teacher; with several, the child the reply names
 * (alone) by first name; when unsure, the first child's homeroom teacher (their first class's).
 * Null when no child has a teacher: the usual assignment applies.
 */
export function nudgeReplyTeacher(children: ChildTeacher[], replyBody: string): number | null {
  const withTeacher = children.filter((c) => c.teacherId !== null);
  if (!withTeacher.length) return null;
  if (withTeacher.length === 1) return withTeacher[0].teacherId;
  const words = new Set(fold(replyBody).split(/[^\p{L}\p{N}]+/u));
  const named = withTeacher.filter((c) => fold(c.firstName).split(/\s+/).every((w) => words.has(w)));
  const teachers = new Set(named.map((c) => c.teacherId));
  return teachers.size === 1 ? named[0].teacherId : withTeacher[0].teacherId;
}
