/**
 * `npm run bench -- import [--db sqlite|postgres] [--students N] [--no-half] [--no-webhooks]`: a
 * generated district (N students, 1.5 N guardians; 20,000 / 30,000 by default) as a OneRoster 1.1
 * bundle, imported into a fresh database of the dialect (SQLite file, or a database of its own
 * on BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres) with welcome texts
 * off (no Redis needed), then imported again (a re-import must change nothing). The same for a
 * half-size district, to show whether memory grows with the file. Each import runs alone in a
 * child process so its peak RSS is its own:
 *
 *   tsx bench/run.ts import --child --dir <bundle> --db-url <url> --phase first|again
 *
 * prints one JSON line (this process collects them and prints the only line of the bench).
 * Timing: wall time of the import's read and sync (syncRosterFile: read + parse + sync +
 * commit); `parse` ends when the file is staged, `sync` is the transaction (on PostgreSQL the
 * copy of the stage into temporary tables included). RSS: process.resourceUsage().maxRSS (the
 * peak, whatever ran), and process.memoryUsage().rss sampled every 50 ms. Between the two imports
 * this process hashes every column of every roster table: `reimportDbUnchanged` is true only
 * when the second import left every row byte-identical.
 *
 * Then, unless --no-webhooks, the full district is imported once more, into a fresh database,
 * the way a district admin does it: uploaded to `POST /api/v1/roster/imports` of a FamilyLine
 * running the web and worker roles in one process (as `npm start` does), while signed inbound
 * webhooks arrive at a steady rate. `webhooks` gives their latency before and during the import
 * (p50, p99, max), every answer's status, and whether every text acknowledged was stored.
 *
 * meetsTarget: both imports ≤ 20 s, the re-import changed nothing (report and database), the
 * full district's peak RSS is at most 1.25× the half district's (memory not growing with size),
 * and every webhook sent during the import was answered 200 and stored.
 *
 * Profiling: BENCH_CPU_PROF=<dir> writes a CPU profile per child; BENCH_IMPORT_TRACE=1 times
 * every SQLite statement by kind (the stage's, and the main database's on SQLite) and reports
 * where RSS peaks and how much heap the parsed roster keeps (stderr). --keep-on-failure keeps
 * the bundles and databases of a failed run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeDistrict, type DistrictStats } from './lib/district';
import type { BenchDatabase, BenchDialect } from './lib/databases';

const TARGET = { seconds: 20, rssGrowthRatio: 1.25 };
const CHILD_TIMEOUT_MS = 90_000;
const MB = 1024 * 1024;

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

const round = (x: number) => Math.round(x * 100) / 100;
const mb = (bytes: number) => Math.round(bytes / MB);

/** What one child measured. */
interface ChildResult {
  phase: 'first' | 'again';
  seconds: number;
  parseSeconds: number;
  syncSeconds: number;
  /** CPU (user + system) the child spent on the import: less sensitive than wall time to a busy machine. */
  cpuSeconds: number;
  maxRssMb: number;
  sampledPeakRssMb: number;
  baselineRssMb: number;
  rssAtSyncStartMb: number;
  heapUsedAtSyncStartMb: number;
  rssAtSyncEndMb: number;
  counts: Record<string, Record<string, number>>;
  rejectedRows: number;
  rejectedByFile: Record<string, number>;
  rejectedSample: string[];
}

// ---------------------------------------------------------------------------------------------
// Child: one import, measured.

async function child(args: string[]): Promise<void> {
  const dir = argValue(args, '--dir');
  const dbUrl = argValue(args, '--db-url');
  const phase = argValue(args, '--phase') === 'again' ? 'again' : 'first';
  if (!dir || !dbUrl) throw new Error('bench import --child needs --dir and --db-url');
  const [{ openDatabase }, { loadConfig }, { syncRosterFile }, { systemClock }, pino] = await Promise.all([
    import('../db/client'),
    import('../src/config'),
    import('../src/families/roster/sync-file'),
    import('../src/lib/clock'),
    import('pino'),
  ]);
  const database = await openDatabase(dbUrl, { poolSize: 2 });
  // A config of its own: nothing from the developer's .env (the ROSTER_MAX_* defaults among it).
  const config = loadConfig({ DATABASE_URL: dbUrl, SMS_PROVIDER: 'sim', DEFAULT_TIMEZONE: 'America/Chicago', LOG_LEVEL: 'warn' });
  // Logs to stderr: stdout carries only the result line.
  const logger = pino.default({ level: 'warn', base: undefined }, pino.default.destination(2));

  // Trace mode runs with --expose-gc: the heap still in use after a full GC, before and after
  // parsing, is what the parsed roster keeps in memory (it is staged on disk, so next to
  // nothing). Collecting takes time: trace only.
  const gc = process.env.BENCH_IMPORT_TRACE ? (globalThis as { gc?: () => void }).gc : undefined;
  if (process.env.BENCH_IMPORT_TRACE) await traceStatements();
  const retainedAtStart = gc ? (gc(), process.memoryUsage().heapUsed) : 0;
  const baseline = process.memoryUsage().rss;
  let sampled = baseline;
  const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 50);
  let syncStart = 0;
  let rssAtSyncStart = 0;
  let heapAtSyncStart = 0;
  let retainedAtSyncStart = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const request = {
    path: dir, format: 'oneroster' as const, scope: { schoolId: null }, timezone: 'America/Chicago', from: null,
    dryRun: false, welcome: false, now: new Date().toISOString(),
  };
  const report = await syncRosterFile({ db: database.db, config, clock: systemClock, logger }, request, () => {
    if (gc) retainedAtSyncStart = (gc(), process.memoryUsage().heapUsed);
    syncStart = performance.now();
    const m = process.memoryUsage();
    rssAtSyncStart = m.rss;
    heapAtSyncStart = m.heapUsed;
  });
  const t1 = performance.now();
  const rssAtSyncEnd = process.memoryUsage().rss;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  sampled = Math.max(sampled, rssAtSyncStart, rssAtSyncEnd);
  await database.close();
  if (gc) process.stderr.write(`[bench] heap after full GC: ${mb(retainedAtStart)} MB before the import, ${mb(retainedAtSyncStart)} MB once parsed (sync about to start)\n`);

  const counts: Record<string, Record<string, number>> = {};
  for (const [k, v] of Object.entries(report)) if (v && typeof v === 'object' && !Array.isArray(v)) counts[k] = v as Record<string, number>;
  const rejectedByFile: Record<string, number> = {};
  for (const e of report.errors) rejectedByFile[e.file] = (rejectedByFile[e.file] ?? 0) + 1;
  const result: ChildResult = {
    phase,
    seconds: round((t1 - t0) / 1000),
    parseSeconds: round((syncStart - t0) / 1000),
    syncSeconds: round((t1 - syncStart) / 1000),
    cpuSeconds: round((cpu.user + cpu.system) / 1e6),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    sampledPeakRssMb: mb(sampled),
    baselineRssMb: mb(baseline),
    rssAtSyncStartMb: mb(rssAtSyncStart),
    heapUsedAtSyncStartMb: mb(heapAtSyncStart),
    rssAtSyncEndMb: mb(rssAtSyncEnd),
    counts,
    rejectedRows: report.rejected.total,
    rejectedByFile,
    rejectedSample: report.errors.slice(0, 3).map((e) => `${e.file}:${e.line}: ${e.reason}`),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

/**
 * BENCH_IMPORT_TRACE=1 (profiling only; it slows the import a little): every SQLite statement
 * prepared and run is timed, grouped by its first words ("insert into "families""), and RSS is
 * read at most every 50 ms from inside them. Written to stderr when the child ends: where the
 * sync spends its time, and at which statement RSS peaks.
 */
async function traceStatements(): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const proto = Database.prototype as unknown as { prepare: (sql: string) => Record<string, unknown> };
  const prepare = proto.prepare;
  const stats = new Map<string, { prepares: number; prepareMs: number; runs: number; runMs: number; maxRssMb: number }>();
  let lastRead = 0;
  let peak = { rss: 0, key: '', heap: '' };
  const rssCheck = (key: string, s: { maxRssMb: number }) => {
    const now = performance.now();
    if (now - lastRead < 50) return;
    lastRead = now;
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    s.maxRssMb = Math.max(s.maxRssMb, mb(rss));
    if (rss > peak.rss) peak = { rss, key, heap: `heapUsed ${mb(heapUsed)} MB, heapTotal ${mb(heapTotal)} MB, external ${mb(external)} MB, arrayBuffers ${mb(arrayBuffers)} MB` };
  };
  proto.prepare = function (this: unknown, sql: string) {
    const key = sql.replace(/\s+/g, ' ').split(' ').slice(0, 3).join(' ').toLowerCase();
    const s = stats.get(key) ?? stats.set(key, { prepares: 0, prepareMs: 0, runs: 0, runMs: 0, maxRssMb: 0 }).get(key)!;
    const t = performance.now();
    const stmt = prepare.call(this, sql);
    s.prepares++;
    s.prepareMs += performance.now() - t;
    for (const m of ['run', 'all', 'get', 'iterate', 'raw']) {
      const fn = stmt[m] as ((...a: unknown[]) => unknown) | undefined;
      if (typeof fn !== 'function' || m === 'raw') continue;
      stmt[m] = (...a: unknown[]) => {
        const t0 = performance.now();
        try {
          return fn.apply(stmt, a);
        } finally {
          s.runs++;
          s.runMs += performance.now() - t0;
          rssCheck(key, s);
        }
      };
    }
    return stmt;
  };
  process.on('exit', () => {
    const rows = [...stats].sort((a, b) => b[1].prepareMs + b[1].runMs - (a[1].prepareMs + a[1].runMs));
    const lines = rows.map(([k, v]) => `  ${k.padEnd(44)} prepares ${String(v.prepares).padStart(6)} ${v.prepareMs.toFixed(0).padStart(6)} ms  runs ${String(v.runs).padStart(7)} ${v.runMs.toFixed(0).padStart(6)} ms  maxRSS ${v.maxRssMb} MB`);
    process.stderr.write(`[bench] statements (pid ${process.pid}), peak sampled RSS ${mb(peak.rss)} MB (${peak.heap}) during ${peak.key}:\n${lines.join('\n')}\n`);
  });
}

// ---------------------------------------------------------------------------------------------
// Parent: generate, run the children, print the one line.

const RUN = path.join(__dirname, 'run.ts');
const running = new Set<import('node:child_process').ChildProcess>();

function runChild(label: string, dir: string, dbUrl: string, phase: 'first' | 'again'): Promise<ChildResult> {
  const prof = process.env.BENCH_CPU_PROF;
  const execArgv = ['--import', 'tsx', ...(process.env.BENCH_IMPORT_TRACE ? ['--expose-gc'] : []), ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${path.join(prof, `${label}-${phase}`)}`] : [])];
  const proc = spawn(process.execPath, [...execArgv, RUN, 'import', '--child', '--dir', dir, '--db-url', dbUrl, '--phase', phase], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${label} ${phase}: no result after ${CHILD_TIMEOUT_MS / 1000} s`));
    }, CHILD_TIMEOUT_MS);
    proc.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    proc.on('error', (err) => (clearTimeout(timer), reject(err)));
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(proc);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`${label} ${phase}: child exited with ${code ?? signal}; stdout: ${out.slice(0, 500)}`));
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

/** The tables a re-import of the same file must leave byte-identical. */
const ROSTER_TABLES = ['schools', 'students', 'staff', 'classes', 'class_teachers', 'enrollments', 'families', 'guardians', 'phones', 'student_guardians'];

/** Counters that a re-import of the same file should leave at zero, with their values when not. */
function changesIn(r: ChildResult): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const [entity, c] of Object.entries(r.counts)) {
    for (const k of ['created', 'updated', 'deactivated', 'added', 'removed', 'queued']) {
      if (c[k]) changed[`${entity}.${k}`] = c[k];
    }
  }
  return changed;
}

export async function main(args: string[]): Promise<void> {
  if (args.includes('--child')) return child(args);
  // Loaded here, not at the top: the import children load this file too, and need none of it.
  const [{ log, watchdog }, { createBenchDatabase }, { webhooksUnderImport }] = await Promise.all([
    import('./lib/workspace'),
    import('./lib/databases'),
    import('./lib/import-webhooks'),
  ]);
  const students = Number(argValue(args, '--students') ?? 20_000);
  if (!Number.isInteger(students) || students < 100) throw new Error('--students must be a whole number ≥ 100');
  const guardians = Math.round(students * 1.5);
  const withHalf = !args.includes('--no-half');
  const withWebhooks = !args.includes('--no-webhooks');
  const dialect = (argValue(args, '--db') ?? 'sqlite') as BenchDialect;
  if (dialect !== 'sqlite' && dialect !== 'postgres') throw new Error('--db must be sqlite or postgres');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'familyline-bench-import-'));
  const queuePrefix = `flbench-import-${process.pid}`;
  const databases: BenchDatabase[] = [];
  const newDatabase = async (label: string) => {
    const d = await createBenchDatabase(dialect, dir, label);
    databases.push(d);
    return d;
  };
  const dropAll = () => Promise.allSettled(databases.map((d) => d.drop()));
  watchdog(600_000, async () => {
    running.forEach((p) => p.kill('SIGKILL'));
    await dropAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const load0 = round(os.loadavg()[0]);
  let ok = false;
  try {
    const sizes = [{ label: 'full', students, guardians }, ...(withHalf ? [{ label: 'half', students: students / 2, guardians: guardians / 2 }] : [])];
    const districts: Record<string, DistrictStats & { genSeconds: number }> = {};
    for (const s of sizes) {
      const t = performance.now();
      const stats = await writeDistrict(path.join(dir, s.label), { students: Math.round(s.students), guardians: Math.round(s.guardians) });
      districts[s.label] = { ...stats, genSeconds: round((performance.now() - t) / 1000) };
      log(`${s.label}: wrote ${stats.rows} rows (${mb(stats.bytes)} MB) in ${districts[s.label].genSeconds} s: ${JSON.stringify(stats.rowsByFile)}`);
    }

    const results: Record<string, { first: ChildResult; again: ChildResult; dbChanged: string[]; tableRows: Record<string, number> }> = {};
    for (const s of sizes) {
      const database = await newDatabase(s.label);
      const bundle = districts[s.label].dir;
      const first = await runChild(s.label, bundle, database.url, 'first');
      log(`${s.label} import (${dialect}): ${first.seconds} s, ${first.cpuSeconds} s CPU (parse ${first.parseSeconds} s, sync ${first.syncSeconds} s), maxRSS ${first.maxRssMb} MB, ${first.rejectedRows} rows rejected`);
      const before = await database.fingerprint(ROSTER_TABLES);
      const again = await runChild(s.label, bundle, database.url, 'again');
      const after = await database.fingerprint(ROSTER_TABLES);
      const dbChanged = Object.keys(after).filter((k) => before[k] !== after[k]).map((k) => (k.includes('.') ? k : `${k} rows ${before[k]} → ${after[k]}`));
      log(`${s.label} re-import: ${again.seconds} s, ${again.cpuSeconds} s CPU (parse ${again.parseSeconds} s, sync ${again.syncSeconds} s), maxRSS ${again.maxRssMb} MB, report changes ${JSON.stringify(changesIn(again))}, database changes ${JSON.stringify(dbChanged)}`);
      results[s.label] = { first, again, dbChanged, tableRows: Object.fromEntries(ROSTER_TABLES.map((t) => [t, Number(after[t])])) };
    }

    const full = results.full;
    const half = results.half;
    const rows = districts.full.rows;
    const peak = Math.max(full.first.maxRssMb, full.again.maxRssMb);
    const halfPeak = half ? Math.max(half.first.maxRssMb, half.again.maxRssMb) : null;
    const rssGrowthRatio = halfPeak ? round(peak / halfPeak) : null;
    // Memory the import itself took (peak minus the child's RSS once modules and database were loaded).
    const own = (r: { first: ChildResult; again: ChildResult; dbChanged: string[] }) => Math.max(r.first.maxRssMb - r.first.baselineRssMb, r.again.maxRssMb - r.again.baselineRssMb);
    const reimportChanges = changesIn(full.again);
    const webhooks = withWebhooks ? await webhooksUnderImport(await newDatabase('webhooks'), districts.full.dir, dir, `${queuePrefix}-webhooks`) : null;
    if (webhooks) log(`webhooks during the import: p50 ${webhooks.duringImport.p50Ms} ms, p99 ${webhooks.duringImport.p99Ms} ms, max ${webhooks.duringImport.maxMs} ms (quiet: p99 ${webhooks.quiet.p99Ms} ms)`);
    const webhooksOk = webhooks === null || (webhooks.importStatus === 'succeeded' && webhooks.duringImport.ok200 === webhooks.duringImport.sent && webhooks.acknowledgedNotStored === 0);
    const result = {
      bench: 'import',
      dialect,
      students,
      guardians,
      rows,
      seconds: full.first.seconds,
      rowsPerSecond: Math.round(rows / full.first.seconds),
      stagesSeconds: { parse: full.first.parseSeconds, sync: full.first.syncSeconds },
      cpuSeconds: full.first.cpuSeconds,
      reimportSeconds: full.again.seconds,
      reimportRowsPerSecond: Math.round(rows / full.again.seconds),
      reimportStagesSeconds: { parse: full.again.parseSeconds, sync: full.again.syncSeconds },
      reimportCpuSeconds: full.again.cpuSeconds,
      // The report of the second import says nothing changed / every roster row is byte-identical.
      reimportUnchanged: Object.keys(reimportChanges).length === 0,
      ...(Object.keys(reimportChanges).length ? { reimportChanges } : {}),
      reimportDbUnchanged: full.dbChanged.length === 0,
      ...(full.dbChanged.length ? { reimportDbChanges: full.dbChanged } : {}),
      peakRssMb: peak,
      rssMb: {
        import: pick(full.first),
        reimport: pick(full.again),
      },
      half: half
        ? {
            students: Math.round(students / 2),
            guardians: Math.round(guardians / 2),
            rows: districts.half.rows,
            seconds: half.first.seconds,
            stagesSeconds: { parse: half.first.parseSeconds, sync: half.first.syncSeconds },
            cpuSeconds: half.first.cpuSeconds,
            rowsPerSecond: Math.round(districts.half.rows / half.first.seconds),
            reimportSeconds: half.again.seconds,
            reimportCpuSeconds: half.again.cpuSeconds,
            reimportUnchanged: Object.keys(changesIn(half.again)).length === 0,
            reimportDbUnchanged: half.dbChanged.length === 0,
            peakRssMb: halfPeak,
            rssMb: { import: pick(half.first), reimport: pick(half.again) },
          }
        : null,
      rssGrowthRatio,
      importRssGrowthRatio: half ? round(own(full) / Math.max(1, own(half))) : null,
      tableRows: full.tableRows,
      report: { ...full.first.counts, rejectedRows: full.first.rejectedRows, rejectedByFile: full.first.rejectedByFile, rejectedSample: full.first.rejectedSample },
      district: summary(districts.full),
      // A busy machine (other builds, tests) stretches wall time; cpuSeconds is the steadier figure.
      webhooks,
      settings: { dialect, cpus: os.cpus().length, node: process.version, welcome: false, format: 'oneroster', loadAverage: { start: load0, end: round(os.loadavg()[0]) } },
      target: TARGET,
      meetsTarget:
        full.first.seconds <= TARGET.seconds &&
        full.again.seconds <= TARGET.seconds &&
        Object.keys(reimportChanges).length === 0 &&
        full.dbChanged.length === 0 &&
        (rssGrowthRatio === null || rssGrowthRatio <= TARGET.rssGrowthRatio) &&
        webhooksOk,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    ok = true;
  } finally {
    running.forEach((p) => p.kill('SIGKILL'));
    if (ok || !args.includes('--keep-on-failure')) {
      await dropAll();
      fs.rmSync(dir, { recursive: true, force: true });
    } else log(`failed; files (and ${dialect} databases) kept in ${dir}`);
  }
}

const pick = (r: ChildResult) => ({
  max: r.maxRssMb,
  sampledPeak: r.sampledPeakRssMb,
  baseline: r.baselineRssMb,
  atSyncStart: r.rssAtSyncStartMb,
  heapAtSyncStart: r.heapUsedAtSyncStartMb,
  atSyncEnd: r.rssAtSyncEndMb,
});

const summary = (d: DistrictStats & { genSeconds: number }) => ({
  schools: d.schools,
  classes: d.classes,
  teachers: d.teachers,
  households: d.households,
  sharedNumbers: d.sharedNumbers,
  childrenInTwoHouseholds: d.childrenInTwoHouseholds,
  rowsByFile: d.rowsByFile,
  mb: mb(d.bytes),
  generateSeconds: d.genSeconds,
});
