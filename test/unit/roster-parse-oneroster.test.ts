import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RosterFileError, type RosterSnapshot } from '../../src/families/roster/model';
import { readRoster } from '../../src/families/roster/read';
import { readSnapshot, testMeter } from '../helpers/roster';

const FIXTURES = join(__dirname, '../fixtures/roster');

describe('OneRoster bundle (test/fixtures/roster/oneroster)', () => {
  let snap: RosterSnapshot;
  beforeAll(async () => {
    snap = await readSnapshot(join(FIXTURES, 'oneroster'), {});
  });
  const guardian = (id: string) => snap.guardians.find((g) => g.externalId === id)!;
  const student = (id: string) => snap.students.find((s) => s.externalId === id)!;
  const linksOf = (guardianId: string) => snap.links.filter((l) => l.guardianExternalId === guardianId);
  const guardiansOf = (studentId: string) => snap.links.filter((l) => l.studentExternalId === studentId).map((l) => l.guardianExternalId).sort();

  it('is detected as OneRoster and has the whole district', () => {
    expect(snap.format).toBe('oneroster');
    expect(snap.schools.map((s) => [s.externalId, s.name])).toEqual([['sch-ac', 'Alder Creek Elementary'], ['sch-bh', 'Birch Hill Middle School']]);
    expect(snap.classes).toHaveLength(6);
    expect(snap.students).toHaveLength(60);
    expect(snap.guardians).toHaveLength(90);
    expect(snap.teachers).toHaveLength(6);
    expect(snap.enrollments).toHaveLength(66);
    expect(snap.links).toHaveLength(99);
    expect(snap.complete).toEqual({ schools: true, students: true, guardians: true, teachers: true, classes: true, enrollments: true });
  });

  it('reports exactly the bad rows, on their physical lines', () => {
    expect(snap.errors).toEqual([
      { file: 'users.csv', line: 8, kind: 'missing', reason: expect.stringContaining('teacher tch-7 (Sam Okafor) has no email, cannot sign in') },
      { file: 'users.csv', line: 79, kind: 'unreadable_value', reason: expect.stringContaining('language "Klingon" is not one FamilyLine knows') },
      { file: 'users.csv', line: 82, kind: 'unknown_reference', reason: expect.stringContaining('gdn-012 lists stu-999 in agentSourcedIds, but users.csv has no user stu-999') },
    ]);
  });

  it('counts the lines of a quoted three-line field (users.csv has a BOM and CRLF)', () => {
    expect(guardian('gdn-009').src).toEqual({ file: 'users.csv', line: 76 });
    expect(guardian('gdn-008').src.line).toBe(79); // right after the note on lines 76–78
    expect(guardian('gdn-010').src.line).toBe(80);
    expect(guardian('gdn-010').lastName).toBe('Nguyen, Jr.');
    expect(student('stu-001').src.line).toBe(9);
  });

  it('reads both sides of a link and lists each pair once', () => {
    const pairs = snap.links.map((l) => `${l.studentExternalId}/${l.guardianExternalId}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(guardiansOf('stu-001')).toEqual(['gdn-001', 'gdn-002']);
  });

  it('carries a shared number as written on each guardian, from sms or else phone', () => {
    expect(guardian('gdn-001').phone).toBe('+1 555-555-0142');
    expect(guardian('gdn-002').phone).toBe('(555) 555-0142');
    expect(guardian('gdn-001').household).toBeNull();
  });

  it('links a child with two households, and the father to his other child', () => {
    expect(guardiansOf('stu-002')).toEqual(['gdn-003', 'gdn-004']);
    expect(linksOf('gdn-004').map((l) => l.studentExternalId).sort()).toEqual(['stu-002', 'stu-035']);
  });

  it('applies a no-contact flag to every link of that guardian only', () => {
    expect(linksOf('gdn-005').map((l) => l.mayContact)).toEqual([false]);
    expect(linksOf('gdn-006').map((l) => l.mayContact)).toEqual([true]);
    expect(snap.links.filter((l) => !l.mayContact)).toHaveLength(1);
  });

  it('keeps a bad number as written (the sync reports it) and the guardian', () => {
    expect(guardian('gdn-007').phone).toBe('12345');
  });

  it('reads languages as codes, English names and native names', () => {
    expect(guardian('gdn-006').language).toBe('es');
    expect(guardian('gdn-002').language).toBe('pt');
    expect(guardian('gdn-003').language).toBe('es');
    expect(guardian('gdn-008').language).toBeNull();
    expect(guardian('gdn-008').active).toBe(true);
  });

  it('carries the explicit household column and the role as relationship', () => {
    expect(guardian('gdn-013')).toMatchObject({ household: 'HH-WHITFIELD', relationship: 'relative' });
    expect(guardian('gdn-014')).toMatchObject({ household: 'HH-WHITFIELD', relationship: 'parent' });
    expect(linksOf('gdn-013')[0].relationship).toBe('relative');
  });

  it('keeps tobedeleted and disabled users as inactive records', () => {
    expect(student('stu-060').active).toBe(false);
    expect(snap.enrollments.find((e) => e.userExternalId === 'stu-060')!.active).toBe(false);
    expect(guardian('gdn-011').active).toBe(false);
    expect(snap.students.filter((s) => s.active)).toHaveLength(59);
    expect(snap.guardians.filter((g) => g.active)).toHaveLength(89);
  });

  it('maps grade codes, falls back to the class grade, and picks the school among orgs', () => {
    expect(student('stu-001')).toMatchObject({ grade: 'K', schoolExternalId: 'sch-ac' });
    expect(student('stu-003').grade).toBe('PK'); // TK
    expect(student('stu-015').grade).toBe('2'); // no grades: its class's
    expect(student('stu-045').grade).toBe('7');
  });

  it('takes a class title from its course when empty, and teachers with their schools', () => {
    const cls = snap.classes.find((c) => c.externalId === 'cls-ac-2')!;
    expect(cls).toMatchObject({ title: 'Grade 2 Homeroom', grades: ['2'], subjects: ['Homeroom'], schoolExternalId: 'sch-ac' });
    expect(snap.classes.find((c) => c.externalId === 'cls-ac-k')!.title).toBe('Kindergarten – Room 4');
    expect(snap.teachers[0]).toMatchObject({ externalId: 'tch-1', email: 'marisol.vance@riverbend.example.org', schoolExternalIds: ['sch-ac'] });
    expect(snap.enrollments.filter((e) => e.role === 'teacher')).toHaveLength(6);
  });

  it('gives the same snapshot from the zip as from the folder', async () => {
    expect(await readSnapshot(join(FIXTURES, 'oneroster.zip'), {})).toEqual(snap);
    expect(await readSnapshot(join(FIXTURES, 'oneroster.zip'), { format: 'oneroster' })).toEqual(snap);
  });
});

describe('OneRoster manifest.csv', () => {
  it('marks delta entities incomplete and keeps links to users not in the file', async () => {
    const snap = await readSnapshot(join(FIXTURES, 'oneroster-delta'), {});
    expect(snap.complete).toEqual({ schools: false, students: false, guardians: false, teachers: false, classes: false, enrollments: false });
    expect(snap.errors).toEqual([]);
    expect(snap.students).toMatchObject([{ externalId: 'stu-060', active: false, schoolExternalId: 'sch-bh', grade: '8' }]);
    expect(snap.links).toMatchObject([{ studentExternalId: 'stu-001', guardianExternalId: 'gdn-001', mayContact: true }]);
  });

  it('does not read a file marked absent, even when it is there', async () => {
    const snap = await readSnapshot(join(FIXTURES, 'oneroster-absent'), {});
    expect(snap.schools).toHaveLength(2);
    expect(snap.students).toEqual([]);
    expect(snap.complete.students).toBe(false);
  });

  it('fails when a file marked bulk is missing', async () => {
    const err = await readSnapshot(join(FIXTURES, 'oneroster-bulk-missing'), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RosterFileError);
    expect((err as Error).message).toMatch(/manifest\.csv says users\.csv is "bulk", but the export has no users\.csv/);
  });
});

describe('OneRoster rows the reader rejects', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'oneroster-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const USERS = 'sourcedId,status,enabledUser,orgSourcedIds,role,givenName,familyName,email,sms,phone,agentSourcedIds,grades,metadata.may_contact\n';
  const bundle = (files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return readSnapshot(dir, {});
  };

  it('reports references to unknown classes and users, role mismatches, and gradeless students', async () => {
    const snap = await bundle({
      'orgs.csv': 'sourcedId,name,type\ns1,School One,school\n',
      'classes.csv': 'sourcedId,title,schoolSourcedId,grades\nc1,Art,s1,\nc2,Lost,s9,03\n',
      'users.csv': USERS +
        's-a,active,true,s1,student,Ada,Moss,,,,,,\n' +
        's-b,active,true,s1,student,Bo,Moss,,,,p-1,13,\n' +
        'p-1,active,true,s1,parent,Pat,Moss,,,555-201-0009,s-a,,maybe\n' +
        'x-1,active,true,s1,aide,Al,Aide,al@example.org,,,,,\n',
      'enrollments.csv': 'sourcedId,classSourcedId,userSourcedId,role\ne1,c1,s-a,student\ne2,c9,s-a,student\ne3,c1,s-zz,student\ne4,c1,s-a,teacher\ne5,c1,x-1,aide\n',
    });
    expect(snap.errors).toEqual([
      { file: 'classes.csv', line: 3, kind: 'unknown_reference', reason: expect.stringContaining('class c2 names school s9, which is not a school') },
      { file: 'enrollments.csv', line: 3, kind: 'unknown_reference', reason: expect.stringContaining('class c9 is not in classes.csv') },
      { file: 'enrollments.csv', line: 4, kind: 'unknown_reference', reason: expect.stringContaining('user s-zz is not in users.csv') },
      { file: 'enrollments.csv', line: 5, kind: 'conflict', reason: expect.stringContaining('enrolled as teacher but is a student') },
      { file: 'users.csv', line: 2, kind: 'grade', reason: expect.stringContaining('student s-a (Ada Moss) has no grade FamilyLine can use') },
      { file: 'users.csv', line: 3, kind: 'grade', reason: expect.stringContaining('student s-b (Bo Moss) has no grade') },
      { file: 'users.csv', line: 4, kind: 'unreadable_value', reason: expect.stringContaining('may-contact value "maybe"') },
    ]);
    // Gradeless students are skipped with their links and enrollments; an unreadable flag means no contact.
    expect(snap.students).toEqual([]);
    expect(snap.links).toEqual([]);
    expect(snap.enrollments).toEqual([]);
    expect(snap.guardians).toMatchObject([{ externalId: 'p-1', phone: '555-201-0009' }]);
  });

  it('says which file lacks which column', async () => {
    const err = await bundle({ 'users.csv': 'sourcedId,role,givenName\n' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RosterFileError);
    expect(err).toMatchObject({ file: 'users.csv', message: expect.stringMatching(/users\.csv is missing the required column familyName/) });
  });

  it('goes on when academicSessions.csv, which is not used, cannot be read', async () => {
    const snap = await bundle({ 'users.csv': USERS, 'academicSessions.csv': 'sourcedId,title\n"open\n' });
    expect(snap.errors).toEqual([{ file: 'academicSessions.csv', line: 1, kind: 'unreadable_file', reason: expect.stringContaining('the import goes on') }]);
  });

  it('refuses a folder that is not a OneRoster export, and a lone users.csv', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    await expect(readRoster(dir, { meter: testMeter() })).rejects.toThrow(/no manifest\.csv or users\.csv/);
    await expect(readRoster(join(FIXTURES, 'oneroster/users.csv'), { meter: testMeter() })).rejects.toThrow(/one file of a OneRoster export/);
    await expect(readRoster(join(FIXTURES, 'oneroster'), { format: 'flat', meter: testMeter() })).rejects.toThrow(/is a folder; a flat roster is one \.csv file/);
    await expect(readRoster(join(dir, 'missing'), { meter: testMeter() })).rejects.toBeInstanceOf(RosterFileError);
  });
});
