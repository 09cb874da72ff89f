import { DateTime } from 'luxon';
import { maskPhone } from '../../lib/phone';
import type { StaffPrincipal } from '../../staff/scope';

/** How pages write times, numbers and states. Times are shown in the school's zone. */

export function humanTime(iso: string | null, zone: string, nowMs: number): string {
  if (!iso) return '';
  const t = DateTime.fromISO(iso, { zone });
  const now = DateTime.fromMillis(nowMs, { zone });
  if (!t.isValid) return '';
  const clock = t.toFormat('h:mm a');
  if (t.hasSame(now, 'day')) return clock;
  if (t.hasSame(now.minus({ days: 1 }), 'day')) return `Yesterday ${clock}`;
  if (now.diff(t, 'days').days < 6 && t < now) return `${t.toFormat('ccc')} ${clock}`;
  return t.hasSame(now, 'year') ? t.toFormat('LLL d') : t.toFormat('LLL d, yyyy');
}

/** A full date and time for a title or a thread. */
export function fullTime(iso: string | null, zone: string): string {
  if (!iso) return '';
  const t = DateTime.fromISO(iso, { zone });
  return t.isValid ? t.toFormat("ccc LLL d, h:mm a") : '';
}

/** "When will it leave" in words: "8:00 AM", "8:00 AM tomorrow", "8:00 AM Monday". */
export function sendsAtText(sendsAt: number, zone: string, nowMs: number): string {
  const t = DateTime.fromMillis(sendsAt, { zone });
  const now = DateTime.fromMillis(nowMs, { zone });
  const clock = t.toFormat('h:mm a');
  if (t.hasSame(now, 'day')) return clock;
  if (t.hasSame(now.plus({ days: 1 }), 'day')) return `${clock} tomorrow`;
  return `${clock} ${t.toFormat('cccc')}`;
}

export function quietHoursWarning(timing: { sendsAt: number | null; timezone: string }, nowMs: number): string | null {
  if (timing.sendsAt === null) return null;
  return `Quiet hours at the school: a reply sent now will be delivered at ${sendsAtText(timing.sendsAt, timing.timezone, nowMs)} (school time).`;
}

/** Admins see whole numbers (they fix rosters); a teacher texts through FamilyLine and sees the last four digits. */
export function phoneFor(who: StaffPrincipal | null, number: string | null): string {
  if (!number) return '';
  return who && who.role !== 'teacher' ? number : maskPhone(number);
}

const STATUS_LABELS: Record<string, string> = {
  received: 'received',
  queued: 'waiting to send',
  held: 'held for quiet hours',
  blocked: 'not sent: opted out',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'not delivered',
  failed: 'failed',
  canceled: 'not sent: broadcast canceled',
};
export const statusLabel = (s: string) => STATUS_LABELS[s] ?? s;

export function preview(body: string | undefined | null, max = 90): string {
  const flat = (body ?? '').replace(/\s+/g, ' ').trim();
  return [...flat].length > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat;
}

const names = new Intl.DisplayNames(['en'], { type: 'language' });
export function languageName(code: string | null | undefined): string {
  if (!code) return '';
  try {
    return names.of(code) ?? code;
  } catch {
    return code; // not a language code Intl knows: shown as stored
  }
}

export const fmt = { humanTime, fullTime, phoneFor, statusLabel, preview, languageName };
