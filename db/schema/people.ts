import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, id, updatedAt } from './columns';

export const schools = sqliteTable('schools', {
  id: id(),
  externalId: text('external_id'),
  name: text('name').notNull(),
  timezone: text('timezone').notNull(),
  /** Sending number (E.164); null means the deployment's TWILIO_FROM / messaging service. */
  fromNumber: text('from_number'),
  messagingServiceSid: text('messaging_service_sid'),
  defaultLanguage: text('default_language').notNull().default('en'),
  /** ISO 3166 region for reading phone numbers written without a country code. */
  phoneRegion: text('phone_region').notNull().default('US'),
  /** Messages (segments) per second this school's sender may send; 0 turns pacing off. */
  mps: integer('mps').notNull().default(1),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const staff = sqliteTable(
  'staff',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name'),
    role: text('role', { enum: ['district_admin', 'school_admin', 'teacher'] }).notNull(),
    schoolId: integer('school_id').references(() => schools.id),
    /** The roster's id for an imported teacher. */
    externalId: text('external_id'),
    passwordHash: text('password_hash'),
    active: bool('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('staff_email_uq').on(t.email)],
);

export const apiTokens = sqliteTable('api_tokens', {
  id: id(),
  staffId: integer('staff_id').notNull().references(() => staff.id),
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: createdAt(),
  revokedAt: text('revoked_at'),
});

export const families = sqliteTable(
  'families',
  {
    id: id(),
    schoolId: integer('school_id').notNull().references(() => schools.id),
    /** A household id the roster gave explicitly; null when households were worked out. */
    externalId: text('external_id'),
    displayName: text('display_name').notNull(),
    /** ISO 639-1 code. */
    language: text('language').notNull().default('en'),
    /** 'roster' when set by staff or import, 'text' when the family chose it by texting a language name. */
    languageSource: text('language_source').notNull().default('roster'),
    pausedUntil: text('paused_until'),
    /** Set by the import that adds the family; cleared once its welcome text is queued. */
    welcomePending: bool('welcome_pending').notNull().default(false),
    active: bool('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('families_school_idx').on(t.schoolId)],
);

export const guardians = sqliteTable(
  'guardians',
  {
    id: id(),
    familyId: integer('family_id').notNull().references(() => families.id),
    /** Imported guardians are kept per school: each school's households are its own. */
    schoolId: integer('school_id').references(() => schools.id),
    externalId: text('external_id'),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    language: text('language'),
    relationship: text('relationship'),
    active: bool('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('guardians_family_idx').on(t.familyId), uniqueIndex('guardians_school_external_uq').on(t.schoolId, t.externalId)],
);

/** One row per guardian and number: a shared household number appears once per guardian. */
export const phones = sqliteTable(
  'phones',
  {
    id: id(),
    number: text('number').notNull(),
    guardianId: integer('guardian_id').notNull().references(() => guardians.id),
    canReceive: bool('can_receive').notNull().default(true),
    verified: bool('verified').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('phones_number_idx').on(t.number), uniqueIndex('phones_guardian_number_uq').on(t.guardianId, t.number)],
);

export const students = sqliteTable(
  'students',
  {
    id: id(),
    schoolId: integer('school_id').notNull().references(() => schools.id),
    externalId: text('external_id'),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    grade: text('grade').notNull(),
    active: bool('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('students_school_idx').on(t.schoolId), uniqueIndex('students_external_uq').on(t.externalId)],
);

export const studentGuardians = sqliteTable(
  'student_guardians',
  {
    studentId: integer('student_id').notNull().references(() => students.id),
    guardianId: integer('guardian_id').notNull().references(() => guardians.id),
    relationship: text('relationship'),
    /** False under a no-contact order: this guardian never gets a text about this student. */
    mayContact: bool('may_contact').notNull().default(true),
  },
  (t) => [primaryKey({ columns: [t.studentId, t.guardianId] }), index('student_guardians_guardian_idx').on(t.guardianId)],
);
