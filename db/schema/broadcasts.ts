import type { SchemaKit } from './kit';
import { createdAt, updatedAt } from './columns';
import type { peopleTables } from './people';

export const BROADCAST_STATUSES = ['scheduled', 'sending', 'paused', 'canceled', 'done'] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];
export const BROADCAST_PAUSE_REASONS = ['staff', 'guardrail'] as const;
export type BroadcastPauseReason = (typeof BROADCAST_PAUSE_REASONS)[number];
/** A recipient row is either texted (its message carries the live status) or skipped with a reason. */
export const RECIPIENT_STATUSES = ['queued', 'skipped'] as const;
export const SKIP_REASONS = ['opted_out', 'paused', 'no_number', 'may_not_contact', 'budget'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * A school's bulk reminder and everyone it reaches. Creating one stores only the broadcast row;
 * the fan-out job (src/reminders/fan-out.ts) walks the audience a page of families at a time,
 * keeping `fanout_cursor` (the last family id done) in the same transaction as the page's rows,
 * so a fan-out that stops half-way continues where it stopped and never adds a family twice.
 */
export function broadcastTables(k: SchemaKit, { schools, staff, families }: ReturnType<typeof peopleTables>) {
  const broadcasts = k.table(
    'broadcasts',
    {
      id: k.id(),
      schoolId: k.integer('school_id').notNull().references(() => schools.id),
      createdBy: k.integer('created_by').notNull().references(() => staff.id),
      /** JSON: {"en": "...", "es": "..."}; a family whose language is missing gets English. */
      texts: k.text('texts').notNull(),
      /** JSON: {"type": "school"|"grades"|"classes"|"students", "grades": [], "ids": []}. */
      audience: k.text('audience').notNull(),
      urgent: k.bool('urgent').notNull().default(false),
      /** When it leaves (UTC ISO); null with localTime null means now. */
      sendAt: k.text('send_at'),
      /** 'HH:MM' in each family's own zone (the school's unless the family has one). */
      localTime: k.text('local_time'),
      status: k.text('status', { enum: BROADCAST_STATUSES }).notNull(),
      pausedReason: k.text('paused_reason', { enum: BROADCAST_PAUSE_REASONS }),
      /** The last family id the fan-out has finished (families are walked in id order). */
      fanoutCursor: k.integer('fanout_cursor').notNull().default(0),
      /** Pages (batch send jobs) the fan-out has made so far. */
      pages: k.integer('pages').notNull().default(0),
      fanoutDone: k.bool('fanout_done').notNull().default(false),
      /** Bumped by each resume: a page's batch job id carries it, so a resumed page gets a fresh job. */
      sendRound: k.integer('send_round').notNull().default(0),
      createdAt: createdAt(k),
      updatedAt: updatedAt(k),
    },
    (t) => [k.index('broadcasts_school_idx').on(t.schoolId, t.id), k.index('broadcasts_status_idx').on(t.status)],
  );

  const broadcastRecipients = k.table(
    'broadcast_recipients',
    {
      id: k.id(),
      broadcastId: k.integer('broadcast_id').notNull().references(() => broadcasts.id),
      familyId: k.integer('family_id').notNull().references(() => families.id),
      /** E.164; null when the family has no number that can take texts. */
      phone: k.text('phone'),
      language: k.text('language').notNull(),
      /** JSON array of the family's students the broadcast is about. */
      studentIds: k.text('student_ids').notNull(),
      /** Which fan-out page (batch send job) carries its text. */
      page: k.integer('page').notNull(),
      status: k.text('status', { enum: RECIPIENT_STATUSES }).notNull(),
      reason: k.text('reason', { enum: SKIP_REASONS }),
      messageId: k.integer('message_id'),
      /** When its text is due (UTC ISO): the broadcast's time, or the family's local HH:MM. */
      dueAt: k.text('due_at'),
      createdAt: createdAt(k),
    },
    (t) => [
      k.uniqueIndex('broadcast_recipients_family_phone_uq').on(t.broadcastId, t.familyId, t.phone),
      k.index('broadcast_recipients_page_idx').on(t.broadcastId, t.page),
      k.index('broadcast_recipients_message_idx').on(t.messageId),
    ],
  );
  return { broadcasts, broadcastRecipients };
}
