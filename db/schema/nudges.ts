import type { SchemaKit } from './kit';
import { createdAt, updatedAt } from './columns';
import type { peopleTables } from './people';

export const NUDGE_PLAN_STATUSES = ['planned', 'sent', 'skipped'] as const;
export type NudgePlanStatus = (typeof NUDGE_PLAN_STATUSES)[number];

/**
 * One weekend nudge per family and ISO week (YYYY-Www in the school's zone). The row is claimed
 * (insert-or-ignore on family_id + week) before anything is sent, so two ticks, two workers or a
 * restart still give one text. Skipped families get a row too, with the reason, so the tick does
 * not look at them again all weekend.
 */
export function nudgeTables(k: SchemaKit, { families, schools, students }: ReturnType<typeof peopleTables>) {
  const nudgePlans = k.table(
    'nudge_plans',
    {
      id: k.id(),
      familyId: k.integer('family_id').notNull().references(() => families.id),
      schoolId: k.integer('school_id').notNull().references(() => schools.id),
      week: k.text('week').notNull(),
      status: k.text('status', { enum: NUDGE_PLAN_STATUSES }).notNull(),
      /** Why nothing was sent: paused, opted_out, budget, no_number, no_children. */
      reason: k.text('reason'),
      /** The first text of the nudge (a family with two numbers gets one per number). No key: see progress_records.message_id. */
      messageId: k.integer('message_id'),
      /** JSON: [{studentId, tipId}] of the tips the text carried. */
      tipIds: k.text('tip_ids'),
      createdAt: createdAt(k),
      updatedAt: updatedAt(k),
    },
    (t) => [k.uniqueIndex('nudge_plans_family_week_uq').on(t.familyId, t.week), k.index('nudge_plans_school_week_idx').on(t.schoolId, t.week)],
  );

  /** Per student and week, the tip a nudge carried: a tip is never repeated for a child within 12 weeks. */
  const nudgeTips = k.table(
    'nudge_tips',
    {
      id: k.id(),
      studentId: k.integer('student_id').notNull().references(() => students.id),
      familyId: k.integer('family_id').notNull().references(() => families.id),
      week: k.text('week').notNull(),
      tipId: k.text('tip_id').notNull(),
      createdAt: createdAt(k),
    },
    (t) => [k.uniqueIndex('nudge_tips_student_family_week_uq').on(t.studentId, t.familyId, t.week), k.index('nudge_tips_student_week_idx').on(t.studentId, t.week)],
  );
  return { nudgePlans, nudgeTips };
}
