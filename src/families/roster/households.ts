/**
 * Who lives together, worked out from a school's roster when the file does not say:
 * guardians who share a phone number are one household; a guardian linked to exactly the same
 * set of students as another joins that guardian's household; every other guardian starts one
 * of their own. A student belongs to the household of every guardian linked to them, so a child
 * whose parents live apart is in two households and siblings who share a parent share one.
 * An explicit household id from the file decides for the guardians that have one.
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
  const firstBy = new Map<string, string>();
  const join = (key: string, id: string) => {
    const first = firstBy.get(key);
    if (first === undefined) firstBy.set(key, id);
    else uf.union(first, id);
  };
  for (const g of guardians) {
    uf.find(g.externalId);
    if (g.household !== null) {
      join(`explicit:${g.household}`, g.externalId);
      continue;
    }
    if (g.phone) join(`phone:${g.phone}`, g.externalId);
    const children = g.allStudentIds ?? g.studentIds;
    if (children.length) join(`students:${[...children].sort().join('\u0000')}`, g.externalId);
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
