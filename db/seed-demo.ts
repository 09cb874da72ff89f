import type { Db } from './client';
import { DateTime } from 'luxon';
import { findSchoolByExternalId, insertSchool } from './repositories/schools';
import { findGuardianByExternalId, insertFamilyWithMembers, type NewFamily } from './repositories/families';
import { findStaffByEmail, insertStaff } from './repositories/staff';
import { findClassByExternalId, insertClassWithMembers, setCurrentUnit } from './repositories/classes';
import { storeImportedProgress, type ImportedProgress } from './repositories/progress';
import { findStudentsByExternalId } from './repositories/nudges';

/**
 * The demo school: invented people, numbers only in the +1 555 555 01xx fiction range, so the
 * simulator phone at /sim has parents to text as. Matched by fixed external ids, so a second
 * run adds nothing.
 */

export const DEMO_SCHOOL_EXTERNAL_ID = 'demo-lincoln-elementary';
export const DEMO_ADMIN_EMAIL = 'office@lincoln-demo.example';
export const DEMO_TEACHER_EMAIL = 'elena.rivera@lincoln-demo.example';
export const DEMO_CLASS_EXTERNAL_ID = 'demo-class-reading';

/**
 * The demo's class: two Spanish-speaking families (one with two children in it, who get one text
 * naming both), an English and a Portuguese one. The Nguyen and Oliveira children are not in it,
 * so signing in as its teacher shows what a teacher may not see.
 */
export const DEMO_CLASS = {
  externalId: DEMO_CLASS_EXTERNAL_ID,
  title: 'Reading Group (K-5)',
  grades: 'K 2 3 4 5',
  subjects: ['Reading'],
  teacher: { email: DEMO_TEACHER_EMAIL, name: 'Elena Rivera' },
  studentExternalIds: ['demo-s1', 'demo-s2', 'demo-s3', 'demo-s4', 'demo-s6'],
  /** What the class is learning now: the weekend nudges name it. */
  currentUnit: 'Fairy tales and their endings',
};

/** The demo's progress records (this week's), so the weekend nudges say how each child is doing. */
export const DEMO_PROGRESS: { student: string; kind: ImportedProgress['kind']; value: string }[] = [
  { student: 'demo-s1', kind: 'reading_level', value: 'M' },
  { student: 'demo-s2', kind: 'missing_assignments', value: '0' },
  { student: 'demo-s3', kind: 'absences', value: '0' },
  { student: 'demo-s4', kind: 'missing_assignments', value: '2' },
  { student: 'demo-s6', kind: 'note', value: 'Read two chapter books this week' },
];

type DemoFamily = Omit<NewFamily, 'schoolId'>;

const g = (externalId: string, firstName: string, lastName: string, phone: string, relationship: string, language: string | null = null) => ({
  externalId,
  firstName,
  lastName,
  phone,
  relationship,
  language,
});
const s = (externalId: string, firstName: string, lastName: string, grade: string) => ({ externalId, firstName, lastName, grade });

export const DEMO_FAMILIES: DemoFamily[] = [
  {
    displayName: 'Johnson family',
    language: 'en',
    guardians: [g('demo-g1', 'Angela', 'Johnson', '+15555550111', 'mother')],
    students: [s('demo-s1', 'Marcus', 'Johnson', '3')],
  },
  {
    displayName: 'Familia García',
    language: 'es',
    guardians: [g('demo-g2', 'Rosa', 'García', '+15555550112', 'mother', 'es')],
    // Two children, one family: they get one weekend nudge naming both.
    students: [s('demo-s2', 'Sofía', 'García', '2'), s('demo-s3', 'Mateo', 'García', 'K')],
  },
  {
    displayName: 'Família Silva',
    language: 'pt',
    guardians: [g('demo-g3', 'Ana', 'Silva', '+15555550113', 'mother', 'pt')],
    students: [s('demo-s4', 'Lucas', 'Silva', '4')],
  },
  {
    displayName: 'Nguyen family',
    language: 'en',
    // Two guardians sharing one household number: one text reaches both.
    guardians: [g('demo-g4', 'Linh', 'Nguyen', '+15555550114', 'mother'), g('demo-g5', 'Minh', 'Nguyen', '+15555550114', 'father')],
    students: [s('demo-s5', 'Kevin', 'Nguyen', '1')],
  },
  {
    displayName: 'Familia Hernández',
    language: 'es',
    guardians: [g('demo-g6', 'Jorge', 'Hernández', '+15555550115', 'father', 'es')],
    students: [s('demo-s6', 'Valentina', 'Hernández', '5')],
  },
  {
    displayName: 'Família Oliveira',
    language: 'pt',
    guardians: [g('demo-g7', 'Beatriz', 'Oliveira', '+15555550116', 'grandmother', 'pt')],
    students: [s('demo-s7', 'Gabriel', 'Oliveira', 'PK')],
  },
];

export interface DemoResult {
  schoolId: number;
  schoolName: string;
  schoolCreated: boolean;
  familiesCreated: number;
  /** The school's admin (broadcasts, roster import, settings); hasPassword as the teacher's. */
  admin: { id: number; email: string; created: boolean; hasPassword: boolean };
  /** The class's teacher; hasPassword false means the caller should give them a console password. */
  teacher: { id: number; email: string; name: string; created: boolean; hasPassword: boolean };
  class: { id: number; title: string; created: boolean; students: string[]; currentUnit: string | null };
  /** When the weekend nudges go out (an id of NUDGE_SLOTS), in `timezone`. */
  nudgeSlot: string;
  timezone: string;
  /** Numbers to text from in the simulator, with who they are. */
  phones: { number: string; who: string; language: string }[];
}

/** Seeds whatever part of the demo is missing; one transaction per family keeps reruns safe. */
export async function seedDemo(db: Db, now: string = new Date().toISOString()): Promise<DemoResult> {
  let school = await findSchoolByExternalId(db, DEMO_SCHOOL_EXTERNAL_ID);
  const schoolCreated = !school;
  if (!school) {
    school = await insertSchool(
      db,
      {
        externalId: DEMO_SCHOOL_EXTERNAL_ID,
        name: 'Lincoln Elementary (demo)',
        timezone: 'America/New_York',
        // null: send from the deployment's TWILIO_FROM, whatever it is configured to.
        fromNumber: null,
        messagingServiceSid: null,
        defaultLanguage: 'en',
        mps: 1,
      },
      now,
    );
  }
  let familiesCreated = 0;
  for (const family of DEMO_FAMILIES) {
    if (await findGuardianByExternalId(db, family.guardians[0].externalId!)) continue;
    await insertFamilyWithMembers(db, { ...family, schoolId: school.id }, now);
    familiesCreated++;
  }
  let admin = await findStaffByEmail(db, DEMO_ADMIN_EMAIL);
  const adminCreated = !admin;
  if (!admin) admin = await insertStaff(db, { email: DEMO_ADMIN_EMAIL, name: 'Lincoln front office (demo)', role: 'school_admin', schoolId: school.id }, now);

  let teacher = await findStaffByEmail(db, DEMO_CLASS.teacher.email);
  const teacherCreated = !teacher;
  if (!teacher) teacher = await insertStaff(db, { ...DEMO_CLASS.teacher, role: 'teacher', schoolId: school.id }, now);
  let klass = await findClassByExternalId(db, DEMO_CLASS.externalId);
  const classCreated = !klass;
  if (!klass) {
    klass = await insertClassWithMembers(
      db,
      {
        schoolId: school.id,
        externalId: DEMO_CLASS.externalId,
        title: DEMO_CLASS.title,
        grades: DEMO_CLASS.grades,
        subjects: DEMO_CLASS.subjects,
        teacherIds: [teacher.id],
        studentExternalIds: DEMO_CLASS.studentExternalIds,
      },
      now,
    );
  }
  // A teacher's own unit is never overwritten by a second demo run; progress records upsert per week.
  if (!klass.currentUnit) klass = (await setCurrentUnit(db, klass.id, DEMO_CLASS.currentUnit, now)) ?? klass;
  const ids = await findStudentsByExternalId(db, DEMO_PROGRESS.map((p) => p.student));
  // The Monday of this week in the school's zone, as progress records name their week.
  const week = DateTime.fromISO(now, { zone: school.timezone }).startOf('week').toISODate()!;
  await storeImportedProgress(
    db,
    DEMO_PROGRESS.filter((p) => ids.has(p.student)).map((p) => ({ studentId: ids.get(p.student)!, schoolId: school!.id, week, kind: p.kind, value: p.value, source: 'api', staffId: teacher!.id })),
    now,
  );
  const studentNames = DEMO_FAMILIES.flatMap((f) => f.students)
    .filter((st) => DEMO_CLASS.studentExternalIds.includes(st.externalId!))
    .map((st) => `${st.firstName} ${st.lastName}`);

  const phones = new Map<string, { number: string; who: string; language: string }>();
  for (const f of DEMO_FAMILIES) {
    for (const gu of f.guardians) {
      const seen = phones.get(gu.phone!);
      const who = `${gu.firstName} ${gu.lastName}`;
      if (seen) seen.who += ` & ${who}`;
      else phones.set(gu.phone!, { number: gu.phone!, who, language: gu.language ?? f.language });
    }
  }
  return {
    schoolId: school.id,
    schoolName: school.name,
    schoolCreated,
    familiesCreated,
    admin: { id: admin.id, email: admin.email, created: adminCreated, hasPassword: Boolean(admin.passwordHash) },
    teacher: {
      id: teacher.id,
      email: teacher.email,
      name: teacher.name ?? DEMO_CLASS.teacher.name,
      created: teacherCreated,
      hasPassword: Boolean(teacher.passwordHash),
    },
    class: { id: klass.id, title: klass.title, created: classCreated, students: studentNames, currentUnit: klass.currentUnit },
    nudgeSlot: school.nudgeSlot,
    timezone: school.timezone,
    phones: [...phones.values()],
  };
}
