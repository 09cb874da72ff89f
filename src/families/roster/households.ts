/**
 * Who lives together, worked out from a school's roster when the file does not say:
 * guardians who share a phone number are one household; a guardian linked to exactly the same
 * set of students as another joins that guardian's household; every other guardian starts one
 * of their own. A student belongs to the household of every guardian linked to them, so a child
 * whose parents live apart is in two households and siblings who share a parent share one.
 * An explicit household id from the file decides for the guardians that have one.
 *
 * A delta file re-groups only the people and links it names: every other guardian is pinned to
 * the household they are stored in, and their number and children can draw in a guardian the
 * file names but never re-group pinned guardians among themselves.
 */

export interface HouseholdGuardian {
  externalId: string;
  /** E.164, already normalised, or null. */
  phone: string | null;
  household: string | null;
  /** The guardian's students in this school: the household's members. */
  studentIds: string[];
  /** Every student the guardian is linked to, in any school: compared for "the same children". */
  allStudentIds?: string[];
  /** The household this guardian stays in whoever joins it: a stored guardian a delta does not name. */
  pinnedTo?: string | null;
}

export interface Household {
  /** The file's household id, or null when worked out. */
  explicitId: string | null;
  guardianIds: string[];
  studentIds: string[];
}

class UnionFind {
  private parent = new Map<string, string>();
  find(x: string): string {
    let root = this.parent.get(x) ?? x;
    while (root !== (this.parent.get(root) ?? root)) root = this.parent.get(root)!;
    this.parent.set(x, root);
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller id wins so the same file always gives the same grouping.
    if (ra !== rb) (ra < rb ? this.parent.set(rb, ra) : this.parent.set(ra, rb));
  }
}

export function workOutHouseholds(guardians: HouseholdGuardian[]): Household[] {
  const uf = new UnionFind();
  const byKey = new Map<string, HouseholdGuardian[]>();
  const add = (key: string, g: HouseholdGuardian) => {
    const members = byKey.get(key);
    if (members) members.push(g);
    else byKey.set(key, [g]);
  };
  for (const g of guardians) {
    uf.find(g.externalId);
    if (g.pinnedTo) add(`pinned:${g.pinnedTo}`, g);
    if (g.household !== null) {
      add(`explicit:${g.household}`, g);
      continue;
    }
    if (g.phone) add(`phone:${g.phone}`, g);
    const children = g.allStudentIds ?? g.studentIds;
    if (children.length) add(`students:${[...children].sort().join('\u0000')}`, g);
  }
  for (const [key, members] of byKey) {
    if (key.startsWith('pinned:') || members.some((m) => !m.pinnedTo)) members.forEach((m) => uf.union(members[0].externalId, m.externalId));
  }
  const groups = new Map<string, HouseholdGuardian[]>();
  for (const g of guardians) {
    const root = uf.find(g.externalId);
    groups.set(root, [...(groups.get(root) ?? []), g]);
  }
  return [...groups.values()]
    .map((members) => ({
      explicitId: members.find((m) => m.household !== null)?.household ?? null,
      guardianIds: members.map((m) => m.externalId).sort(),
      studentIds: [...new Set(members.flatMap((m) => m.studentIds))].sort(),
    }))
    .sort((a, b) => (a.guardianIds[0] < b.guardianIds[0] ? -1 : 1));
}

/** A stored guardian of the school: the family they are in, and their row id (who came first). */
export interface StoredMember {
  familyId: number;
  rowId: number;
  /** A guardian a delta does not name: their family stays theirs. */
  pinned?: boolean;
}

/**
 * Which stored family each household continues, so family ids, and the conversations on them,
 * outlive re-imports. A household named by the file's household id keeps that family, and in a
 * delta, the household of the guardians it does not name keeps theirs. Otherwise
 * each stored family goes to the household holding most of its guardians, so a household keeps
 * its family when its guardians are the same or more; when a family splits, the part with more
 * of them keeps it, on a tie the part with its earliest guardian. Returns a family id or null
 * (a new family) per household, in order.
 */
export function continueFamilies(households: Household[], stored: Map<string, StoredMember>, familyByExplicitId: Map<string, number>): (number | null)[] {
  const candidates: { h: number; familyId: number; explicit: boolean; pinned: boolean; shared: number; earliest: number }[] = [];
  households.forEach((h, i) => {
    const explicit = h.explicitId === null ? undefined : familyByExplicitId.get(h.explicitId);
    const overlap = new Map<number, { pinned: boolean; shared: number; earliest: number }>();
    for (const id of h.guardianIds) {
      const m = stored.get(id);
      if (!m) continue;
      const o = overlap.get(m.familyId) ?? { pinned: false, shared: 0, earliest: Infinity };
      overlap.set(m.familyId, { pinned: o.pinned || m.pinned === true, shared: o.shared + 1, earliest: Math.min(o.earliest, m.rowId) });
    }
    if (explicit !== undefined && !overlap.has(explicit)) overlap.set(explicit, { pinned: false, shared: 0, earliest: Infinity });
    for (const [familyId, o] of overlap) candidates.push({ h: i, familyId, explicit: familyId === explicit, ...o });
  });
  const first = (a: boolean, b: boolean) => Number(b) - Number(a);
  candidates.sort((a, b) => first(a.explicit, b.explicit) || first(a.pinned, b.pinned) || b.shared - a.shared || a.earliest - b.earliest || a.familyId - b.familyId);
  const chosen: (number | null)[] = households.map(() => null);
  const taken = new Set<number>();
  for (const c of candidates) {
    if (chosen[c.h] !== null || taken.has(c.familyId)) continue;
    chosen[c.h] = c.familyId;
    taken.add(c.familyId);
  }
  return chosen;
}
