import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RosterFileError, type RosterSnapshot } from '../../src/families/roster/model';
import { readRoster } from '../../src/families/roster/read';
import { readSnapshot, testMeter } from '../helpers/roster';

const FIXTURES = join(__dirname, '../fixtures/roster');
const HEADER = 'student_id,student_first_name,student_last_name,grade,school,class,teacher_email,guardian_id,guardian_first_name,guardian_last_name,guardian_phone,guardian_language,relationship,may_contact,household_id\n';

describe('flat CSV (test/fixtures/roster/flat/roster.csv: BOM, CRLF)', () => {
  let snap: RosterSnapshot;
  beforeAll(async () => {
    snap = await readSnapshot(join(FIXTURES, 'flat/roster.csv'), {});
  });
  const guardian = (id: string) => snap.guardians.find((g) => g.externalId === id)!;
  const linksOf = (id: string) => snap.links.filter((l) => l.guardianExternalId === id);

  it('is detected as flat and has the whole district', () => {
    expect(readFileSync(join(FIXTURES, 'flat/roster.csv')).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(snap.format).toBe('flat');
    expect(snap.schools.map((s) => s.externalId)).toEqual(['Alder Creek Elementary', 'Birch Hill Middle School']);
    expect(snap.students).toHaveLength(60);
    expect(snap.guardians).toHaveLength(90);
    expect(snap.links).toHaveLength(99);
    expect(snap.classes).toHaveLength(6);
    expect(snap.teachers).toHaveLength(6);
    expect(snap.enrollments).toHaveLength(66);
    expect(snap.complete).toEqual({ schools: true, students: true, guardians: true, teachers: true, classes: true, enrollments: true });
  });

  it('reports exactly the bad rows, on their lines', () => {
    expect(snap.errors).toEqual([
      { file: 'roster.csv', line: 11, kind: 'unreadable_value', reason: expect.stringContaining('language "Klingon"') },
      { file: 'roster.csv', line: 101, kind: 'conflict', reason: 'student stu-010: first name "Someone-Else" differs from line 18; line 18 is kept' },
      { file: 'roster.csv', line: 102, kind: 'misaligned', reason: expect.stringContaining('4 fields but the header has 15') },
    ]);
    expect(snap.students.find((s) => s.externalId === 'stu-010')!.firstName).not.toBe('Someone-Else');
  });

  it('keys schools by name, classes within the school, and enrols the teacher from the email', () => {
    const cls = snap.classes.find((c) => c.title === 'Grade 2 Homeroom')!;
    expect(cls).toMatchObject({ externalId: 'Alder Creek Elementary/Grade 2 Homeroom', schoolExternalId: 'Alder Creek Elementary', grades: ['2'] });
    const teacher = snap.teachers.find((t) => t.email === 'dorian.achebe@riverbend.example.org')!;
    expect(teacher).toMatchObject({ externalId: 'dorian.achebe@riverbend.example.org', firstName: 'Dorian', lastName: 'Achebe', schoolExternalIds: ['Alder Creek Elementary'] });
    expect(snap.enrollments).toContainEqual(expect.objectContaining({ classExternalId: cls.externalId, userExternalId: teacher.externalId, role: 'teacher' }));
    expect(snap.enrollments.filter((e) => e.classExternalId === cls.externalId && e.role === 'student')).toHaveLength(10);
  });

  it('carries the cases the OneRoster fixture has', () => {
    expect(guardian('gdn-001').phone).toBe('+1 555-555-0142');
    expect(guardian('gdn-002').phone).toBe('(555) 555-0142');
    expect(guardian('gdn-007').phone).toBe('12345');
    expect(guardian('gdn-010').lastName).toBe('Nguyen, Jr.');
    expect([guardian('gdn-006').language, guardian('gdn-002').language, guardian('gdn-003').language]).toEqual(['es', 'pt', 'es']);
    expect(guardian('gdn-013')).toMatchObject({ household: 'HH-WHITFIELD', relationship: 'relative' });
    expect(linksOf('gdn-005').map((l) => l.mayContact)).toEqual([false]);
    expect(snap.links.filter((l) => !l.mayContact)).toHaveLength(1); // yes/true/1/Y/empty all mean yes
    expect(linksOf('gdn-004').map((l) => l.studentExternalId).sort()).toEqual(['stu-002', 'stu-035']);
    expect(snap.students.find((s) => s.externalId === 'stu-003')!.grade).toBe('PK'); // TK
  });
});

describe('flat CSV rows', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flat-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const flat = (rows: string) => {
    writeFileSync(join(dir, 'r.csv'), HEADER + rows);
    return readSnapshot(join(dir, 'r.csv'), {});
  };

  it('merges repeated guardians, comparing numbers by digits, and reports real conflicts', async () => {
    const snap = await flat(
      's1,Ada,Moss,3,North,Art,art@example.org,g1,Pat,Moss,+1 555-201-0001,es,parent,,\n' +
      's2,Bo,Moss,5,North,,,g1,Pat,Moss,(555) 201-0001,Spanish,parent,no,\n' +
      's3,Cy,Moss,K,North,,,g1,Pat,Moss,555-201-9999,,parent,,\n' +
      's1,Ada,Moss,3,North,,,g1,,,,,,0,\n',
    );
    expect(snap.errors).toEqual([{ file: 'r.csv', line: 4, kind: 'conflict', reason: expect.stringMatching(/^guardian g1: phone "555-201-9999" differs from line 2/) }]);
    expect(snap.guardians).toMatchObject([{ externalId: 'g1', phone: '+1 555-201-0001', language: 'es' }]);
    // A repeated pair saying "no contact" wins over the earlier row.
    expect(snap.links.map((l) => [l.studentExternalId, l.mayContact])).toEqual([['s1', false], ['s2', false], ['s3', true]]);
  });

  it('rejects unusable rows and values, importing what it can', async () => {
    const snap = await flat(
      's1,Ada,Moss,13,North,,,g1,Pat,Moss,,,parent,,\n' +
      's2,,Moss,3,North,,,g2,Pat,Moss,,,parent,,\n' +
      's3,Cy,Moss,2,North,,not-an-email,g3,Lee,Moss,,,parent,maybe,H-1\n' +
      's4,Di,Moss,2,North,,,,,,,,,,\n' +
      's5,Ed,Moss,2,North,,,,Sam,Moss,,,,,\n',
    );
    expect(snap.errors.map((e) => [e.line, e.reason.split(';')[0]])).toEqual([
      [2, 'grade "13" is not PK, K or 1–12'],
      [3, 'student_first_name is empty'],
      [4, 'teacher_email "not-an-email" is not an email address'],
      [4, 'may-contact value "maybe" is not yes/no/true/false/1/0'],
      [6, 'guardian_id is empty, so the guardian on this row is skipped'],
    ]);
    expect(snap.students.map((s) => s.externalId)).toEqual(['s3', 's4', 's5']);
    expect(snap.links).toMatchObject([{ studentExternalId: 's3', guardianExternalId: 'g3', mayContact: false }]);
    expect(snap.guardians).toMatchObject([{ externalId: 'g3', household: 'H-1' }]);
  });

  it('accepts a file without the optional columns', async () => {
    writeFileSync(join(dir, 'min.csv'), 'Student_ID,Student_First_Name,Student_Last_Name,Grade,School,Guardian_ID,Guardian_First_Name,Guardian_Last_Name\r\ns1,Ada,Moss,KG,North,g1,Pat,Moss\r\n');
    const snap = await readSnapshot(join(dir, 'min.csv'), { format: 'flat' });
    expect(snap.errors).toEqual([]);
    expect(snap.students).toMatchObject([{ grade: 'K' }]);
    expect(snap.links).toMatchObject([{ relationship: null, mayContact: true }]);
    expect(snap.guardians).toMatchObject([{ phone: null, language: null, household: null }]);
  });

  it('refuses a single CSV when OneRoster is asked for', async () => {
    await expect(readRoster(join(FIXTURES, 'flat/roster.csv'), { format: 'oneroster', meter: testMeter() })).rejects.toThrow(/a OneRoster export is a folder or a \.zip/);
  });
});

describe('malformed files fail with a message a data manager can act on', () => {
  const fails = async (file: string) => {
    const err = await readSnapshot(join(FIXTURES, 'malformed', file), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RosterFileError);
    return (err as RosterFileError).message;
  };

  it.each([
    ['missing-column.csv', /missing-column\.csv is missing the required columns grade, guardian_last_name/],
    ['latin1.csv', /latin1\.csv is not UTF-8 text: line 3 .*"CSV UTF-8/],
    ['utf16.csv', /utf16\.csv is saved as UTF-16.*"CSV UTF-8/],
    ['not-csv.csv', /not-csv\.csv is not a CSV file: it contains a PNG image/],
    ['unbalanced-quote.csv', /unbalanced-quote\.csv, the row starting on line 3: a quoted field is never closed/],
    ['workbook.xlsx', /workbook\.xlsx is an Excel workbook\. Save it as "CSV UTF-8/],
  ])('%s', async (file, message) => {
    expect(await fails(file)).toMatch(message);
  });

  it('says an Excel workbook given as flat CSV is not a CSV', async () => {
    await expect(readRoster(join(FIXTURES, 'malformed/workbook.xlsx'), { format: 'flat', meter: testMeter() })).rejects.toThrow(/not a CSV file: it contains an Excel workbook/);
  });
});
