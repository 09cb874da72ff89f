import { sql } from 'drizzle-orm';
import type { SchemaKit } from './kit';
import { createdAt } from './columns';
import type { peopleTables } from './people';

/**
 * What a progress record says. `update` is a teacher's update (src/updates); the others come from
 * progress imports (issue 11). A text column, not an enum, so a new kind needs no migration.
 */
export const PROGRESS_KINDS = ['update', 'missing_assignments', 'absences', 'reading_level', 'current_unit', 'note'] as const;
export type ProgressKind = (typeof PROGRESS_KINDS)[number];
/** Where a record came from: an update sent to the family, the API, or a CSV import. */
export const PROGRESS_SOURCES = ['update', 'api', 'csv'] as const;
export type ProgressSource = (typeof PROGRESS_SOURCES)[number];

/** Per student and week: what the weekend nudges read to say how a child is doing. */
export function progressTables(k: SchemaKit, { schools, staff, students }: ReturnType<typeof peopleTables>) {
  const progressRecords = k.table(
    'progress_records',
    {
      id: k.id(),
      studentId: k.integer('student_id').notNull().references(() => students.id),
      schoolId: k.integer('school_id').notNull().references(() => schools.id),
      /** The Monday (YYYY-MM-DD) of the ISO week, in the school's time zone. */
      week: k.text('week').notNull(),
      kind: k.text('kind').notNull(),
      value: k.text('value'),
      /** JSON: a template key and its slots, or the free text and its language. */
      details: k.text('details'),
      staffId: k.integer('staff_id').references(() => staff.id),
      /**
       * The text that carried it to the family (the first, when several families got one). No foreign
       * key, as welcomes.message_id: on PostgreSQL the key's share lock on the message row would
       * deadlock with a worker's batch of status updates to those rows.
       */
      messageId: k.integer('message_id'),
      source: k.text('source', { enum: PROGRESS_SOURCES }).notNull(),
      createdAt: createdAt(k),
    },
    (t) => [
      k.index('progress_records_student_week_idx').on(t.studentId, t.week),
      // One imported record per student, week, kind and source: the same file or request twice
      // changes a value, never adds a row. Teachers' updates stay many a week, so they are left out.
      k.uniqueIndex('progress_records_import_uq').on(t.studentId, t.week, t.kind, t.source).where(sql`source <> 'update'`),
    ],
  );
  return { progressRecords };
}
