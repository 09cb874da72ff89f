/**
 * OneRoster users.csv → students, teachers, guardians and the links between guardians and
 * students. Links are declared on either side (a guardian's agentSourcedIds list their
 * children, a student's list their guardians); both are read and merged, because SIS exports
 * differ in which side they fill.
 */
import type { CsvRow } from './csv';
import { isActiveStatus, languageCell, mayContactCell, rosterGrade, splitList, yesNo } from './fields';
import type { RosterGuardian, RosterLink, RosterStudent, RosterTeacher, RowError } from './model';

export const GUARDIAN_ROLES = new Set(['parent', 'guardian', 'relative']);

export interface UsersContext {
  file: string;
  errors: RowError[];
  /** The schools among a user's orgSourcedIds, in order. */
  schoolsOf(orgIds: string[]): string[];
  /** users.csv is bulk: a reference to a user not in it is an error, not a user we may already know. */
  complete: boolean;
}

export interface Users {
  /** Every sourcedId read, with its role, including roles FamilyLine does not import. */
  role: Map<string, string>;
  /** Users skipped for a reason already reported: references to them are dropped quietly. */
  rejected: Set<string>;
  students: Map<string, RosterStudent>;
  /** Students whose grade must come from a class (grade is '' until then). */
  gradeless: Set<string>;
  guardians: Map<string, RosterGuardian>;
  teachers: RosterTeacher[];
  links: RosterLink[];
}

interface Declared { studentId: string; guardianId: string; line: number; fromGuardian: boolean }

export async function readUsers(rows: AsyncIterable<CsvRow>, ctx: UsersContext): Promise<Users> {
  const u: Users = { role: new Map(), rejected: new Set(), students: new Map(), gradeless: new Set(), guardians: new Map(), teachers: [], links: [] };
  const mayContact = new Map<string, boolean>();
  const declared: Declared[] = [];
  const firstLine = new Map<string, number>();
  const reject = (row: CsvRow, id: string, reason: string) => {
    ctx.errors.push({ file: ctx.file, line: row.line, reason });
    if (id) u.rejected.add(id);
  };

  for await (const row of rows) {
    const id = row.get('sourcedId');
    const role = row.get('role').toLowerCase();
    if (!id) { reject(row, '', 'no sourcedId; the row is skipped'); continue; }
    if (firstLine.has(id)) { reject(row, '', `sourcedId ${id} is already used on line ${firstLine.get(id)}; this row is skipped`); continue; }
    firstLine.set(id, row.line);
    u.role.set(id, role);
    const src = { file: ctx.file, line: row.line };
    const active = isActiveStatus(row.get('status')) && yesNo(row.get('enabledUser'), true) !== false;
    const firstName = row.get('givenName');
    const lastName = row.get('familyName');
    const agents = splitList(row.get('agentSourcedIds'));
    const orgs = splitList(row.get('orgSourcedIds'));

    if (role === 'student') {
      const school = ctx.schoolsOf(orgs)[0];
      if (!school) { reject(row, id, `student ${id} belongs to no school listed in orgs.csv (orgSourcedIds "${orgs.join(',')}"); skipped`); continue; }
      const grade = splitList(row.get('grades')).map(rosterGrade).find((g) => g !== null) ?? null;
      u.students.set(id, { externalId: id, schoolExternalId: school, firstName, lastName, grade: grade ?? '', active, src });
      if (!grade) u.gradeless.add(id);
      for (const g of agents) declared.push({ studentId: id, guardianId: g, line: row.line, fromGuardian: false });
    } else if (role === 'teacher') {
      const email = row.get('email').toLowerCase();
      if (!email) { reject(row, id, `teacher ${id} (${firstName} ${lastName}) has no email, cannot sign in; skipped`); continue; }
      u.teachers.push({ externalId: id, email, firstName, lastName, schoolExternalIds: ctx.schoolsOf(orgs), active, src });
    } else if (GUARDIAN_ROLES.has(role)) {
      const lang = languageCell(row.get('metadata.language') || row.get('metadata.preferredLanguage'));
      if (lang.problem) reject(row, '', `${role} ${id}: ${lang.problem}`);
      const flag = mayContactCell(row.get('metadata.mayContact') || row.get('metadata.may_contact'));
      if (flag.problem) reject(row, '', `${role} ${id}: ${flag.problem}`);
      mayContact.set(id, flag.mayContact);
      u.guardians.set(id, {
        externalId: id, firstName, lastName,
        phone: row.get('sms') || row.get('phone') || null,
        language: lang.language,
        household: row.get('metadata.household') || null,
        relationship: role, active, src,
      });
      for (const s of agents) declared.push({ studentId: s, guardianId: id, line: row.line, fromGuardian: true });
    }
    // Other roles (aide, administrator, counselor…) are not imported: see oneroster.ts.
  }

  u.links = resolveLinks(declared, u, mayContact, ctx);
  return u;
}

/** Declared pairs → links, each pair once; unknown references reported on the line that names them. */
function resolveLinks(declared: Declared[], u: Users, mayContact: Map<string, boolean>, ctx: UsersContext): RosterLink[] {
  const links = new Map<string, RosterLink>();
  // The guardian's own row first: it is where relationship and no-contact are written.
  const ordered = [...declared.filter((d) => d.fromGuardian), ...declared.filter((d) => !d.fromGuardian)];
  for (const d of ordered) {
    const other = d.fromGuardian ? d.studentId : d.guardianId;
    const otherRole = u.role.get(other);
    if (u.rejected.has(other)) continue;
    if (otherRole === undefined) {
      if (ctx.complete) {
        const who = d.fromGuardian ? `${u.role.get(d.guardianId)} ${d.guardianId}` : `student ${d.studentId}`;
        ctx.errors.push({ file: ctx.file, line: d.line, reason: `${who} lists ${other} in agentSourcedIds, but users.csv has no user ${other}; that link is skipped` });
        continue;
      }
      // A delta file only carries changed users: the other side may already be in FamilyLine.
    } else if (d.fromGuardian ? otherRole !== 'student' : !GUARDIAN_ROLES.has(otherRole)) {
      continue; // agents may name other kinds of people (a parent's partner, a sibling); they are not links
    }
    const key = `${d.studentId}\u0000${d.guardianId}`;
    if (links.has(key)) continue;
    const guardian = u.guardians.get(d.guardianId);
    // The ids the users already hold, not the copies split out of agentSourcedIds.
    links.set(key, {
      studentExternalId: u.students.get(d.studentId)?.externalId ?? d.studentId,
      guardianExternalId: guardian?.externalId ?? d.guardianId,
      relationship: guardian?.relationship ?? null,
      mayContact: mayContact.get(d.guardianId) ?? true,
      src: { file: ctx.file, line: d.line },
    });
  }
  return [...links.values()];
}
