import type { ContactLink } from '../../db/repositories/update-audience';
import type { Recipient, Skipped, Unreached } from './model';

/**
 * Who gets a class's updates, worked out from rows already read (pure, so the rules are easy to
 * see): each family that may be contacted about a student gets one text about all its students in
 * the request; within it, each guardian who may be contacted about every one of those students
 * gets it on each number that can take texts and has not opted out, once per number.
 */

export interface AudienceInput {
  /** The request's students, in order (a student may appear in several items). */
  studentIds: number[];
  firstNames: Map<number, string>;
  links: ContactLink[];
  phones: { guardianId: number; number: string; canReceive: boolean }[];
  optedOut: Set<string>;
}

export interface FamilyAudience {
  familyId: number;
  /** The family's students among the request's, in request order. */
  studentIds: number[];
  recipients: Recipient[];
  skipped: Skipped[];
}

export function workOutAudience(input: AudienceInput): { families: FamilyAudience[]; unreached: Unreached[] } {
  const linksOf = new Map<number, ContactLink[]>();
  for (const l of input.links) linksOf.set(l.studentId, [...(linksOf.get(l.studentId) ?? []), l]);
  const phonesOf = new Map<number, { number: string; canReceive: boolean }[]>();
  for (const p of input.phones) phonesOf.set(p.guardianId, [...(phonesOf.get(p.guardianId) ?? []), p]);

  const students = new Map<number, number[]>(); // familyId → studentIds, in first-seen order
  const unreached: Unreached[] = [];
  for (const studentId of new Set(input.studentIds)) {
    const links = linksOf.get(studentId) ?? [];
    const contactable = [...new Set(links.filter((l) => l.mayContact).map((l) => l.familyId))];
    if (!contactable.length) {
      unreached.push({ studentId, firstName: input.firstNames.get(studentId) ?? '', reason: links.length ? 'may_contact_false' : 'no_family' });
      continue;
    }
    for (const familyId of contactable) students.set(familyId, [...(students.get(familyId) ?? []), studentId]);
  }

  const families: FamilyAudience[] = [];
  for (const [familyId, studentIds] of students) {
    const named = new Set(studentIds);
    const byGuardian = new Map<number, ContactLink[]>();
    for (const sid of studentIds) {
      for (const l of linksOf.get(sid) ?? []) if (l.familyId === familyId) byGuardian.set(l.guardianId, [...(byGuardian.get(l.guardianId) ?? []), l]);
    }
    const recipients: Recipient[] = [];
    const skipped: Skipped[] = [];
    const taken = new Set<string>();
    for (const [guardianId, links] of [...byGuardian].sort((a, b) => a[0] - b[0])) {
      // A no-contact order about any child the text names keeps that guardian out of it.
      if (links.some((l) => named.has(l.studentId) && !l.mayContact)) {
        skipped.push({ guardianId, reason: 'may_contact_false' });
        continue;
      }
      const numbers = (phonesOf.get(guardianId) ?? []).filter((p) => p.canReceive);
      if (!numbers.length) {
        skipped.push({ guardianId, reason: 'no_number' });
        continue;
      }
      for (const { number } of numbers) {
        if (input.optedOut.has(number)) skipped.push({ guardianId, reason: 'opted_out', phone: number });
        else if (!taken.has(number)) {
          taken.add(number);
          recipients.push({ guardianId, phone: number });
        }
      }
    }
    families.push({ familyId, studentIds, recipients, skipped });
  }
  return { families, unreached };
}
