import { openDatabase, transaction } from '../../db/client';
import { conversations, families, guardians, phones, schools } from '../../db/schema';
import { addStaffWithToken } from '../../src/staff/accounts';

const FIRST = ['Ana', 'Bruno', 'Chen', 'Dalia', 'Emeka', 'Fatima', 'Gus', 'Hana', 'Ines', 'Jamal', 'Kira', 'Luis'];
const LAST = ['Aldana', 'Brook', 'Castelo', 'Dunmore', 'Esquivel', 'Farrow', 'Gallardo', 'Hollis', 'Ibarra', 'Jessup'];

/** Invented family numbers: +1 555 5xx xxxx (555 numbers are reserved for fiction). */
export const familyPhone = (i: number): string => `+15555${String(i).padStart(6, '0')}`;
/** Numbers no roster knows: +1 555 9xx xxxx. */
export const unknownPhone = (i: number): string => `+15559${String(i).padStart(6, '0')}`;

/**
 * An IANA zone where it is now about noon, so quiet hours (08:00–20:00 local) never hold a
 * benchmark text, whenever it runs. Etc/GMT+N means UTC−N (POSIX sign).
 */
export function zoneAtMidday(nowMs = Date.now()): string {
  const offset = 12 - new Date(nowMs).getUTCHours(); // hours to add to UTC, -11..12
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

export interface Seeded {
  schoolId: number;
  conversationIds: number[];
  token: string | null;
}

/**
 * One school sending from the deployment default (TWILIO_FROM), `families` families with one
 * guardian and one number each, optionally a conversation per family and a school_admin token.
 * Rows go straight into the database (one transaction): seeding is not what is measured.
 */
export async function seed(
  databaseUrl: string,
  opts: { families: number; mps: number; conversations?: boolean; token?: boolean },
): Promise<Seeded> {
  const database = await openDatabase(databaseUrl);
  const { db } = database;
  const at = new Date().toISOString();
  try {
    const [school] = await db
      .insert(schools)
      .values({ name: 'Juniper Hollow Elementary', timezone: zoneAtMidday(), fromNumber: null, mps: opts.mps, createdAt: at, updatedAt: at })
      .returning();
    const conversationIds: number[] = [];
    await transaction(db, async (tx) => {
      for (let i = 0; i < opts.families; i++) {
        const last = `${LAST[i % LAST.length]}-${i}`;
        const [family] = await tx
          .insert(families)
          .values({ schoolId: school.id, displayName: `${last} family`, language: i % 5 === 0 ? 'es' : 'en', createdAt: at, updatedAt: at })
          .returning({ id: families.id });
        const [g] = await tx
          .insert(guardians)
          .values({ familyId: family.id, firstName: FIRST[i % FIRST.length], lastName: last, createdAt: at, updatedAt: at })
          .returning({ id: guardians.id });
        await tx.insert(phones).values({ guardianId: g.id, number: familyPhone(i), createdAt: at });
        if (opts.conversations) {
          const [c] = await tx
            .insert(conversations)
            .values({ schoolId: school.id, familyId: family.id, createdAt: at })
            .returning({ id: conversations.id });
          conversationIds.push(c.id);
        }
      }
    });
    const token = opts.token
      ? (await addStaffWithToken(db, { email: 'bench-admin@juniper.example', role: 'school_admin', schoolId: school.id }, at)).token
      : null;
    return { schoolId: school.id, conversationIds, token };
  } finally {
    await database.close();
  }
}
