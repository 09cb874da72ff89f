import type { CountryCode } from 'libphonenumber-js';
import type { Tx } from '../../../db/client';
import * as repo from '../../../db/repositories/roster';
import { toE164 } from '../../lib/phone';
import type { RosterGuardian, RosterLink, RosterSnapshot, RowError } from './model';
import type { ImportReport } from './report';
import type { SyncOptions } from './sync';
import { workOutHouseholds, type Household } from './households';
import { byKey, deactivateMissing, differs, planUpsert, writePlan } from './upsert';

interface Member {
  guardian: RosterGuardian;
  links: RosterLink[];
}

/** Guardians of each school, through the students they are linked to. Bad links are rejected. */
function membersBySchool(snap: RosterSnapshot, schoolIdByExt: Map<string, number>, reject: (e: RowError) => void) {
  const studentSchool = new Map(snap.students.map((s) => [s.externalId, { schoolId: schoolIdByExt.get(s.schoolExternalId), active: s.active }]));
  const guardians = new Map(snap.guardians.map((g) => [g.externalId, g]));
  const out = new Map<number, Map<string, Member>>();
  const linked = new Set<string>();
  /** Every active student of each guardian, across schools. */
  const children = new Map<string, string[]>();
  for (const l of snap.links) {
    const g = guardians.get(l.guardianExternalId);
    const s = studentSchool.get(l.studentExternalId);
    if (!g || !s || s.schoolId === undefined) {
      reject({ ...l.src, reason: `link between guardian "${l.guardianExternalId}" and student "${l.studentExternalId}": ${!g ? 'no such guardian' : 'no such student'} in the file` });
      continue;
    }
    linked.add(g.externalId);
    if (!s.active) continue;
    children.set(g.externalId, [...(children.get(g.externalId) ?? []), l.studentExternalId]);
    const school = out.get(s.schoolId) ?? out.set(s.schoolId, new Map()).get(s.schoolId)!;
    const m = school.get(g.externalId) ?? school.set(g.externalId, { guardian: g, links: [] }).get(g.externalId)!;
    m.links.push(l);
  }
  for (const g of snap.guardians) {
    if (g.active && !linked.has(g.externalId)) reject({ ...g.src, reason: `guardian ${g.externalId} is linked to no student in the file; not imported` });
  }
  return { bySchool: out, children };
}

function majority(values: (string | null)[]): string | null {
  const n = new Map<string, number>();
  for (const v of values) if (v) n.set(v, (n.get(v) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? null;
}

/** The stored family a household continues: its explicit id, else the one most of its guardians are in. */
function pickFamily(h: Household, families: repo.FamilyRow[], guardianByExt: Map<string, repo.GuardianRow>, claimed: Set<number>) {
  const explicit = h.explicitId === null ? undefined : families.find((f) => f.externalId === h.explicitId && !claimed.has(f.id));
  if (explicit) return explicit;
  const votes = majority(h.guardianIds.map((id) => String(guardianByExt.get(id)?.familyId ?? '')).filter((id) => id && !claimed.has(Number(id))));
  return votes === null ? undefined : families.find((f) => f.id === Number(votes));
}

/** Guardians, households (families), phones and guardian–student links, school by school. */
export function syncHouseholds(
  tx: Tx,
  snap: RosterSnapshot,
  opts: SyncOptions,
  schoolIdByExt: Map<string, number>,
  studentIdByExt: Map<string, number>,
  report: ImportReport,
  reject: (e: RowError) => void,
): number[] {
  const { bySchool, children } = membersBySchool(snap, schoolIdByExt, reject);
  const badPhones = new Set<string>();
  const newFamilyIds: number[] = [];
  for (const school of repo.allSchools(tx).filter((s) => [...schoolIdByExt.values()].includes(s.id))) {
    const members = [...(bySchool.get(school.id) ?? new Map<string, Member>()).values()];
    const phoneOf = new Map<string, string | null>();
    for (const { guardian: g } of members) {
      const e164 = g.phone ? toE164(g.phone, school.phoneRegion as CountryCode) : null;
      if (g.phone && !e164 && !badPhones.has(g.externalId)) {
        badPhones.add(g.externalId);
        reject({ ...g.src, reason: `guardian ${g.externalId}: "${g.phone}" is not a phone number; imported without a phone` });
      }
      phoneOf.set(g.externalId, e164);
    }
    const active = members.filter((m) => m.guardian.active);
    const households = workOutHouseholds(
      active.map((m) => ({
        externalId: m.guardian.externalId,
        phone: phoneOf.get(m.guardian.externalId) ?? null,
        household: m.guardian.household,
        studentIds: m.links.map((l) => l.studentExternalId),
        allStudentIds: children.get(m.guardian.externalId),
      })),
    );
    const storedGuardians = repo.guardiansOf(tx, school.id);
    const guardianByExt = byKey(storedGuardians, (g) => g.externalId);
    const storedFamilies = repo.familiesOf(tx, school.id);
    const claimed = new Set<number>();
    const familyOf = new Map<string, number>();
    const memberByExt = new Map(active.map((m) => [m.guardian.externalId, m]));
    /** Households with no stored family: their families are inserted together below. */
    const created: { row: typeof repo.rosterTables.families.$inferInsert; guardianIds: string[] }[] = [];

    for (const h of households) {
      const family = pickFamily(h, storedFamilies, guardianByExt, claimed);
      const gs = h.guardianIds.map((id) => memberByExt.get(id)!.guardian);
      const values = {
        schoolId: school.id,
        externalId: h.explicitId,
        displayName: [...new Set(gs.map((g) => g.lastName).filter(Boolean))].join(' / ') || gs[0].firstName,
        // A language the family chose by text outlives the roster's.
        language: family?.languageSource === 'text' ? family.language : majority(gs.map((g) => g.language)) ?? school.defaultLanguage,
        active: true,
      };
      if (!family) {
        created.push({ row: { ...values, welcomePending: opts.welcome, createdAt: opts.now, updatedAt: opts.now }, guardianIds: h.guardianIds });
        continue;
      }
      claimed.add(family.id);
      if (differs(family, values)) {
        repo.updateRow(tx, repo.rosterTables.families, family.id, { ...values, updatedAt: opts.now });
        report.families.updated++;
      } else report.families.unchanged++;
      for (const id of h.guardianIds) familyOf.set(id, family.id);
    }
    const createdIds = repo.insertMany(tx, repo.rosterTables.families, created.map((c) => c.row));
    created.forEach((c, n) => {
      for (const id of c.guardianIds) familyOf.set(id, createdIds[n]);
    });
    newFamilyIds.push(...createdIds);
    report.families.created += created.length;
    if (snap.complete.guardians) {
      deactivateMissing(tx, repo.rosterTables.families, storedFamilies, (f: repo.FamilyRow) => !claimed.has(f.id), { updatedAt: opts.now }, report.families);
    }
    const guardianIds = syncGuardians(tx, school.id, members, familyOf, guardianByExt, storedGuardians, snap.complete.guardians, opts, report);
    syncPhones(tx, school.id, active, phoneOf, guardianIds, opts.now, report);
    syncLinks(tx, school.id, active, guardianIds, studentIdByExt, report);
  }
  return newFamilyIds;
}

function syncGuardians(
  tx: Tx,
  schoolId: number,
  members: Member[],
  familyOf: Map<string, number>,
  guardianByExt: Map<string, repo.GuardianRow>,
  stored: repo.GuardianRow[],
  complete: boolean,
  opts: SyncOptions,
  report: ImportReport,
): Map<string, number> {
  const incoming = members
    .filter((m) => m.guardian.active)
    .map(({ guardian: g }) => ({
      key: g.externalId,
      values: { familyId: familyOf.get(g.externalId)!, schoolId, externalId: g.externalId, firstName: g.firstName, lastName: g.lastName, language: g.language, relationship: g.relationship, active: true },
    }));
  const plan = planUpsert(guardianByExt, incoming, report.guardians);
  writePlan(tx, repo.rosterTables.guardians, plan, { createdAt: opts.now, updatedAt: opts.now });
  const inactiveInFile = new Set(members.filter((m) => !m.guardian.active).map((m) => m.guardian.externalId));
  const gone = (g: repo.GuardianRow) => inactiveInFile.has(g.externalId ?? '') || (complete && g.externalId !== null && !plan.ids.has(g.externalId));
  deactivateMissing(tx, repo.rosterTables.guardians, stored, gone, { updatedAt: opts.now }, report.guardians);
  return plan.ids;
}

/** One number per imported guardian. A number that leaves the roster loses its row; its opt-out (kept per number) stays. */
function syncPhones(
  tx: Tx,
  schoolId: number,
  active: Member[],
  phoneOf: Map<string, string | null>,
  guardianIds: Map<string, number>,
  now: string,
  report: ImportReport,
) {
  const stored = repo.phonesOf(tx, schoolId);
  const byGuardian = new Map<number, repo.PhoneRow[]>();
  for (const p of stored) byGuardian.set(p.guardianId, [...(byGuardian.get(p.guardianId) ?? []), p]);
  const remove: number[] = [];
  const add: { guardianId: number; number: string; createdAt: string }[] = [];
  for (const m of active) {
    const guardianId = guardianIds.get(m.guardian.externalId)!;
    const want = phoneOf.get(m.guardian.externalId) ?? null;
    const have = byGuardian.get(guardianId) ?? [];
    for (const p of have) if (p.number !== want) remove.push(p.id);
    if (want && !have.some((p) => p.number === want)) add.push({ guardianId, number: want, createdAt: now });
    else if (want) report.phones.unchanged++;
  }
  repo.deletePhones(tx, remove);
  repo.insertLinks(tx, repo.rosterTables.phones, add);
  report.phones.added += add.length;
  report.phones.removed += remove.length;
}

function syncLinks(tx: Tx, schoolId: number, active: Member[], guardianIds: Map<string, number>, studentIdByExt: Map<string, number>, report: ImportReport) {
  const stored = new Map(repo.linksOf(tx, schoolId).map((l) => [`${l.studentId}:${l.guardianId}`, l]));
  const wanted = new Map<string, repo.LinkRow>();
  for (const m of active) {
    const guardianId = guardianIds.get(m.guardian.externalId)!;
    for (const l of m.links) {
      const studentId = studentIdByExt.get(l.studentExternalId)!;
      wanted.set(`${studentId}:${guardianId}`, { studentId, guardianId, relationship: l.relationship, mayContact: l.mayContact });
    }
  }
  const activeIds = new Set(guardianIds.values());
  for (const [key, link] of stored) {
    if (!wanted.has(key) && activeIds.has(link.guardianId)) {
      repo.deletePairs(tx, 'studentGuardians', [[link.studentId, link.guardianId]]);
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
  repo.deletePairs(tx, 'studentGuardians', changed.map((l) => [l.studentId, l.guardianId]));
  repo.insertLinks(tx, repo.rosterTables.studentGuardians, [...add, ...changed]);
  report.studentGuardians.added += add.length;
  report.studentGuardians.updated += changed.length;
}
