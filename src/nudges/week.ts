import { DateTime } from 'luxon';
import { nextSendTime } from '../messaging/quiet-hours';
import { nudgeSlot, type NudgeSlot } from './slots';

/**
 * Weeks and send times of the weekend nudges, always in the school's own zone: the slot is a
 * wall-clock time (Saturday 09:30 stays 09:30 across a change to or from daylight saving time),
 * and "this week" is the ISO week (Monday–Sunday) of that zone.
 */

/** The ISO week `ms` falls in, in `zone`: "2026-W45". Sorts as text in time order. */
export function nudgeWeek(ms: number, zone: string): string {
  const local = DateTime.fromMillis(ms, { zone });
  return `${local.weekYear}-W${String(local.weekNumber).padStart(2, '0')}`;
}

/** "2026-W45" → its Monday 00:00 and the next Monday 00:00 in `zone` (epoch ms); null when it is no week. */
export function weekRange(week: string, zone: string): { startMs: number; endMs: number } | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return null;
  const start = DateTime.fromObject({ weekYear: Number(m[1]), weekNumber: Number(m[2]), weekday: 1 }, { zone });
  if (!start.isValid || start.weekYear !== Number(m[1]) || start.weekNumber !== Number(m[2])) return null;
  return { startMs: start.toMillis(), endMs: start.plus({ weeks: 1 }).toMillis() };
}

/** The week `weeks` before the one `ms` falls in. */
export function weeksBefore(ms: number, zone: string, weeks: number): string {
  return nudgeWeek(DateTime.fromMillis(ms, { zone }).minus({ weeks }).toMillis(), zone);
}

export interface NudgeTiming {
  week: string;
  slot: NudgeSlot;
  /** This week's send time (epoch ms). */
  slotAtMs: number;
  /** The send time has come this week. */
  due: boolean;
  /** Outside 08:00–20:00 local: even a due nudge waits (a held or late tick must not text at night). */
  quiet: boolean;
}

/** Whether a school's nudges may go out at `nowMs`: its slot (an id of NUDGE_SLOTS) in its zone. */
export function nudgeTiming(slotId: string | null | undefined, nowMs: number, zone: string): NudgeTiming {
  const slot = nudgeSlot(slotId);
  const local = DateTime.fromMillis(nowMs, { zone });
  const [hour, minute] = slot.time.split(':').map(Number);
  // luxon sets the weekday within the same ISO week and keeps the wall-clock time in the zone.
  const at = local.set({ weekday: slot.weekday as 1 | 2 | 3 | 4 | 5 | 6 | 7, hour, minute, second: 0, millisecond: 0 });
  return {
    week: nudgeWeek(nowMs, zone),
    slot,
    slotAtMs: at.toMillis(),
    due: nowMs >= at.toMillis(),
    quiet: nextSendTime(nowMs, zone) > nowMs,
  };
}
