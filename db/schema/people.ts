import type { SchemaKit } from './kit';
import { createdAt, updatedAt } from './columns';

/** Schools, staff, and the families, guardians, phones and students they text about. */
export function peopleTables(k: SchemaKit) {
  const schools = k.table('schools', {
    id: k.id(),
    externalId: k.text('external_id'),
    name: k.text('name').notNull(),
    timezone: k.text('timezone').notNull(),
    /** Sending number (E.164); null means the deployment's TWILIO_FROM / messaging service. */
    fromNumber: k.text('from_number'),
    messagingServiceSid: k.text('messaging_service_sid'),
    defaultLanguage: k.text('default_language').notNull().default('en'),
    /** ISO 3166 region for reading phone numbers written without a country code. */
    phoneRegion: k.text('phone_region').notNull().default('US'),
    /** Messages (segments) per second this school's sender may send; 0 turns pacing off. */
    mps: k.integer('mps').notNull().default(1),
    /** When the weekend nudges go out, in the school's zone: an id of NUDGE_SLOTS (src/nudges/slots.ts). */
    nudgeSlot: k.text('nudge_slot', { enum: ['fri-17:00', 'sat-09:30', 'sun-10:00'] }).notNull().default('sat-09:30'),
    createdAt: createdAt(k),
    updatedAt: updatedAt(k),
  });

  const staff = k.table(
    'staff',
    {
      id: k.id(),
      email: k.text('email').notNull(),
      name: k.text('name'),
      role: k.text('role', { enum: ['district_admin', 'school_admin', 'teacher'] }).notNull(),
      schoolId: k.integer('school_id').references(() => schools.id),
      /** The roster's id for an imported teacher. */
      externalId: k.text('external_id'),
      passwordHash: k.text('password_hash'),
      /** E.164, for texts to staff themselves (a broadcast that paused itself tells its creator). */
      phone: k.text('phone'),
      active: k.bool('active').notNull().default(true),
      createdAt: createdAt(k),
    },
    (t) => [k.uniqueIndex('staff_email_uq').on(t.email)],
  );

  const apiTokens = k.table('api_tokens', {
    id: k.id(),
    staffId: k.integer('staff_id').notNull().references(() => staff.id),
    /** SHA-256 of the token; the token itself is shown once and never stored. */
    tokenHash: k.text('token_hash').notNull().unique(),
    createdAt: createdAt(k),
    revokedAt: k.text('revoked_at'),
  });

  const families = k.table(
    'families',
    {
      id: k.id(),
      schoolId: k.integer('school_id').notNull().references(() => schools.id),
      /** A household id the roster gave explicitly; null when households were worked out. */
      externalId: k.text('external_id'),
      displayName: k.text('display_name').notNull(),
      /** ISO 639-1 code. */
      language: k.text('language').notNull().default('en'),
      /**
       * 'roster' when set by an import or the API, 'text' when the family chose it by texting a language
       * name, 'staff' when staff took the suggestion below (a roster import keeps 'text' and 'staff').
       */
      languageSource: k.text('language_source').notNull().default('roster'),
      /**
       * ISO 639-1 code of the language the family's last replies were written in, when it is not
       * `language` (src/families/language-suggestion.ts); null when there is nothing to suggest.
       */
      languageSuggestion: k.text('language_suggestion'),
      pausedUntil: k.text('paused_until'),
      /** IANA zone for quiet hours and a broadcast's local time; null means the school's. */
      timezone: k.text('timezone'),
      /** Set by the import that adds the family; cleared once its welcome text is queued. */
      welcomePending: k.bool('welcome_pending').notNull().default(false),
      active: k.bool('active').notNull().default(true),
      createdAt: createdAt(k),
      updatedAt: updatedAt(k),
    },
    (t) => [k.index('families_school_idx').on(t.schoolId)],
  );

  const guardians = k.table(
    'guardians',
    {
      id: k.id(),
      familyId: k.integer('family_id').notNull().references(() => families.id),
      /** Imported guardians are kept per school: each school's households are its own. */
      schoolId: k.integer('school_id').references(() => schools.id),
      externalId: k.text('external_id'),
      firstName: k.text('first_name').notNull(),
      lastName: k.text('last_name').notNull(),
      language: k.text('language'),
      relationship: k.text('relationship'),
      active: k.bool('active').notNull().default(true),
      createdAt: createdAt(k),
      updatedAt: updatedAt(k),
    },
    (t) => [k.index('guardians_family_idx').on(t.familyId), k.uniqueIndex('guardians_school_external_uq').on(t.schoolId, t.externalId)],
  );

  /** One row per guardian and number: a shared household number appears once per guardian. */
  const phones = k.table(
    'phones',
    {
      id: k.id(),
      number: k.text('number').notNull(),
      guardianId: k.integer('guardian_id').notNull().references(() => guardians.id),
      canReceive: k.bool('can_receive').notNull().default(true),
      verified: k.bool('verified').notNull().default(false),
      createdAt: createdAt(k),
    },
    (t) => [k.index('phones_number_idx').on(t.number), k.uniqueIndex('phones_guardian_number_uq').on(t.guardianId, t.number)],
  );

  const students = k.table(
    'students',
    {
      id: k.id(),
      schoolId: k.integer('school_id').notNull().references(() => schools.id),
      externalId: k.text('external_id'),
      firstName: k.text('first_name').notNull(),
      lastName: k.text('last_name').notNull(),
      grade: k.text('grade').notNull(),
      active: k.bool('active').notNull().default(true),
      createdAt: createdAt(k),
      updatedAt: updatedAt(k),
    },
    (t) => [k.index('students_school_idx').on(t.schoolId), k.uniqueIndex('students_external_uq').on(t.externalId)],
  );

  const studentGuardians = k.table(
    'student_guardians',
    {
      studentId: k.integer('student_id').notNull().references(() => students.id),
      guardianId: k.integer('guardian_id').notNull().references(() => guardians.id),
      relationship: k.text('relationship'),
      /** False under a no-contact order: this guardian never gets a text about this student. */
      mayContact: k.bool('may_contact').notNull().default(true),
    },
    (t) => [k.primaryKey({ columns: [t.studentId, t.guardianId] }), k.index('student_guardians_guardian_idx').on(t.guardianId)],
  );

  return { schools, staff, apiTokens, families, guardians, phones, students, studentGuardians };
}
