import type { Queues } from '../queue/queues';

/** The job scheduler's id: BullMQ keeps one schedule per id, however many workers register it. */
export const NUDGE_SCHEDULER_ID = 'weekend-nudges';
/** Every minute: a school's send time is a minute of its own zone's week (see week.ts). */
export const NUDGE_SCHEDULE_PATTERN = '* * * * *';

/**
 * Registers (or updates) the weekend nudges' BullMQ job scheduler. Each worker process does at
 * start; Redis holds one schedule, so ticks are not multiplied by the number of workers.
 */
export async function registerNudgeScheduler(queues: Pick<Queues, 'nudges'>): Promise<void> {
  await queues.nudges.upsertJobScheduler(NUDGE_SCHEDULER_ID, { pattern: NUDGE_SCHEDULE_PATTERN }, { name: 'nudge-tick' });
}
