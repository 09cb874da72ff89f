/**
 * When a school's weekend nudges go out, in the school's own time zone. Weekend texts reached
 * families better than weekday ones (Cortes, Fricke, Loeb, Song & York 2019), so the choices are
 * Friday evening and the weekend mornings; Saturday 09:30 is the default. The nudge engine reads
 * this list; the API and the console's settings page offer exactly these ids.
 */
export const NUDGE_SLOTS = [
  { id: 'fri-17:00', weekday: 5, time: '17:00', label: 'Friday 5:00 PM' },
  { id: 'sat-09:30', weekday: 6, time: '09:30', label: 'Saturday 9:30 AM' },
  { id: 'sun-10:00', weekday: 7, time: '10:00', label: 'Sunday 10:00 AM' },
] as const satisfies readonly NudgeSlot[];

export interface NudgeSlot {
  id: string;
  /** ISO weekday, as luxon numbers them: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Local time of day, HH:mm, in the school's time zone. */
  time: string;
  label: string;
}

export type NudgeSlotId = (typeof NUDGE_SLOTS)[number]['id'];
export const NUDGE_SLOT_IDS = NUDGE_SLOTS.map((s) => s.id) as [NudgeSlotId, ...NudgeSlotId[]];
export const DEFAULT_NUDGE_SLOT: NudgeSlotId = 'sat-09:30';

export function isNudgeSlot(id: string): id is NudgeSlotId {
  return (NUDGE_SLOT_IDS as string[]).includes(id);
}

/** The slot of a school; an id this list no longer holds falls back to the default. */
export function nudgeSlot(id: string | null | undefined): NudgeSlot {
  return NUDGE_SLOTS.find((s) => s.id === id) ?? NUDGE_SLOTS.find((s) => s.id === DEFAULT_NUDGE_SLOT)!;
}
