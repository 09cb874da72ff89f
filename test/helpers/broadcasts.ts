import { families, guardians, phones, students, studentGuardians } from '../../db/schema';
import type { Db } from '../../db/client';
import type { TestApp } from './app';

const AT = '2026-11-01T12:00:00.000Z';

/** A JSON API call with a bearer token; answers the status and the parsed body (text for CSV). */
export async function api(app: TestApp, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  return { status: res.status, body: json, headers: res.headers };
}

/** What a phone received from the simulator. */
export async function simInbox(app: TestApp, to: string): Promise<{ body: string; from: string }[]> {
  return (await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(to)}`)).json()).items;
}

/**
 * `count` families of one school, each with one guardian, one number (`phoneOf(i)`) and one student
 * of `grade`, written with multi-row inserts so a test can have thousands in a second.
 */
export async function seedManyFamilies(db: Db, schoolId: number, count: number, phoneOf: (i: number) => string, opts: { grade?: string; language?: string } = {}) {
  const familyIds: number[] = [];
  for (let start = 0; start < count; start += 200) {
    const n = Math.min(200, count - start);
    const idx = Array.from({ length: n }, (_, k) => start + k);
    const fs = await db.insert(families).values(idx.map((i) => ({ schoolId, displayName: `Family ${i}`, language: opts.language ?? 'en', createdAt: AT, updatedAt: AT }))).returning({ id: families.id });
    const gs = await db.insert(guardians).values(fs.map((f, k) => ({ familyId: f.id, firstName: 'Parent', lastName: `F${idx[k]}`, createdAt: AT, updatedAt: AT }))).returning({ id: guardians.id });
    await db.insert(phones).values(gs.map((g, k) => ({ guardianId: g.id, number: phoneOf(idx[k]), createdAt: AT })));
    const ss = await db.insert(students).values(idx.map((i) => ({ schoolId, firstName: 'Kid', lastName: `F${i}`, grade: opts.grade ?? '3', createdAt: AT, updatedAt: AT }))).returning({ id: students.id });
    await db.insert(studentGuardians).values(ss.map((s, k) => ({ studentId: s.id, guardianId: gs[k].id, mayContact: true })));
    familyIds.push(...fs.map((f) => f.id));
  }
  return familyIds;
}
