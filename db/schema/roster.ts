import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, id, updatedAt } from './columns';
import { families, schools, staff, students } from './people';

export const classes = sqliteTable(
  'classes',
  {
    id: id(),
    schoolId: integer('school_id').notNull().references(() => schools.id),
    externalId: text('external_id'),
    title: text('title').notNull(),
    /** Space-separated grades (PK, K, 1…12); subjects as a JSON array, since a subject name may hold spaces. */
    grades: text('grades'),
    subjects: text('subjects'),
    active: bool('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('classes_external_uq').on(t.externalId), index('classes_school_idx').on(t.schoolId)],
);

export const classTeachers = sqliteTable(
  'class_teachers',
  {
    classId: integer('class_id').notNull().references(() => classes.id),
    staffId: integer('staff_id').notNull().references(() => staff.id),
  },
  (t) => [primaryKey({ columns: [t.classId, t.staffId] }), index('class_teachers_staff_idx').on(t.staffId)],
);

export const enrollments = sqliteTable(
  'enrollments',
  {
    classId: integer('class_id').notNull().references(() => classes.id),
    studentId: integer('student_id').notNull().references(() => students.id),
  },
  (t) => [primaryKey({ columns: [t.classId, t.studentId] }), index('enrollments_student_idx').on(t.studentId)],
);

export const rosterImports = sqliteTable('roster_imports', {
  id: id(),
  format: text('format', { enum: ['oneroster', 'flat'] }),
  status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed'] }).notNull(),
  dryRun: bool('dry_run').notNull().default(false),
  /** The options the import ran with (school, time zone, sender, welcome), as JSON. */
  options: text('options').notNull(),
  /** The uploaded file, kept until the import has run. */
  filePath: text('file_path'),
  report: text('report'),
  error: text('error'),
  staffId: integer('staff_id').references(() => staff.id),
  createdAt: createdAt(),
  finishedAt: text('finished_at'),
});

/** One welcome per phone number, ever: re-imports and second households never text it again. */
export const welcomes = sqliteTable(
  'welcomes',
  {
    id: id(),
    phoneNumber: text('phone_number').notNull(),
    familyId: integer('family_id').notNull().references(() => families.id),
    messageId: integer('message_id'),
    at: text('at').notNull(),
  },
  (t) => [uniqueIndex('welcomes_phone_uq').on(t.phoneNumber)],
);
