import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../helpers/app';
import { seedFamily, seedSchool } from '../helpers/seed';
import { students } from '../../db/schema';
import { freshestProgress } from '../../db/repositories/progress';

/** `npm run cli -- progress import` as an admin runs it, in its own process, against the service's database. */

// Each command is a new process that compiles the CLI on start (tsx): a few seconds apiece.
jest.setTimeout(120_000);

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
let app: TestApp;
let dir: string;
const ids = { schoolA: 0, schoolB: 0, mia: 0, zoe: 0 };

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: app.config.databaseUrl, PUBLIC_BASE_URL: app.config.publicBaseUrl, LOG_LEVEL: 'silent', npm_config_loglevel: 'silent' },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function file(name: string, lines: string[]): Promise<string> {
  const p = path.join(dir, name);
  await fs.writeFile(p, lines.join('\n'));
  return p;
}

beforeAll(async () => {
  app = await startTestApp('cli-progress');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fl-progress-'));
  const db = app.deps.db;
  const A = await seedSchool(db, { name: 'Adams Elementary' });
  const B = await seedSchool(db, { name: 'Birch Middle' });
  ids.schoolA = A.id;
  ids.schoolB = B.id;
  ids.mia = (await seedFamily(db, A.id, { name: 'Garcia', guardians: [{ first: 'Ana', phone: '+15555550901' }], students: [{ first: 'Mia', grade: '3' }] })).students[0].id;
  ids.zoe = (await seedFamily(db, B.id, { name: 'Zimmer', guardians: [{ first: 'Uwe', phone: '+15555550902' }], students: [{ first: 'Zoe', grade: '7' }] })).students[0].id;
  await db.update(students).set({ externalId: 'CLI-MIA' }).where(eq(students.id, ids.mia));
  await db.update(students).set({ externalId: 'CLI-ZOE' }).where(eq(students.id, ids.zoe));
});

afterAll(async () => {
  await app.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

test('prints the counts and each rejected row by line; the same file twice stores nothing new', async () => {
  const p = await file('week.csv', [
    'student_id,week,kind,value',
    'CLI-MIA,2026-W47,missing_assignments,2',
    'CLI-MIA,2026-W47,reading_level,M',
    'CLI-ZOE,2026-11-18,absences,1',
    'CLI-NOBODY,2026-W47,absences,1',
    'CLI-MIA,2026-W47,absences,lots',
  ]);
  const first = await cli('progress', 'import', p);
  expect(first.code).toBe(0);
  expect(first.stdout).toContain('Progress import: 5 rows read');
  expect(first.stdout).toMatch(/new: 3\s+changed: 0\s+unchanged: 0\s+rejected: 2/);
  expect(first.stdout).toContain('line 5: student_id "CLI-NOBODY" is not a student you can reach');
  expect(first.stdout).toContain('line 6: value must be a whole number, 0 or more');
  const second = await cli('progress', 'import', p);
  expect(second.stdout).toMatch(/new: 0\s+changed: 0\s+unchanged: 3\s+rejected: 2/);
  const stored = await freshestProgress(app.deps.db, [ids.mia, ids.zoe], '2026-W47');
  expect(stored.get(ids.mia)).toHaveLength(2);
  expect(stored.get(ids.zoe)).toEqual([{ kind: 'absences', value: '1', week: '2026-11-16' }]);
});

test('--school keeps the file to one school; a file with nothing to store, a missing file and a bad --school exit 1', async () => {
  const p = await file('both.csv', ['student_id,week,kind,value', 'CLI-MIA,2026-W48,absences,0', 'CLI-ZOE,2026-W48,absences,3']);
  const one = await cli('progress', 'import', p, '--school', String(ids.schoolB));
  expect(one.code).toBe(0);
  expect(one.stdout).toMatch(/new: 1\s+changed: 0\s+unchanged: 0\s+rejected: 1/);
  expect(one.stdout).toContain('line 2: student_id "CLI-MIA" is not a student you can reach in this school');

  const nothing = await cli('progress', 'import', await file('bad.csv', ['student,week,kind,value', 'CLI-MIA,someday,absences,1']));
  expect(nothing.code).toBe(1);
  expect(nothing.stdout).toContain('line 2: week must be an ISO week');
  expect(nothing.stderr).toMatch(/^Error: The CSV holds no progress record/);
  expect((await cli('progress', 'import', path.join(dir, 'absent.csv'))).stderr).toMatch(/No file at/);
  expect((await cli('progress', 'import', p, '--school', 'lincoln')).code).toBe(2);
  expect((await cli('progress', 'import', p, '--school', '987654')).stderr).toMatch(/School 987654/);
});
