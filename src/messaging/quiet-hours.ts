import { DateTime } from 'luxon';

/** Non-urgent texts leave only between these local hours (the strictest state laws' default). */
export const QUIET_HOURS = { startHour: 8, endHour: 20 } as const;

/**
 * When a non-urgent text may leave: `nowMs` itself inside 08:00–20:00 local, else the next 08:00.
 */
export function nextSendTime(nowMs: number, timezone: string, window = QUIET_HOURS): number {
  const local = DateTime.fromMillis(nowMs, { zone: timezone });
  if (local.hour >= window.startHour && local.hour < window.endHour) return nowMs;
  const opens = local.set({ hour: window.startHour, minute: 0, second: 0, millisecond: 0 });
  const next = local.hour < window.startHour ? opens : opens.plus({ days: 1 });
  return next.toMillis();
}
