/**
 * Guardians, households (families), phones and guardian–student links, one school at a time:
 * the household rule needs a school's guardians together, and no more than that is loaded.
 * For a delta file, the school's guardians FamilyLine already has take part too (as the file
 * gives them where it holds them, else as stored), so a new guardian can join an existing
 * household and a guardian whose row lists no children still gets their changes; those the file
 * does not name stay in the family they are in.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { Tx } from '../../../db/client';
import * as repo from '../../../db/repositories/roster';
import * as staged from '../../../db/repositories/roster-sync';
import { toE164 } from '../../lib/phone';
import type { RosterCompleteness, RosterGuardian, RowError, Source } from './model';
import type { ImportReport } from './report';
import type { SyncOptions } from './sync';
import { continueFamilies, workOutHouseholds, type StoredMember } from './households';
import { byKey, deactivateMissing, differs, planUpsert, writePlan } from './upsert';

interface MemberLink {
  studentExternalId: string;
  studentId: number;
  relationship: string | null;
  mayContact: boolean;
}

/** A guardian of the school, from the file or (for a delta) as stored, with their links here. */
interface Member extends Omit<RosterGuardian, 'src'> {
  /** Where the file has this guardian; null for a stored guardian a delta file leaves out. Stored numbers are E.164. */
  src: Source | null;
  links: MemberLink[];
  /** False for a stored guardian a delta file does not name: their household is not re-grouped. */
  named: boolean;
}

function majority(values: (string | null)[]): string | null {
  const n = new Map<string, number>();
  for (const v of values) if (v) n.set(v, (n.get(v) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? null;
}

/** The school's guardians: the file's, with their links here, and for a delta the stored ones it leaves out. */
async function membersOf(tx: Tx, schoolId: number, complete: RosterCompleteness): Promise<Map<string, Member>> {
  const members = new Map<string, Member>();
  for (const r of await staged.fileGuardiansOf(tx, schoolId)) {
    let m = members.get(r.ext);
    if (!m) {
      m = {
        externalId: r.ext, firstName: r.first_name, lastName: r.last_name, phone: r.phone, language: r.language,
        household: r.household, relationship: r.relationship, active: r.active, src: { file: r.file, line: r.line }, links: [], named: true,
      };
      members.set(r.ext, m);
    }
    m.links.push({ studentExternalId: r.student_ext, studentId: r.student_id, relationship: r.link_relationship, mayContact: r.link_may_contact });
  }
  if (complete.guardians) return members;
  // A delta only adds links: the stored ones stay, and the file's are added to them.
  for (const g of await staged.knownGuardiansOf(tx, schoolId)) {
    if (members.has(g.ext)) continue;
    members.set(g.ext, {
      externalId: g.ext, firstName: g.first_name, lastName: g.last_name, phone: g.phone, language: g.language,
      household: g.household, relationship: g.relationship, active: g.active,
      src: g.in_file ? { file: g.file!, line: g.line! } : null, links: [], named: g.named,
    });
  }
  const linkRows = [...(await staged.knownLinksOf(tx, schoolId)), ...(await staged.fileLinksOfKnownGuardians(tx, schoolId))];
  for (const l of linkRows) {
    const m = members.get(l.guardian_ext);
    if (m && !m.links.some((x) => x.studentId === l.student_id)) {
      m.links.push({ studentExternalId: l.student_ext, studentId: l.student_id, relationship: l.relationship, mayContact: l.may_contact });
    }
  }
  return members;
}

/** Guardians, households (families), phones and guardian–student links, school by school. */
export async function syncHouseholds(
  tx: Tx,
  complete: RosterCompleteness,
  opts: SyncOptions,
  schoolIds: number[],
  report: ImportReport,
  reject: (e: RowError) => void,
): Promise<number[]> {
  (await staged.resolveLinks(tx, complete)).forEach(reject);
  for (const g of await staged.unlinkedGuardians(tx, complete)) {
    reject({ file: g.file, line: g.line, kind: 'unlinked', reason: `guardian ${g.ext} is linked to no student in the file; not imported` });
  }
  const badPhones = new Set<string>();
  const newFamilyIds: number[] = [];
  const schools = new Set(complete.guardians ? schoolIds : [...schoolIds, ...(await staged.schoolsOfKnownGuardians(tx))]);
  for (const school of (await repo.allSchools(tx)).filter((s) => schools.has(s.id))) {
    const members = [...(await membersOf(tx, school.id, complete)).values()];
    const children = new Map<string, string[]>();
    for (const c of await staged.childrenOfSchoolGuardians(tx, school.id, complete)) children.set(c.guardian_ext, [...(children.get(c.guardian_ext) ?? []), c.student_ext]);
    const phoneOf = new Map<string, string | null>();
    for (const g of members) {
      const e164 = g.phone ? toE164(g.phone, school.phoneRegion as CountryCode) : null;
      if (g.phone && !e164 && g.src && !badPhones.has(g.externalId)) {
        badPhones.add(g.externalId);
        reject({ ...g.src, kind: 'phone', reason: `guardian ${g.externalId}: "${g.phone}" is not a phone number; imported without a phone` });
      }
      phoneOf.set(g.externalId, e164);
    }
    const storedGuardians = await repo.guardiansOf(tx, school.id);
    const guardianByExt = byKey(storedGuardians, (g) => g.externalId);
    const active = members.filter((m) => m.active);
    const households = workOutHouseholds(
      active.map((m) => ({
        externalId: m.externalId,
        phone: phoneOf.get(m.externalId) ?? null,
        household: m.household,
        studentIds: m.links.map((l) => l.studentExternalId),
        allStudentIds: children.get(m.externalId),
        pinnedTo: m.named ? null : String(guardianByExt.get(m.externalId)!.familyId),
      })),
    );
    const storedFamilies = await repo.familiesOf(tx, school.id);
    const familyById = new Map(storedFamilies.map((f) => [f.id, f]));
    const pinned = new Set(active.filter((m) => !m.named).map((m) => m.externalId));
    const stored = new Map<string, StoredMember>([...guardianByExt].map(([ext, g]) => [ext, { familyId: g.familyId, rowId: g.id, pinned: pinned.has(ext) }]));
    const byExplicitId = new Map(storedFamilies.flatMap((f) => (f.externalId === null ? [] : [[f.externalId, f.id] as const])));
    const continued = continueFamilies(households, stored, byExplicitId);
    const claimed = new Set<number>();
    const familyOf = new Map<string, number>();
    const memberByExt = new Map(active.map((m) => [m.externalId, m]));
    /** Households with no stored family: their families are inserted together below. */
    const created: { row: typeof repo.rosterTables.families.$inferInsert; guardianIds: string[] }[] = [];

    for (const [n, h] of households.entries()) {
      const continuedId = continued[n];
      const family = continuedId === null ? undefined : familyById.get(continuedId);
      const gs = h.guardianIds.map((id) => memberByExt.get(id)!);
      const values = {
        schoolId: school.id,
        externalId: h.explicitId,
        displayName: [...new Set(gs.map((g) => g.lastName).filter(Boolean))].join(' / ') || gs[0].firstName,
        // A language the family chose by text, or staff chose from how it writes, outlives the roster's.
        language: family && (family.languageSource === 'text' || family.languageSource === 'staff') ? family.language : majority(gs.map((g) => g.language)) ?? school.defaultLanguage,
        active: true,
      };
      if (!family) {
        created.push({ row: { ...values, welcomePending: opts.welcome, createdAt: opts.now, updatedAt: opts.now }, guardianIds: h.guardianIds });
        continue;
      }
      claimed.add(family.id);
      if (differs(family, values)) {
        await repo.updateRow(tx, repo.rosterTables.families, family.id, { ...values, updatedAt: opts.now });
        report.families.updated++;
      } else report.families.unchanged++;
      for (const id of h.guardianIds) familyOf.set(id, family.id);
    }
    const createdIds = await repo.insertMany(tx, repo.rosterTables.families, created.map((c) => c.row));
    created.forEach((c, n) => {
      for (const id of c.guardianIds) familyOf.set(id, createdIds[n]);
    });
    newFamilyIds.push(...createdIds);
    report.families.created += created.length;
    // A family no household continues is deactivated, never deleted: its conversation stays. A
    // delta does so only to a family it took the last imported guardian from.
    const hadGuardians = new Set(storedGuardians.filter((g) => g.active && g.externalId !== null).map((g) => g.familyId));
    const emptied = (f: repo.FamilyRow) => !claimed.has(f.id) && (complete.guardians || hadGuardians.has(f.id));
    await deactivateMissing(tx, repo.rosterTables.families, storedFamilies, emptied, { updatedAt: opts.now }, report.families);
    const guardianIds = await syncGuardians(tx, school.id, active, familyOf, guardianByExt, storedGuardians, complete.guardians, opts, report);
    await syncPhones(tx, school.id, active.filter((m) => m.src !== null), phoneOf, guardianIds, opts.now, report);
    await syncLinks(tx, school.id, active, guardianIds, complete.guardians, report);
  }
  return newFamilyIds;
}

async function syncGuardians(
  tx: Tx,
  schoolId: number,
  active: Member[],
  familyOf: Map<string, number>,
  guardianByExt: Map<string, repo.GuardianRow>,
  stored: repo.GuardianRow[],
  complete: boolean,
  opts: SyncOptions,
  report: ImportReport,
): Promise<Map<string, number>> {
  const incoming = active.map((g) => ({
    key: g.externalId,
    values: { familyId: familyOf.get(g.externalId)!, schoolId, externalId: g.externalId, firstName: g.firstName, lastName: g.lastName, language: g.language, relationship: g.relationship, active: true },
  }));
  const plan = planUpsert(guardianByExt, incoming, report.guardians);
  await writePlan(tx, repo.rosterTables.guardians, plan, { createdAt: opts.now, updatedAt: opts.now });
  const inactive = await staged.inactiveInFile(tx, schoolId);
  const gone = (g: repo.GuardianRow) => inactive.has(g.externalId ?? '') || (complete && g.externalId !== null && !plan.ids.has(g.externalId));
  await deactivateMissing(tx, repo.rosterTables.guardians, stored, gone, { updatedAt: opts.now }, report.guardians);
  return plan.ids;
}

/** One number per imported guardian. A number that leaves the roster loses its row; its opt-out (kept per number) stays. */
async function syncPhones(
  tx: Tx,
  schoolId: number,
  fromFile: Member[],
  phoneOf: Map<string, string | null>,
  guardianIds: Map<string, number>,
  now: string,
  report: ImportReport,
) {
  const stored = await repo.phonesOf(tx, schoolId);
  const byGuardian = new Map<number, repo.PhoneRow[]>();
  for (const p of stored) byGuardian.set(p.guardianId, [...(byGuardian.get(p.guardianId) ?? []), p]);
  const remove: number[] = [];
  const add: { guardianId: number; number: string; createdAt: string }[] = [];
  for (const m of fromFile) {
    const guardianId = guardianIds.get(m.externalId)!;
    const want = phoneOf.get(m.externalId) ?? null;
    const have = byGuardian.get(guardianId) ?? [];
    for (const p of have) if (p.number !== want) remove.push(p.id);
    if (want && !have.some((p) => p.number === want)) add.push({ guardianId, number: want, createdAt: now });
    else if (want) report.phones.unchanged++;
  }
  await repo.deletePhones(tx, remove);
  await repo.insertLinks(tx, repo.rosterTables.phones, add);
  report.phones.added += add.length;
  report.phones.removed += remove.length;
}

/** Links of the school's guardians. A complete file also removes the links it no longer lists; a delta only adds. */
async function syncLinks(tx: Tx, schoolId: number, active: Member[], guardianIds: Map<string, number>, complete: boolean, report: ImportReport) {
  const stored = new Map((await repo.linksOf(tx, schoolId)).map((l) => [`${l.studentId}:${l.guardianId}`, l]));
  const wanted = new Map<string, repo.LinkRow>();
  for (const m of active) {
    const guardianId = guardianIds.get(m.externalId)!;
    for (const l of m.links) {
      wanted.set(`${l.studentId}:${guardianId}`, { studentId: l.studentId, guardianId, relationship: l.relationship, mayContact: l.mayContact });
    }
  }
  const activeIds = new Set(guardianIds.values());
  for (const [key, link] of complete ? stored : []) {
    if (!wanted.has(key) && activeIds.has(link.guardianId)) {
      await repo.deleteLinks(tx, [[link.studentId, link.guardianId]]);
      report.studentGuardians.removed++;
    }
  }
  const add: repo.LinkRow[] = [];
  const changed: repo.LinkRow[] = [];
  for (const [key, link] of wanted) {
    const have = stored.get(key);
    if (!have) add.push(link);
    else if (differs(have, link)) changed.push(link);
    else report.studentGuardians.unchanged++;
  }
  await repo.deleteLinks(tx, changed.map((l) => [l.studentId, l.guardianId]));
  await repo.insertLinks(tx, repo.rosterTables.studentGuardians, [...add, ...changed]);
  report.studentGuardians.added += add.length;
  report.studentGuardians.updated += changed.length;
}
