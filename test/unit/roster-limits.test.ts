import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RosterLimits } from '../../src/config';
import { RosterFileError, RosterLimitError } from '../../src/families/roster/model';
import { readRoster } from '../../src/families/roster/read';
import { LISTED_REJECTIONS, Rejections } from '../../src/families/roster/report';
import { zip } from '../fixtures/roster/zip-writer';
import { testMeter } from '../helpers/roster';

/** Files past an import's limits, built here, small enough to write in milliseconds. */

const MB = 1 << 20;
const LIMITS: Partial<RosterLimits> = { maxUploadBytes: MB, maxExpandedBytes: 2 * MB, maxExpansionRatio: 100 };
const USERS = 'sourcedId,status,enabledUser,orgSourcedIds,role,givenName,familyName,email\n';
const ORGS = 'sourcedId,name,type\nsch-1,Cedar Grove Elementary,school\n';
const blankLines = (bytes: number) => Buffer.concat([Buffer.from(USERS), Buffer.alloc(bytes, '\n')]);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'roster-limits-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Buffer | string): string {
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
}

async function failure(path: string, limits: Partial<RosterLimits> = {}): Promise<RosterFileError> {
  const err = await readRoster(path, { meter: testMeter({ ...LIMITS, ...limits }) }).then(
    (staged) => {
      staged.stage.dispose();
      return new Error('expected the roster to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RosterFileError);
  return err as RosterFileError;
}

describe('reading a roster stops at its limits, naming the one it hit', () => {
  test('a 3 KB zip that unpacks to 3 MB of blank lines after a valid header fails before it is unpacked', async () => {
    const bomb = zip([{ name: 'orgs.csv', data: Buffer.from(ORGS) }, { name: 'users.csv', data: blankLines(3 * MB) }]);
    expect(bomb.length).toBeLessThan(10_000);
    const err = await failure(write('export.zip', bomb));
    expect(err).toBeInstanceOf(RosterLimitError);
    expect(err).toMatchObject({ limit: 'ROSTER_MAX_EXPANDED_BYTES' });
    expect(err.message).toMatch(/^export\.zip: the import's CSV comes to more than 2 MB unzipped, .*\(ROSTER_MAX_EXPANDED_BYTES\)\. .*raise ROSTER_MAX_EXPANDED_BYTES/);
  });

  test('a file in a zip that unpacks at more than ROSTER_MAX_EXPANSION_RATIO to 1 fails', async () => {
    const err = await failure(write('export.zip', zip([{ name: 'orgs.csv', data: Buffer.from(ORGS) }, { name: 'users.csv', data: blankLines(1.5 * MB) }])));
    expect(err).toMatchObject({ limit: 'ROSTER_MAX_EXPANSION_RATIO' });
    expect(err.message).toMatch(/unpacks to more than 100 times its zipped size \(ROSTER_MAX_EXPANSION_RATIO\)/);
  });

  test('a zip whose header understates what a file unpacks to is stopped as it unpacks', async () => {
    const lying = zip([{ name: 'users.csv', data: blankLines(3 * MB) }]);
    // The sizes the local header and the central directory give for the one file: 2 KB.
    lying.writeUInt32LE(2048, 22);
    lying.writeUInt32LE(2048, lying.readUInt32LE(lying.length - 22 + 16) + 24);
    const err = await failure(write('export.zip', lying), { maxExpandedBytes: 100 * MB, maxExpansionRatio: 10_000 });
    expect(err).toMatchObject({ file: 'users.csv', message: expect.stringMatching(/^users\.csv could not be read: too many bytes/) });
  });

  test('CSV in a folder is counted as it is read: past ROSTER_MAX_EXPANDED_BYTES it fails', async () => {
    mkdirSync(join(dir, 'export'));
    writeFileSync(join(dir, 'export', 'orgs.csv'), ORGS);
    writeFileSync(join(dir, 'export', 'users.csv'), USERS + `x-1,active,true,sch-1,aide,Al,Aide,${'a'.repeat(1000)}@example.org\n`.repeat(2500));
    const err = await failure(join(dir, 'export'));
    expect(err).toMatchObject({ limit: 'ROSTER_MAX_EXPANDED_BYTES', file: 'users.csv' });
  });

  test('a flat CSV larger than ROSTER_MAX_UPLOAD_BYTES fails before it is read', async () => {
    const err = await failure(write('roster.csv', Buffer.alloc(1.5 * MB, 'a')));
    expect(err).toMatchObject({ limit: 'ROSTER_MAX_UPLOAD_BYTES' });
    expect(err.message).toMatch(/^roster\.csv is 1\.5 MB, more than the 1 MB one import takes \(ROSTER_MAX_UPLOAD_BYTES\)/);
  });

  test('a zip of thousands of files is not a roster export', async () => {
    const many = zip(Array.from({ length: 1001 }, (_, i) => ({ name: `f${i}.csv`, data: Buffer.from('a\n') })));
    expect((await failure(write('export.zip', many))).message).toMatch(/holds 1001 files/);
  });

  test('academicSessions.csv past a limit stops the import, though a broken one does not', async () => {
    mkdirSync(join(dir, 'export'));
    writeFileSync(join(dir, 'export', 'users.csv'), USERS);
    writeFileSync(join(dir, 'export', 'academicSessions.csv'), `sourcedId,title\n1,${'x'.repeat(3000)}\n`);
    expect(await failure(join(dir, 'export'), { maxLineChars: 2000 })).toMatchObject({ limit: 'ROSTER_MAX_LINE_CHARS', file: 'academicSessions.csv' });
  });
});

describe('Rejections', () => {
  const row = (file: string, line: number) => ({ file, line, kind: 'misaligned' as const, reason: `bad row ${line}` });

  test('counts every rejected row by kind and lists only the first 1,000, by file and line', () => {
    const r = new Rejections();
    // Sync errors arrive after the parser's, and out of order.
    for (let line = 3000; line >= 2; line--) r.push(row('users.csv', line));
    r.push({ file: 'enrollments.csv', line: 9, kind: 'unknown_reference', reason: 'no such class' });
    r.push({ file: 'users.csv', line: 5, kind: 'phone', reason: 'not a number' });
    const { rejected, errors } = r.summary();
    expect(rejected).toEqual({ total: 3001, byKind: { misaligned: 2999, unknown_reference: 1, phone: 1 }, omitted: 2001 });
    expect(errors).toHaveLength(LISTED_REJECTIONS);
    expect(errors.slice(0, 6).map((e) => `${e.file}:${e.line}:${e.kind}`)).toEqual([
      'enrollments.csv:9:unknown_reference',
      'users.csv:2:misaligned',
      'users.csv:3:misaligned',
      'users.csv:4:misaligned',
      'users.csv:5:misaligned',
      'users.csv:5:phone', // a second problem on a line comes after the first found
    ]);
    expect(errors[LISTED_REJECTIONS - 1]).toMatchObject({ file: 'users.csv', line: 999 });
  });

  test('takes over another collection whole', () => {
    const a = new Rejections();
    const b = new Rejections();
    a.push(row('users.csv', 4));
    for (let line = 2; line < 2000; line++) b.push(row('academicSessions.csv', line));
    a.merge(b);
    expect(a.summary().rejected).toEqual({ total: 1999, byKind: { misaligned: 1999 }, omitted: 999 });
    expect(a.rows()[0]).toMatchObject({ file: 'academicSessions.csv', line: 2 });
  });
});
