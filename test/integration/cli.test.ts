import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../helpers/app';
import { familyCounts } from '../../db/repositories/families';
import { countStaff, findStaffByEmail } from '../../db/repositories/staff';
import { verifyPassword } from '../../src/staff/passwords';
import { eq } from 'drizzle-orm';
import { messages } from '../../db/schema';

/** The CLI as an admin runs it, in its own process, against the running service's database. */

// Each command is a new process that compiles the CLI on start (tsx) and opens the database: a
// few seconds apiece on a busy machine, and a test here runs up to four of them.
jest.setTimeout(120_000);

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
let app: TestApp;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: app.config.databaseUrl,
        PUBLIC_BASE_URL: app.config.publicBaseUrl,
        // The running service's queues: what the CLI queues (a nudge tick's texts), its worker sends.
        REDIS_URL: app.config.redisUrl,
        QUEUE_PREFIX: app.config.queuePrefix,
        LOG_LEVEL: 'silent',
        npm_config_loglevel: 'silent',
      },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const lastLine = (out: string) => out.trimEnd().split('\n').pop()!;
const get = (token: string, p: string) => fetch(`${app.url}/api/v1${p}`, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  app = await startTestApp('cli');
});

afterAll(async () => {
  await app.stop();
});

test('staff add prints a token alone on its last line, and it works against the API', async () => {
  const r = await cli('staff', 'add', '--email', 'Principal@Example.org', '--role', 'district_admin', '--name', 'Dr. Reyes');
  expect(r.code).toBe(0);
  const token = lastLine(r.stdout);
  expect(token).toMatch(/^fl_[A-Za-z0-9_-]{43}$/);
  expect((await get(token, '/schools')).status).toBe(200);
});

test('staff add for an existing email issues a new token for the same account', async () => {
  const before = await countStaff(app.deps.db);
  const first = lastLine((await cli('staff', 'add', '--email', 'principal@example.org', '--role', 'district_admin')).stdout);
  const second = await cli('staff', 'add', '--email', 'PRINCIPAL@example.org');
  expect(second.code).toBe(0);
  const token = lastLine(second.stdout);
  expect(token).not.toBe(first);
  expect(await countStaff(app.deps.db)).toBe(before);
  for (const t of [first, token]) expect((await get(t, '/schools')).status).toBe(200);
});

test('staff add --phone keeps the staff member\'s own number in E.164 (a broadcast that pauses itself texts it); a bad one changes nothing', async () => {
  const r = await cli('staff', 'add', '--email', 'office@phone.example.org', '--role', 'district_admin', '--phone', '(555) 555-0142');
  expect(r.code).toBe(0);
  expect((await findStaffByEmail(app.deps.db, 'office@phone.example.org'))?.phone).toBe('+15555550142');
  const bad = await cli('staff', 'add', '--email', 'office@phone.example.org', '--phone', 'call me');
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain('Not a phone number');
  expect((await findStaffByEmail(app.deps.db, 'office@phone.example.org'))?.phone).toBe('+15555550142');
});

test('staff revoke ends every token of the account', async () => {
  const token = lastLine((await cli('staff', 'add', '--email', 'leaving@example.org', '--role', 'district_admin')).stdout);
  const r = await cli('staff', 'revoke', '--email', 'leaving@example.org');
  expect(r.code).toBe(0);
  expect((await get(token, '/schools')).status).toBe(401);
  expect((await cli('staff', 'list')).stdout).toMatch(/leaving@example\.org\s+district_admin\s+-\s+active\s+0 tokens/);
});

test('mistakes get one clear line and exit 1; unknown commands get usage and exit 2', async () => {
  const noSchool = await cli('staff', 'add', '--email', 'teach@example.org', '--role', 'teacher');
  expect(noSchool.code).toBe(1);
  expect(noSchool.stderr.trim().split('\n')).toHaveLength(1);
  expect(noSchool.stderr).toMatch(/--school/);
  const badSchool = await cli('staff', 'add', '--email', 'teach@example.org', '--role', 'teacher', '--school', '424242');
  expect(badSchool.code).toBe(1);
  expect(badSchool.stderr).toMatch(/No school with id 424242/);
  const badRole = await cli('staff', 'add', '--email', 'teach@example.org', '--role', 'principal');
  expect(badRole.code).toBe(1);
  expect(badRole.stderr).toMatch(/district_admin, school_admin, teacher/);
  const unknown = await cli('enrol', 'everyone');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/Usage: npm run cli/);
});

test('demo seeds a school, families, a class with its teacher and an admin; prints a console sign-in that works; twice adds nothing', async () => {
  const first = await cli('demo');
  expect(first.code).toBe(0);
  const token = lastLine(first.stdout);
  expect(first.stdout).toMatch(/\+1555555\d{4}/);
  const counts = await familyCounts(app.deps.db);
  const staff = await countStaff(app.deps.db);
  expect(counts.families).toBeGreaterThanOrEqual(5);

  const families = await (await get(token, '/families')).json();
  expect(families.items).toHaveLength(counts.families);
  expect(new Set(families.items.map((f: any) => f.language))).toEqual(new Set(['en', 'es', 'pt']));
  expect(families.items.some((f: any) => f.students.length === 2)).toBe(true);
  expect(families.items.some((f: any) => f.guardians.length === 2 && f.guardians[0].phone === f.guardians[1].phone)).toBe(true);
  const phones = families.items.flatMap((f: any) => f.guardians.map((g: any) => g.phone));
  expect(phones.every((p: string) => /^\+1555555\d{4}$/.test(p))).toBe(true);
  const [school] = (await (await get(token, '/schools')).json()).items;
  expect(school).toMatchObject({ name: 'Lincoln Elementary (demo)', timezone: 'America/New_York', from: null });

  // The console sign-in: its address, and a teacher whose printed password verifies.
  expect(first.stdout).toContain(`Staff console: ${app.config.publicBaseUrl}/console`);
  const email = /Sign in as the teacher: (\S+)/.exec(first.stdout)?.[1];
  const password = /Password \(shown once\):\s+(\S+)/.exec(first.stdout)?.[1];
  expect(email).toBeDefined();
  expect(password!.length).toBeGreaterThanOrEqual(10);
  const teacher = await verifyPassword(app.deps.db, email!, password!);
  expect(teacher).toMatchObject({ email, role: 'teacher', schoolId: school.id });
  expect(await verifyPassword(app.deps.db, email!, `${password}x`)).toBeNull();
  // And the school's admin, who sends broadcasts from the console.
  const adminSignIn = /Sign in as the school admin[^:]*: (\S+)\n\s+Password \(shown once\):\s+(\S+)/.exec(first.stdout);
  expect(adminSignIn).not.toBeNull();
  expect(await verifyPassword(app.deps.db, adminSignIn![1], adminSignIn![2])).toMatchObject({ role: 'school_admin', schoolId: school.id });

  // Their class: students enrolled, among them a Spanish-speaking family's two children.
  const classes = (await (await get(token, '/classes')).json()).items;
  expect(classes).toHaveLength(1);
  const klass = await (await get(token, `/classes/${classes[0].id}`)).json();
  expect(klass.teachers.map((t: any) => t.email)).toEqual([email]);
  expect(klass.students.length).toBeGreaterThanOrEqual(4);
  const inClass = new Set(klass.students.map((st: any) => st.id));
  const spanish = families.items.filter((f: any) => f.language === 'es' && f.students.some((st: any) => inClass.has(st.id)));
  expect(spanish.length).toBeGreaterThanOrEqual(1);
  expect(first.stdout).toContain(klass.title);

  const second = await cli('demo');
  expect(second.code).toBe(0);
  expect(await familyCounts(app.deps.db)).toEqual(counts);
  expect(await countStaff(app.deps.db)).toBe(staff);
  expect((await (await get(token, '/classes')).json()).items).toHaveLength(1);
  // A rerun prints no password (it has none to show) and leaves the first one working.
  expect(second.stdout).toContain(`Staff console: ${app.config.publicBaseUrl}/console`);
  expect(second.stdout).toContain(`staff add --email ${email} --password`);
  expect(second.stdout).not.toMatch(/Password \(shown once\)/);
  expect(await verifyPassword(app.deps.db, email!, password!)).not.toBeNull();
});

test("nudges preview prints what the demo's families would get at the command the demo prints; nudges run sends it once", async () => {
  const demo = await cli('demo'); // seeded by the test above; a second run adds nothing
  const command = demo.stdout.match(/npm run cli -- nudges preview --at (\S+)/);
  expect(command).not.toBeNull();
  const at = command![1];
  const preview = await cli('nudges', 'preview', '--at', at);
  expect(preview.code).toBe(0);
  // Every demo family appears, with a text in its language or the reason it gets none.
  const heads = preview.stdout.split('\n').filter((l) => l.startsWith('Family #'));
  expect(heads.length).toBeGreaterThanOrEqual(5);
  expect(preview.stdout).toMatch(/\[es, UCS-2, \d+ segments?\]/);
  expect(preview.stdout).toMatch(/\[en, GSM-7, [1-3] segments?\]/);
  expect(preview.stdout).toContain('Reply 1');

  const before = await nudgeCount();
  const first = await cli('nudges', 'run', '--at', at);
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/1 school\(s\) due, [1-9]\d* famil/);
  const sent = await nudgeCount();
  expect(sent).toBeGreaterThan(before);
  // The same tick again: every family already had this week's nudge.
  const again = await cli('nudges', 'run', '--at', at);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/, 0 families sent a nudge/);
  expect(await nudgeCount()).toBe(sent);

  const noTime = await cli('nudges', 'run');
  expect(noTime.code).toBe(2); // a usage mistake
  expect(noTime.stderr).toContain('--at');
});

async function nudgeCount(): Promise<number> {
  return (await app.deps.db.select({ id: messages.id }).from(messages).where(eq(messages.kind, 'nudge'))).length;
}
