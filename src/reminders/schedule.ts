import { DateTime } from 'luxon';

/**
 * When a broadcast's text is due for one family (epoch ms), decided once at fan-out:
 * - `sendAt`: that instant for everyone.
 * - `localTime` HH:MM: the day is the school's next HH:MM at or after the broadcast was created
 *   (a principal scheduling 06:00 at 05:30 means this morning; 18:00 asked at 19:00 means
 *   tomorrow), and each family gets HH:MM of that day in its own zone. A family whose zone is
 *   ahead of the school's and whose HH:MM has passed by then gets it at once.
 * - neither: now.
 * Quiet hours are not decided here: a non-urgent text due at night is held by the send policy
 * and leaves at 08:00 in the family's zone.
 */
export function dueAt(
  b: { sendAt: string | null; localTime: string | null; createdAtMs: number },
  zones: { school: string; family: string | null },
  nowMs: number,
): number {
  if (b.sendAt) return Date.parse(b.sendAt);
  if (!b.localTime) return nowMs;
  const [hour, minute] = b.localTime.split(':').map(Number);
  const created = DateTime.fromMillis(b.createdAtMs, { zone: zones.school });
  let day = created.set({ hour, minute, second: 0, millisecond: 0 });
  if (day.toMillis() < b.createdAtMs) day = day.plus({ days: 1 });
  const local = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone: zones.family ?? zones.school });
  return local.toMillis();
}
