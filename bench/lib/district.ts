/**
 * A made-up school district as a OneRoster 1.1 CSV bundle, for `npm run bench -- import`.
 * Deterministic: the same size and seed give the same bytes. Files are streamed to disk row by
 * row; only the district's shape (which household, school and grade each person has, as small
 * arrays of numbers) is held in memory, never a file's text.
 *
 * Shape, for S students and G guardians (S=20,000, G=30,000 is the benchmark's district):
 * - one district and about S/800 schools (60% K–5, 20% 6–8, 20% 9–12), S/20 classes, each
 *   with one teacher (a teacher has 1–2 classes), each student in 6 classes of their school;
 * - households of 1–3 children and 1–4 guardians (parent/guardian/relative), most children of a
 *   household in one school; about 2% of households have a parent who lives apart and is also
 *   linked to a child of the next household (a child in two families); about 5% of guardians
 *   share their household's number, written another way;
 * - numbers are all fictional +1 555 NXX XXXX, written in mixed national and E.164 styles; a
 *   few in `phone` instead of `sms`, a few unusable (row errors), a few no-contact flags;
 * - metadata.language es/pt/vi/ar on about 30% of households, as a code, an English name, a
 *   native name or an ISO 639-2 code; names with accents, apostrophes and commas (quoted);
 * - a few users and enrollments marked tobedeleted, as nightly SIS exports have.
 */
import fs from 'node:fs';
import { seededRandom } from '../../src/lib/seeded-random';
import { once } from 'node:events';
import path from 'node:path';

export interface DistrictSize {
  students: number;
  guardians: number;
}

export interface DistrictStats {
  dir: string;
  students: number;
  guardians: number;
  teachers: number;
  schools: number;
  classes: number;
  households: number;
  /** Guardians whose number is another guardian's of their household. */
  sharedNumbers: number;
  /** Children linked to a guardian of a second household. */
  childrenInTwoHouseholds: number;
  /** Data rows (headers excluded) in every file the import reads. */
  rows: number;
  rowsByFile: Record<string, number>;
  bytes: number;
}


/** murmur3's finaliser: a bijection on 32-bit integers, so distinct inputs give distinct ids. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** A GUID-shaped sourcedId, as most SIS exports use; unique per (kind, index). */
function guid(kind: number, i: number, seed: number): string {
  const a = hex8(mix32(i ^ (kind << 24) ^ seed));
  const b = hex8(mix32(i * 3 + kind + 0x9e3779b9));
  const c = hex8(mix32(i * 7 + kind * 13 + 0x7f4a7c15));
  const d = hex8(mix32(i + kind + seed * 31));
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${'89ab'[i & 3]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
}

const KIND = { org: 1, student: 2, guardian: 3, teacher: 4, cls: 5, enrollment: 6, course: 7, session: 8 } as const;

const FIRST = [
  'Sofía', 'Mateo', 'Olivia', 'Liam', 'Camila', 'Noah', 'Valentina', 'Ethan', 'Ana', 'João', 'Linh', 'Minh', 'Fatima', 'Omar',
  'Aaliyah', 'Jamal', 'Chloé', 'Zoë', 'Hana', 'Yusuf', 'Grace', 'Diego', 'Lucía', 'Thảo', 'Bao', 'Mariana', 'Gabriel', 'Layla',
  'Mohammed', 'Emma', 'Ava', 'Lucas', 'Isabella', 'Elijah', 'Mia', 'James', 'Amelia', 'Benjamin', 'Harper', 'Henry',
];
const LAST = [
  'García', 'Nguyễn', "O'Connor", 'Al-Masri', 'Smith', 'Johnson', 'Hernández', 'Silva', 'Trần', 'Haddad', 'Williams', 'Brown',
  'Martínez', 'Souza', 'Lê', 'Khalil', 'Jones', 'Davis', 'López', 'Pereira', 'Phạm', 'Mansour', 'Miller', 'Wilson', 'Gonzalez',
  'Oliveira', 'Hoàng', 'Saleh', 'Moore', 'Taylor', 'Rodríguez', 'Costa', 'Vũ', 'Nasser', 'Anderson', 'Thomas', 'Smith, Jr.',
  'Pérez', 'Santos', 'Đặng', 'Farouk', 'Jackson', 'White', "D'Angelo", 'Ramírez', 'Almeida', 'Bùi', 'Youssef', 'Harris', 'Clark',
];
/** How a language is written in metadata.language: code, English name, native name, ISO 639-2. */
const LANGS: Record<string, string[]> = {
  es: ['es', 'Spanish', 'Español', 'spa', 'SPANISH'],
  pt: ['pt', 'Portuguese', 'Português', 'por'],
  vi: ['vi', 'Vietnamese', 'Tiếng Việt', 'vie'],
  ar: ['ar', 'Arabic', 'العربية', 'ara'],
};
const SUBJECTS = ['Mathematics', 'English Language Arts', 'Science', 'Social Studies', 'Art', 'Music', 'Physical Education', 'Homeroom'];
/** OneRoster grade codes, indexed by FamilyLine grade number (K = 0). */
const GRADE_CODE = ['KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'];

/** A CSV file written through a buffer, waiting for the disk when the stream asks to. */
class CsvFile {
  private out: fs.WriteStream;
  private buf = '';
  rows = 0;
  constructor(
    file: string,
    private readonly width: number,
    header: string[],
    bom = false,
  ) {
    this.out = fs.createWriteStream(file);
    this.buf = (bom ? '\ufeff' : '') + header.join(',') + '\r\n';
  }
  async row(cells: (string | number | null)[]): Promise<void> {
    if (cells.length !== this.width) throw new Error(`district: ${cells.length} cells for ${this.width} columns`);
    let line = '';
    for (let i = 0; i < cells.length; i++) {
      const v = cells[i] === null ? '' : String(cells[i]);
      line += (i ? ',' : '') + (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    }
    this.buf += line + '\r\n';
    this.rows++;
    if (this.buf.length >= 1 << 16) await this.flush();
  }
  private async flush(): Promise<void> {
    const ok = this.out.write(this.buf);
    this.buf = '';
    if (!ok) await once(this.out, 'drain');
  }
  async close(): Promise<number> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
    return this.out.bytesWritten;
  }
}

/** Written in one of the ways SIS exports and hand-kept spreadsheets write US numbers. */
function writePhone(n: string, style: number): string {
  const [a, b, c] = [n.slice(0, 3), n.slice(3, 6), n.slice(6)];
  switch (style % 7) {
    case 0: return `+1${n}`;
    case 1: return `(${a}) ${b}-${c}`;
    case 2: return `${a}-${b}-${c}`;
    case 3: return `${a}.${b}.${c}`;
    case 4: return `1-${a}-${b}-${c}`;
    case 5: return `+1 ${a} ${b} ${c}`;
    default: return n;
  }
}

interface Household {
  kids: number[];
  guardians: number[];
  language: string | null;
  last: string;
}

/** Writes the bundle into `dir` (created) and returns what it holds. */
export async function writeDistrict(dir: string, size: DistrictSize, seed = 20240901): Promise<DistrictStats> {
  fs.mkdirSync(dir, { recursive: true });
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const S = size.students;
  const G = size.guardians;
  const nSchools = Math.max(2, Math.round(S / 800));
  const nClasses = Math.max(nSchools * 6, Math.round(S / 20));

  // Schools: grade band by position, classes and teachers in contiguous blocks.
  const band = (s: number): [number, number] => (s % 5 < 3 ? [0, 5] : s % 5 === 3 ? [6, 8] : [9, 12]);
  const classStart = (s: number) => Math.floor((s * nClasses) / nSchools);
  const classSchool = new Int32Array(nClasses);
  const classGrade = new Int8Array(nClasses);
  const classTeacher = new Int32Array(nClasses);
  let nTeachers = 0;
  for (let s = 0; s < nSchools; s++) {
    const [lo, hi] = band(s);
    const first = classStart(s);
    const count = classStart(s + 1) - first;
    const teachers = Math.max(1, Math.round(count * 0.8)); // some teach two classes
    for (let j = 0; j < count; j++) {
      classSchool[first + j] = s;
      classGrade[first + j] = lo + (j % (hi - lo + 1));
      classTeacher[first + j] = nTeachers + (j % teachers);
    }
    nTeachers += teachers;
  }
  const teacherSchool = new Int32Array(nTeachers);
  for (let c = 0; c < nClasses; c++) teacherSchool[classTeacher[c]] = classSchool[c];

  // Households, until both students and guardians run out; leftovers join existing households.
  const households: Household[] = [];
  const studentSchool = new Int32Array(S);
  const studentGrade = new Int8Array(S);
  const studentHousehold = new Int32Array(S);
  let s = 0;
  let g = 0;
  const langOf = (): string | null => {
    const x = rand();
    return x < 0.7 ? null : x < 0.84 ? 'es' : x < 0.9 ? 'pt' : x < 0.95 ? 'vi' : 'ar';
  };
  const addKid = (h: number, school: number) => {
    const [lo, hi] = band(school);
    studentSchool[s] = school;
    studentGrade[s] = lo + Math.floor(rand() * (hi - lo + 1));
    studentHousehold[s] = h;
    households[h].kids.push(s++);
  };
  while (s < S && g < G) {
    const h = households.length;
    const k = Math.min(S - s, ((x) => (x < 0.65 ? 1 : x < 0.92 ? 2 : 3))(rand()));
    const n = Math.min(G - g, ((x) => (x < 0.2 ? 1 : x < 0.7 ? 2 : x < 0.96 ? 3 : 4))(rand()));
    households.push({ kids: [], guardians: [], language: langOf(), last: pick(LAST) });
    const school = Math.floor(rand() * nSchools);
    for (let i = 0; i < k; i++) addKid(h, i === 0 || rand() < 0.7 ? school : Math.floor(rand() * nSchools));
    for (let i = 0; i < n; i++) households[h].guardians.push(g++);
  }
  for (let h = 0; s < S; h = (h + 1) % households.length) addKid(h, studentSchool[households[h].kids[0]]);
  for (let h = 0; g < G; h = (h + 7) % households.length) households[h].guardians.push(g++);

  // Per guardian: household, position in it, number, and an extra child for parents living apart.
  const guardianHousehold = new Int32Array(G);
  const guardianSlot = new Int8Array(G);
  const phoneOwner = new Int32Array(G); // whose number this guardian gives (itself, or a housemate)
  const extraKid = new Map<number, number>(); // guardian → a child of the next household
  const extraGuardians = new Map<number, number[]>(); // child → guardians of another household
  let sharedNumbers = 0;
  households.forEach((hh, h) => {
    hh.guardians.forEach((id, slot) => {
      guardianHousehold[id] = h;
      guardianSlot[id] = Math.min(slot, 3);
      phoneOwner[id] = id;
      if (slot > 0 && rand() < 0.1) {
        phoneOwner[id] = hh.guardians[0];
        sharedNumbers++;
      }
    });
    const apart = hh.guardians[hh.guardians.length - 1];
    if (hh.guardians.length >= 2 && phoneOwner[apart] === apart && h + 1 < households.length && rand() < 0.02) {
      const kid = households[h + 1].kids[0];
      if (kid !== undefined) {
        extraKid.set(apart, kid);
        extraGuardians.set(kid, [...(extraGuardians.get(kid) ?? []), apart]);
      }
    }
  });

  const ids = {
    org: (i: number) => guid(KIND.org, i, seed),
    student: (i: number) => guid(KIND.student, i, seed),
    guardian: (i: number) => guid(KIND.guardian, i, seed),
    teacher: (i: number) => guid(KIND.teacher, i, seed),
    cls: (i: number) => guid(KIND.cls, i, seed),
    course: (i: number) => guid(KIND.course, i, seed),
    session: (i: number) => guid(KIND.session, i, seed),
  };
  const modified = '2024-08-15T04:00:00.000Z';
  const rowsByFile: Record<string, number> = {};
  let bytes = 0;
  const close = async (name: string, f: CsvFile) => {
    rowsByFile[name] = f.rows;
    bytes += await f.close();
  };
  const file = (name: string, header: string[], bom = false) => new CsvFile(path.join(dir, name), header.length, header, bom);

  // manifest.csv
  const manifest = file('manifest.csv', ['propertyName', 'value']);
  for (const [k, v] of [
    ['manifest.version', '1.0'], ['oneroster.version', '1.1'],
    ['file.academicSessions', 'bulk'], ['file.categories', 'absent'], ['file.classes', 'bulk'], ['file.classResources', 'absent'],
    ['file.courses', 'bulk'], ['file.courseResources', 'absent'], ['file.demographics', 'absent'], ['file.enrollments', 'bulk'],
    ['file.lineItems', 'absent'], ['file.orgs', 'bulk'], ['file.resources', 'absent'], ['file.results', 'absent'], ['file.users', 'bulk'],
    ['source.systemName', 'FamilyLine bench generator'], ['source.systemCode', `seed-${seed}`],
  ]) await manifest.row([k, v]);
  await close('manifest.csv', manifest);

  // orgs.csv: the district, then its schools.
  const orgs = file('orgs.csv', ['sourcedId', 'status', 'dateLastModified', 'name', 'type', 'identifier', 'parentSourcedId'], true);
  await orgs.row([ids.org(0), '', modified, 'Riverbend Unified School District', 'district', 'RUSD', '']);
  const KIND_NAME = ['Elementary School', 'Elementary School', 'Elementary School', 'Middle School', 'High School'];
  for (let i = 0; i < nSchools; i++) {
    await orgs.row([ids.org(i + 1), '', modified, `${LAST[(i * 7) % LAST.length].replace(/,.*/, '')} ${KIND_NAME[i % 5]}`, 'school', `S${100 + i}`, ids.org(0)]);
  }
  await close('orgs.csv', orgs);

  // academicSessions.csv and courses.csv: small, read and mostly ignored, as in a real export.
  const sessions = file('academicSessions.csv', ['sourcedId', 'status', 'dateLastModified', 'title', 'type', 'startDate', 'endDate', 'parentSourcedId', 'schoolYear']);
  await sessions.row([ids.session(0), '', modified, '2024-2025', 'schoolYear', '2024-08-26', '2025-06-13', '', '2025']);
  await sessions.row([ids.session(1), '', modified, 'Fall 2024', 'semester', '2024-08-26', '2025-01-17', ids.session(0), '2025']);
  await sessions.row([ids.session(2), '', modified, 'Spring 2025', 'semester', '2025-01-21', '2025-06-13', ids.session(0), '2025']);
  await close('academicSessions.csv', sessions);
  const courses = file('courses.csv', ['sourcedId', 'status', 'dateLastModified', 'schoolYearSourcedId', 'title', 'courseCode', 'grades', 'orgSourcedId', 'subjects', 'subjectCodes']);
  for (let sc = 0; sc < nSchools; sc++) {
    for (let j = 0; j < SUBJECTS.length; j++) {
      await courses.row([ids.course(sc * SUBJECTS.length + j), '', modified, ids.session(0), SUBJECTS[j], `C${sc}-${j}`, '', ids.org(sc + 1), SUBJECTS[j], '']);
    }
  }
  await close('courses.csv', courses);

  // classes.csv
  const classes = file('classes.csv', ['sourcedId', 'status', 'dateLastModified', 'title', 'grades', 'courseSourcedId', 'classCode', 'classType', 'location', 'schoolSourcedId', 'termSourcedIds', 'subjects', 'subjectCodes', 'periods']);
  for (let c = 0; c < nClasses; c++) {
    const sc = classSchool[c];
    const subject = (c - classStart(sc)) % SUBJECTS.length;
    const grade = GRADE_CODE[classGrade[c]];
    await classes.row([
      ids.cls(c), '', modified, `${SUBJECTS[subject]} ${grade === 'KG' ? 'K' : Number(grade)} (${String.fromCharCode(65 + (c % 6))})`, grade,
      ids.course(sc * SUBJECTS.length + subject), `CL${c}`, subject === 7 ? 'homeroom' : 'scheduled', `Room ${100 + (c % 60)}`,
      ids.org(sc + 1), `${ids.session(1)},${ids.session(2)}`, SUBJECTS[subject], '', String(1 + (c % 7)),
    ]);
  }
  await close('classes.csv', classes);

  // Each student's 6 classes: classes of their grade in their school first, then any of the school.
  const classesOfStudent = (st: number): number[] => {
    const r = seededRandom(seed ^ mix32(st + 1));
    const sc = studentSchool[st];
    const first = classStart(sc);
    const last = classStart(sc + 1);
    const same: number[] = [];
    const other: number[] = [];
    for (let c = first; c < last; c++) (classGrade[c] === studentGrade[st] ? same : other).push(c);
    const out: number[] = [];
    for (const pool of [same, other]) {
      while (out.length < 6 && pool.length) out.push(pool.splice(Math.floor(r() * pool.length), 1)[0]);
    }
    return out;
  };

  // users.csv: teachers, then household by household its children and guardians.
  const users = file('users.csv', [
    'sourcedId', 'status', 'dateLastModified', 'enabledUser', 'orgSourcedIds', 'role', 'username', 'userIds', 'givenName', 'familyName',
    'middleName', 'identifier', 'email', 'sms', 'phone', 'agentSourcedIds', 'grades', 'password', 'metadata.language', 'metadata.mayContact',
  ]);
  for (let t = 0; t < nTeachers; t++) {
    const first = FIRST[(t * 11) % FIRST.length];
    const last = LAST[(t * 17 + 3) % LAST.length];
    await users.row([ids.teacher(t), '', modified, 'true', ids.org(teacherSchool[t] + 1), 'teacher', `teacher${t}`, '', first, last, '', `T${10000 + t}`,
      `teacher${t}@riverbend.example`, '', '', '', '', '', '', '']);
  }
  for (let h = 0; h < households.length; h++) {
    const hh = households[h];
    for (const st of hh.kids) {
      const agents = [...hh.guardians, ...(extraGuardians.get(st) ?? [])].map(ids.guardian).join(',');
      // ~0.2% leave the district: tobedeleted; the rest active (blank status, as bulk files write it).
      const gone = rand() < 0.002;
      await users.row([ids.student(st), gone ? 'tobedeleted' : '', modified, gone ? 'false' : 'true', ids.org(studentSchool[st] + 1), 'student',
        `s${100000 + st}`, `{SIS:${100000 + st}}`, pick(FIRST), hh.last, '', String(100000 + st), `s${100000 + st}@students.riverbend.example`,
        '', '', agents, GRADE_CODE[studentGrade[st]], '', '', '']);
    }
    for (const id of hh.guardians) {
      const slot = guardianSlot[id];
      const owner = phoneOwner[id];
      const x = rand();
      let number: string | null = writePhone(`555${2000000 + ((owner * 7919 + seed) % 8000000)}`, Math.floor(rand() * 7));
      if (x < 0.001) number = `555-01${id % 10}`; // not a number: a row error, imported without a phone
      else if (x < 0.006) number = null;
      const inPhoneColumn = rand() < 0.03;
      const lang = hh.language && rand() < 0.9 ? pick(LANGS[hh.language]) : '';
      const kids = [...hh.kids, ...(extraKid.has(id) ? [extraKid.get(id)!] : [])].map(ids.student).join(',');
      const orgIds = [...new Set(hh.kids.map((k) => studentSchool[k]))].map((sc) => ids.org(sc + 1)).join(',');
      const role = slot < 2 ? (rand() < 0.93 ? 'parent' : 'guardian') : 'relative';
      const last = slot < 2 || rand() < 0.5 ? hh.last : pick(LAST);
      await users.row([ids.guardian(id), '', modified, 'true', orgIds, role, '', '', pick(FIRST), last, '', '', '',
        inPhoneColumn ? '' : number, inPhoneColumn ? number : '', kids, '', '', lang, rand() < 0.003 ? 'false' : '']);
    }
  }
  await close('users.csv', users);

  // enrollments.csv: the teacher of each class, then each student's classes.
  const enrollments = file('enrollments.csv', ['sourcedId', 'status', 'dateLastModified', 'classSourcedId', 'schoolSourcedId', 'userSourcedId', 'role', 'primary', 'beginDate', 'endDate']);
  let e = 0;
  for (let c = 0; c < nClasses; c++) {
    await enrollments.row([guid(KIND.enrollment, e++, seed), '', modified, ids.cls(c), ids.org(classSchool[c] + 1), ids.teacher(classTeacher[c]), 'teacher', 'true', '2024-08-26', '2025-06-13']);
  }
  for (let st = 0; st < S; st++) {
    for (const c of classesOfStudent(st)) {
      const dropped = rand() < 0.001;
      await enrollments.row([guid(KIND.enrollment, e++, seed), dropped ? 'tobedeleted' : '', modified, ids.cls(c), ids.org(classSchool[c] + 1), ids.student(st), 'student', 'false', '2024-08-26', '2025-06-13']);
    }
  }
  await close('enrollments.csv', enrollments);

  return {
    dir,
    students: S,
    guardians: G,
    teachers: nTeachers,
    schools: nSchools,
    classes: nClasses,
    households: households.length,
    sharedNumbers,
    childrenInTwoHouseholds: extraGuardians.size,
    rows: Object.values(rowsByFile).reduce((a, b) => a + b, 0),
    rowsByFile,
    bytes,
  };
}
