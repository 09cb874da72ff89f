/**
 * `npm run bench -- nudges [--families N] [--db sqlite|postgres]`: compose and enqueue the weekend
 * nudges of a school of N families (default 50,000; one guardian, one number, one or two children
 * in classes with a current unit and progress records each): one nudge tick at Saturday 09:30 in
 * the school's zone, in this process, as the worker role runs it. Reports families/s and RSS as
 * the tick goes (after its first tenth and at the end) to show memory does not grow with the
 * number of families. The send jobs are enqueued, not sent (no worker runs).
 */
import { count, eq } from 'drizzle-orm';
import { openDatabase, transaction, type Db } from '../db/client';
import { classes, classTeachers, enrollments, families, guardians, messages, nudgePlans, phones, progressRecords, schools, staff, students, studentGuardians } from '../db/schema';
import { loadConfig } from '../src/config';
import { createRedis } from '../src/queue/connection';
import { createQueues } from '../src/queue/queues';
import { runNudgeTick } from '../src/nudges/tick';
import { familyPhone } from './lib/seed';
import { dialectArg, log, runWithChildren } from './lib/workspace';

const TARGET = { seconds: 60 };
const CHUNK = 250;
const CLASSES = 40;
const FIRST = ['Ana', 'Bruno', 'Chen', 'Dalia', 'Emeka', 'Fatima', 'Gus', 'Hana', 'Ines', 'Jamal', 'Kira', 'Luis'];
const LANGUAGES = ['en', 'en', 'es', 'pt', 'en', 'ar', 'pl'];
const GRADES = ['K', '1', '2', '3', '4', '5', '6', '7', '8', '10'];
/** Saturday 09:30 in New York, so the school is due and inside waking hours. */
const AT = Date.parse('2026-11-07T14:30:00Z');

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

async function seedSchool(db: Db, n: number): Promise<void> {
  const at = new Date(AT - 3 * 86_400_000).toISOString();
  const [school] = await db.insert(schools).values({ name: 'Juniper Hollow School', timezone: 'America/New_York', mps: 0, createdAt: at, updatedAt: at }).returning();
  const classIds: number[] = [];
  for (let c = 0; c < CLASSES; c++) {
    const [t] = await db.insert(staff).values({ email: `teacher${c}@juniper.example`, name: `Teacher ${c}`, role: 'teacher', schoolId: school.id, createdAt: at }).returning();
    const [k] = await db
      .insert(classes)
      .values({ schoolId: school.id, title: `Class ${c}`, currentUnit: c % 2 ? 'Fractions on a number line' : 'Reading for the main idea', createdAt: at, updatedAt: at })
      .returning();
    await db.insert(classTeachers).values({ classId: k.id, staffId: t.id });
    classIds.push(k.id);
  }
  for (let start = 0; start < n; start += CHUNK) {
    await transaction(db, async (tx) => {
      const idx = Array.from({ length: Math.min(CHUNK, n - start) }, (_, j) => start + j);
      const fams = await tx
        .insert(families)
        .values(idx.map((i) => ({ schoolId: school.id, displayName: `Family ${i}`, language: LANGUAGES[i % LANGUAGES.length], createdAt: at, updatedAt: at })))
        .returning({ id: families.id });
      const gs = await tx
        .insert(guardians)
        .values(fams.map((f, j) => ({ familyId: f.id, firstName: FIRST[j % FIRST.length], lastName: `Parent ${idx[j]}`, createdAt: at, updatedAt: at })))
        .returning({ id: guardians.id });
      await tx.insert(phones).values(gs.map((g, j) => ({ guardianId: g.id, number: familyPhone(idx[j]), createdAt: at })));
      // Every third family has two children.
      const kids = idx.flatMap((i, j) => (i % 3 === 0 ? [j, j] : [j]));
      const sts = await tx
        .insert(students)
        .values(kids.map((j, k) => ({ schoolId: school.id, firstName: FIRST[(j + k) % FIRST.length], lastName: `Child ${idx[j]}`, grade: GRADES[(idx[j] + k) % GRADES.length], createdAt: at, updatedAt: at })))
        .returning({ id: students.id });
      await tx.insert(studentGuardians).values(sts.map((s, k) => ({ studentId: s.id, guardianId: gs[kids[k]].id })));
      await tx.insert(enrollments).values(sts.map((s) => ({ studentId: s.id, classId: classIds[s.id % CLASSES] })));
      await tx.insert(progressRecords).values(
        sts.map((s) => ({ studentId: s.id, schoolId: school.id, week: '2026-11-02', kind: s.id % 4 ? 'missing_assignments' : 'reading_level', value: s.id % 4 ? String(s.id % 3) : 'K', source: 'csv' as const, createdAt: at })),
      );
    });
  }
}

export async function main(args: string[]): Promise<void> {
  const n = Number(argValue(args, '--families') ?? 50_000);
  await runWithChildren(
    'nudges',
    dialectArg(args),
    async (ws) => {
      const database = await openDatabase(ws.databaseUrl);
      const t0 = performance.now();
      await seedSchool(database.db, n);
      log(`seeded ${n} families in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const config = loadConfig({ ...process.env, DATABASE_URL: ws.databaseUrl, REDIS_URL: ws.redisUrl, QUEUE_PREFIX: ws.queuePrefix, SMS_PROVIDER: 'sim', TWILIO_FROM: '+15005550006', LOG_LEVEL: 'warn' });
      const redis = createRedis(ws.redisUrl);
      const queues = createQueues(redis, ws.queuePrefix);
      global.gc?.();
      const rssStart = process.memoryUsage().rss;
      const samples: { planned: number; rss: number }[] = [];
      let peak = rssStart;
      const sampler = setInterval(() => {
        const rss = process.memoryUsage().rss;
        peak = Math.max(peak, rss);
      }, 50);
      const progress = setInterval(async () => {
        const [{ n: planned }] = await database.db.select({ n: count() }).from(nudgePlans);
        samples.push({ planned, rss: process.memoryUsage().rss });
        log(`${planned} families planned, rss ${mb(process.memoryUsage().rss)} MB`);
      }, 2000);
      const t1 = performance.now();
      const summary = await runNudgeTick({ db: database.db, config, queues, clock: { now: () => AT } });
      const seconds = (performance.now() - t1) / 1000;
      clearInterval(sampler);
      clearInterval(progress);
      const [{ n: texts }] = await database.db.select({ n: count() }).from(messages).where(eq(messages.kind, 'nudge'));
      const jobs = await queues.send.getJobCounts('waiting', 'delayed');
      await queues.close();
      redis.disconnect();
      await database.close();
      const early = samples.find((s) => s.planned >= n / 10) ?? samples[0];
      return {
        bench: 'nudges',
        families: n,
        sent: summary.sent,
        texts,
        sendJobsEnqueued: (jobs.waiting ?? 0) + (jobs.delayed ?? 0),
        seconds: round(seconds),
        familiesPerSecond: Math.round(summary.sent / seconds),
        rssMb: { beforeTick: mb(rssStart), afterTenth: early ? mb(early.rss) : null, peakDuringTick: mb(peak), end: mb(process.memoryUsage().rss) },
        peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
        target: TARGET,
        meetsTarget: summary.sent === n && seconds <= TARGET.seconds,
      };
    },
    { watchdogMs: 900_000 },
  );
}

const mb = (bytes: number) => Math.round(bytes / 1048576);
const round = (x: number) => Math.round(x * 100) / 100;
