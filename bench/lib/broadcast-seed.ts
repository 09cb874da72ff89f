import { sql } from 'drizzle-orm';
import { openDatabase, transaction, type Db } from '../../db/client';
import { rawRun } from '../../db/dialects/raw';
import { conversations, families, guardians, phones, schools, students, studentGuardians } from '../../db/schema';
import { addStaffWithToken } from '../../src/staff/accounts';
import { familyPhone, zoneAtMidday } from './seed';

const CHUNK = 250;
const FIRST = ['Ana', 'Bruno', 'Chen', 'Dalia', 'Emeka', 'Fatima', 'Gus', 'Hana', 'Ines', 'Jamal', 'Kira', 'Luis'];

/** One group of families, each with one guardian, one number and one child in `grade`. */
export interface Group {
  grade: string;
  families: number;
  /** Also a conversation per family (for one-to-one replies). */
  conversations?: boolean;
}

export interface SeededGroup {
  grade: string;
  phones: string[];
  conversations: { id: number; phone: string }[];
}

/**
 * One school (mps 0, in a zone where it is midday so quiet hours hold nothing) with groups of
 * families told apart by their child's grade, so each broadcast of the benchmark picks its own
 * audience with {"type":"grades"}; and a school_admin token. Rows go straight into the
 * database in chunked multi-row inserts: seeding is not what is measured.
 */
export async function seedBroadcastSchool(databaseUrl: string, groups: Group[]): Promise<{ schoolId: number; token: string; groups: SeededGroup[] }> {
  const database = await openDatabase(databaseUrl);
  const { db } = database;
  const at = new Date().toISOString();
  try {
    const [school] = await db.insert(schools).values({ name: 'Juniper Hollow School', timezone: zoneAtMidday(), mps: 0, createdAt: at, updatedAt: at }).returning();
    let next = 0;
    const seeded: SeededGroup[] = [];
    for (const g of groups) {
      const out: SeededGroup = { grade: g.grade, phones: [], conversations: [] };
      for (let start = 0; start < g.families; start += CHUNK) {
        const idx = Array.from({ length: Math.min(CHUNK, g.families - start) }, () => next++);
        await transaction(db, (tx) => seedChunk(tx, school.id, g, idx, at, out));
      }
      seeded.push(out);
    }
    const { token } = await addStaffWithToken(db, { email: 'bench-admin@juniper.example', role: 'school_admin', schoolId: school.id }, at);
    // A district's roster is in place long before its broadcasts: its import analyzed the tables
    // (roster-transaction.ts), as autovacuum does in time. Seeding around the import does the same.
    if (database.dialect === 'postgres') await rawRun(db, sql`ANALYZE`);
    return { schoolId: school.id, token, groups: seeded };
  } finally {
    await database.close();
  }
}

async function seedChunk(tx: Db, schoolId: number, g: Group, idx: number[], at: string, out: SeededGroup): Promise<void> {
  // Every fifth family reads Spanish, so the broadcast has two texts as a real one would.
  const fams = await tx
    .insert(families)
    .values(idx.map((i) => ({ schoolId, displayName: `Family ${i}`, language: i % 5 === 0 ? 'es' : 'en', createdAt: at, updatedAt: at })))
    .returning({ id: families.id });
  const gs = await tx
    .insert(guardians)
    .values(fams.map((f, j) => ({ familyId: f.id, firstName: FIRST[j % FIRST.length], lastName: `Parent ${idx[j]}`, createdAt: at, updatedAt: at })))
    .returning({ id: guardians.id });
  await tx.insert(phones).values(gs.map((row, j) => ({ guardianId: row.id, number: familyPhone(idx[j]), createdAt: at })));
  const sts = await tx
    .insert(students)
    .values(idx.map((i, j) => ({ schoolId, firstName: FIRST[(j + 3) % FIRST.length], lastName: `Child ${i}`, grade: g.grade, createdAt: at, updatedAt: at })))
    .returning({ id: students.id });
  await tx.insert(studentGuardians).values(sts.map((s, j) => ({ studentId: s.id, guardianId: gs[j].id })));
  out.phones.push(...idx.map(familyPhone));
  if (g.conversations) {
    const cs = await tx.insert(conversations).values(fams.map((f) => ({ schoolId, familyId: f.id, createdAt: at }))).returning({ id: conversations.id });
    out.conversations.push(...cs.map((c, j) => ({ id: c.id, phone: familyPhone(idx[j]) })));
  }
}
