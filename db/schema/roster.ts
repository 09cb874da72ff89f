import type { SchemaKit } from './kit';
import { createdAt, updatedAt } from './columns';
import type { peopleTables } from './people';

/** Classes and who teaches and attends them, roster imports, and the one welcome per number. */
export function rosterTables(k: SchemaKit, { families, schools, staff, students }: ReturnType<typeof peopleTables>) {
  const classes = k.table(
    'classes',
    {
      id: k.id(),
      schoolId: k.integer('school_id').notNull().references(() => schools.id),
      externalId: k.text('external_id'),
      title: k.text('title').notNull(),
      /** Space-separated grades (PK, K, 1…12); subjects as a JSON array, since a subject name may hold spaces. */
      grades: k.text('grades'),
      subjects: k.text('subjects'),
      active: k.bool('active').notNull().default(true),
      /** What the class is learning now ("Fractions on a number line"), set by its teacher; the weekend nudges name it. */
      currentUnit: k.text('current_unit'),
      currentUnitSetAt: k.text('current_unit_set_at'),
      createdAt: createdAt(k),
      updatedAt: updatedAt(k),
    },
    (t) => [k.uniqueIndex('classes_external_uq').on(t.externalId), k.index('classes_school_idx').on(t.schoolId)],
  );

  const classTeachers = k.table(
    'class_teachers',
    {
      classId: k.integer('class_id').notNull().references(() => classes.id),
      staffId: k.integer('staff_id').notNull().references(() => staff.id),
    },
    (t) => [k.primaryKey({ columns: [t.classId, t.staffId] }), k.index('class_teachers_staff_idx').on(t.staffId)],
  );

  const enrollments = k.table(
    'enrollments',
    {
      classId: k.integer('class_id').notNull().references(() => classes.id),
      studentId: k.integer('student_id').notNull().references(() => students.id),
    },
    (t) => [k.primaryKey({ columns: [t.classId, t.studentId] }), k.index('enrollments_student_idx').on(t.studentId)],
  );

  const rosterImports = k.table('roster_imports', {
    id: k.id(),
    format: k.text('format', { enum: ['oneroster', 'flat'] }),
    status: k.text('status', { enum: ['queued', 'running', 'succeeded', 'failed'] }).notNull(),
    dryRun: k.bool('dry_run').notNull().default(false),
    /** The options the import ran with (school, time zone, sender, welcome), as JSON. */
    options: k.text('options').notNull(),
    /** The uploaded file, kept until the import has run. */
    filePath: k.text('file_path'),
    report: k.text('report'),
    error: k.text('error'),
    staffId: k.integer('staff_id').references(() => staff.id),
    createdAt: createdAt(k),
    finishedAt: k.text('finished_at'),
  });

  /** One welcome per phone number, ever: re-imports and second households never text it again. */
  const welcomes = k.table(
    'welcomes',
    {
      id: k.id(),
      phoneNumber: k.text('phone_number').notNull(),
      familyId: k.integer('family_id').notNull().references(() => families.id),
      messageId: k.integer('message_id'),
      at: k.text('at').notNull(),
    },
    (t) => [k.uniqueIndex('welcomes_phone_uq').on(t.phoneNumber)],
  );

  return { classes, classTeachers, enrollments, rosterImports, welcomes };
}
