/**
 * `npm run bench -- updates [--db sqlite|postgres] [--students N] [--class-size N]`: a teacher's
 * updates through the API, for one class of 35 and for a whole school of 2,000 students (classes
 * of 35, previewed and sent class by class, a few at once as a school's teachers would on a
 * Friday). Preview: ms per student (the HTTP round trip a composer waits for). Send: messages per
 * second from the first POST /updates to the last text "delivered" in the simulator. The web,
 * worker and sim roles run as three processes, pacing off (school mps 0, simulator mps null),
 * as in the send benchmark.
 */
import path from 'node:path';
import { and, count, eq } from 'drizzle-orm';
import { openDatabase, transaction } from '../db/client';
import { classes, classTeachers, enrollments, families, guardians, messages, phones, schools, students, studentGuardians } from '../db/schema';
import { addStaffWithToken } from '../src/staff/accounts';
import { SIMULATED_CARRIER, startChild } from './lib/children';
import { jsonClient, pool } from './lib/http';
import { familyPhone, zoneAtMidday } from './lib/seed';
import { dialectArg, freePort, log, runWithChildren } from './lib/workspace';

const FIRST = ['Ana', 'Bruno', 'Chen', 'Dalia', 'Emeka', 'Fatima', 'Gus', 'Hana', 'Ines', 'Jamal', 'Kira', 'Luis'];
/** Teachers of one school posting at once. */
const CLASSES_AT_ONCE = 4;
const PREVIEW_REPEATS = 5;
const POLL_MS = 100;
const STALL_MS = 15_000;
/** Rows per seeding insert: far under either dialect's bound-parameter limit. */
const CHUNK = 200;

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

/** One school: every student in one family (one in five Spanish-speaking) with one number; classes of `classSize`. */
async function seedSchool(databaseUrl: string, studentCount: number, classSize: number): Promise<{ token: string; classIds: number[]; studentsOf: Map<number, number[]> }> {
  const database = await openDatabase(databaseUrl);
  const { db } = database;
  const at = new Date().toISOString();
  try {
    const [school] = await db
      .insert(schools)
      .values({ name: 'Juniper Hollow Elementary', timezone: zoneAtMidday(), fromNumber: null, mps: 0, createdAt: at, updatedAt: at })
      .returning();
    const { token, staff } = await addStaffWithToken(db, { email: 'bench-admin@juniper.example', role: 'school_admin', schoolId: school.id, name: 'Ms. Bench' }, at);
    const classIds: number[] = [];
    const studentsOf = new Map<number, number[]>();
    await transaction(db, async (tx) => {
      const classCount = Math.max(1, Math.floor(studentCount / classSize));
      const made = await tx
        .insert(classes)
        .values(Array.from({ length: classCount }, (_, c) => ({ schoolId: school.id, title: `Class ${c + 1}`, createdAt: at, updatedAt: at })))
        .returning({ id: classes.id });
      classIds.push(...made.map((k) => k.id));
      for (const id of classIds) studentsOf.set(id, []);
      // The admin teaches every class too, as a class's own teacher would send: a teacher's scope is the costlier check.
      await tx.insert(classTeachers).values(classIds.map((classId) => ({ classId, staffId: staff.id })));
      // In chunks of rows, each insert's RETURNING in the order of its VALUES (both dialects keep it).
      for (let from = 0; from < studentCount; from += CHUNK) {
        const idx = Array.from({ length: Math.min(CHUNK, studentCount - from) }, (_, k) => from + k);
        const fams = await tx
          .insert(families)
          .values(idx.map((i) => ({ schoolId: school.id, displayName: `Family-${i}`, language: i % 5 === 0 ? 'es' : 'en', createdAt: at, updatedAt: at })))
          .returning({ id: families.id });
        const gs = await tx
          .insert(guardians)
          .values(idx.map((i, k) => ({ familyId: fams[k].id, firstName: FIRST[(i + 3) % FIRST.length], lastName: `Family-${i}`, createdAt: at, updatedAt: at })))
          .returning({ id: guardians.id });
        await tx.insert(phones).values(idx.map((i, k) => ({ guardianId: gs[k].id, number: familyPhone(i), createdAt: at })));
        const sts = await tx
          .insert(students)
          .values(idx.map((i) => ({ schoolId: school.id, firstName: FIRST[i % FIRST.length], lastName: `Family-${i}`, grade: '3', createdAt: at, updatedAt: at })))
          .returning({ id: students.id });
        await tx.insert(studentGuardians).values(idx.map((_, k) => ({ studentId: sts[k].id, guardianId: gs[k].id })));
        // The last class takes the remainder, so the first is exactly classSize.
        const rows = idx.map((i, k) => ({ classId: classIds[Math.min(Math.floor(i / classSize), classIds.length - 1)], studentId: sts[k].id }));
        await tx.insert(enrollments).values(rows);
        for (const r of rows) studentsOf.get(r.classId)!.push(r.studentId);
      }
    });
    return { token, classIds, studentsOf };
  } finally {
    await database.close();
  }
}

/** A mix a teacher would send: praise, practice, missing work, and one in six in their own words. */
function itemsFor(studentIds: number[]) {
  return studentIds.map((studentId, i) =>
    i % 6 === 5
      ? { studentId, text: 'Great focus in reading group this week. Ask about the book tonight!' }
      : [
          { studentId, template: 'praise.skill', slots: { skill: 'two-digit subtraction' } },
          { studentId, template: 'practice.skill', slots: { subject: 'math', skill: 'fractions' } },
          { studentId, template: 'missing.assignments', slots: { count: 2, subject: 'science' } },
          { studentId, template: 'practice.reading', slots: {} },
          { studentId, template: 'upcoming.test', slots: { subject: 'math', date: '2026-12-04', skill: 'multiplication' } },
        ][i % 5],
  );
}

export async function main(args: string[]): Promise<void> {
  const studentCount = Number(argValue(args, '--students') ?? 2000);
  const classSize = Number(argValue(args, '--class-size') ?? 35);
  await runWithChildren('updates', dialectArg(args), async (ws, children) => {
    log(`seeding a school of ${studentCount} students in classes of ${classSize}`);
    const seeded = await seedSchool(ws.databaseUrl, studentCount, classSize);
    const port = await freePort();
    const simPort = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const simBase = `http://127.0.0.1:${simPort}`;
    const env = {
      PUBLIC_BASE_URL: base, SIM_URL: `${simBase}/sim`, DATABASE_URL: ws.databaseUrl, REDIS_URL: ws.redisUrl, QUEUE_PREFIX: ws.queuePrefix,
      ...SIMULATED_CARRIER,
      TRANSLATE_URL: '', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    };
    const logFile = path.join(ws.dir, 'children.log');
    children.push(await startChild('sim', ['familyline', 'sim'], { ...env, PORT: String(simPort) }, logFile));
    children.push(await startChild('web', ['familyline', 'web'], { ...env, PORT: String(port) }, logFile));
    children.push(await startChild('worker', ['familyline', 'worker'], { ...env, PORT: '0' }, logFile));

    const simApi = jsonClient(simBase, {}, 1);
    const pacing = await simApi.request('POST', '/sim/api/settings', { mps: null });
    simApi.close();
    if (pacing.status !== 200) throw new Error(`could not switch simulator pacing off: ${pacing.status}`);
    const api = jsonClient(base, { authorization: `Bearer ${seeded.token}` }, CLASSES_AT_ONCE);
    const database = await openDatabase(ws.databaseUrl);
    const delivered = async () =>
      (await database.db.select({ n: count() }).from(messages).where(and(eq(messages.kind, 'update'), eq(messages.status, 'delivered'))))[0].n;

    const post = async (route: string, body: unknown, expected: number) => {
      const r = await api.request('POST', route, body);
      if (r.status !== expected) throw new Error(`${route} answered ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
      return r.json as { items: { messages?: unknown[] }[] };
    };

    /** Previews then sends `classIds`; ms per student for the previews, messages/s from the first send to the last delivery. */
    const run = async (label: string, classIds: number[]) => {
      const studentsIn = classIds.reduce((n, id) => n + seeded.studentsOf.get(id)!.length, 0);
      const repeats = classIds.length === 1 ? PREVIEW_REPEATS : 1;
      const previewMs: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t = performance.now();
        await pool(classIds.length, CLASSES_AT_ONCE, async (i) => {
          await post('/api/v1/updates/preview', { classId: classIds[i], items: itemsFor(seeded.studentsOf.get(classIds[i])!) }, 200);
        });
        previewMs.push(performance.now() - t);
      }
      previewMs.sort((a, b) => a - b);
      const before = await delivered();
      let sent = 0;
      const t0 = performance.now();
      await pool(classIds.length, CLASSES_AT_ONCE, async (i) => {
        const res = await post('/api/v1/updates', { classId: classIds[i], items: itemsFor(seeded.studentsOf.get(classIds[i])!), requestId: `bench-${label}-${i}` }, 202);
        sent += res.items.reduce((n, item) => n + (item.messages?.length ?? 0), 0);
      });
      const acceptedS = (performance.now() - t0) / 1000;
      let done = 0;
      let last = -1;
      let lastChange = performance.now();
      for (;;) {
        done = (await delivered()) - before;
        if (done >= sent) break;
        if (done !== last) (last = done), (lastChange = performance.now());
        if (performance.now() - lastChange > STALL_MS) {
          log(`${label}: stalled at ${done}/${sent} delivered`);
          break;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      const seconds = (performance.now() - t0) / 1000;
      log(`${label}: ${studentsIn} students, ${sent} texts, preview ${previewMs[Math.floor(previewMs.length / 2)].toFixed(0)} ms, delivered in ${seconds.toFixed(2)} s`);
      return {
        classes: classIds.length,
        students: studentsIn,
        previewMs: round(previewMs[Math.floor(previewMs.length / 2)]),
        previewMsPerStudent: round(previewMs[Math.floor(previewMs.length / 2)] / studentsIn),
        texts: sent,
        delivered: done,
        sendAcceptedSeconds: round(acceptedS),
        sendToDeliveredSeconds: round(seconds),
        messagesPerSecond: Math.round(done / seconds),
      };
    };

    const oneClass = await run('class', [seeded.classIds[0]]);
    const school = await run('school', seeded.classIds);
    await database.close();
    api.close();
    return {
      bench: 'updates',
      class: oneClass,
      school,
      settings: { classSize, classesAtOnce: CLASSES_AT_ONCE, previewRepeats: PREVIEW_REPEATS, shape: 'web+worker+sim', pacing: 'off' },
    };
  }, { watchdogMs: 300_000 });
}

const round = (x: number) => Math.round(x * 100) / 100;
