import type { SchemaKit } from './kit';
import type { peopleTables } from './people';

/**
 * A one-digit reply to a weekend nudge ("Reply 1 if you tried it"): what the family said about
 * the tip. The tips a nudge carried are the nudge engine's (nudge_plans, by the nudge's message
 * id), so a row names the nudge rather than copying them.
 */
export function feedbackTables(k: SchemaKit, { families }: ReturnType<typeof peopleTables>) {
  const tipFeedback = k.table(
    'tip_feedback',
    {
      id: k.id(),
      familyId: k.integer('family_id').notNull().references(() => families.id),
      /**
       * The family's reply; unique, so a follow-up job run twice records it once. No foreign keys to
       * messages, as welcomes.message_id: on PostgreSQL the key's share lock on the message row would
       * deadlock with a worker's batch of status updates to those rows.
       */
      messageId: k.integer('message_id').notNull(),
      /** The nudge it answers: the family's last text before the reply. */
      nudgeMessageId: k.integer('nudge_message_id').notNull(),
      digit: k.integer('digit').notNull(),
      at: k.text('at').notNull(),
    },
    (t) => [k.uniqueIndex('tip_feedback_message_uq').on(t.messageId), k.index('tip_feedback_nudge_idx').on(t.nudgeMessageId)],
  );
  return { tipFeedback };
}
