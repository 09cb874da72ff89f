import { Readable } from 'node:stream';
import type { RosterLimits } from '../../src/config';
import { readCsv } from '../../src/families/roster/csv';
import { RosterFileError, RosterLimitError } from '../../src/families/roster/model';
import { Rejections } from '../../src/families/roster/report';
import { TestClock } from '../helpers/clock';
import { testMeter } from '../helpers/roster';

interface ReadOptions {
  required?: string[];
  size?: number;
  columns?: string[];
  limits?: Partial<RosterLimits>;
}

/** Feeds the bytes in chunks of `size`, so characters and CRLFs get split across chunks too. */
async function read(data: string | Buffer, opts: ReadOptions = {}) {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const size = opts.size ?? 1 << 16;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const rejections = new Rejections();
  const rows: { line: number; values: string[] }[] = [];
  const columns = opts.columns ?? ['a', 'b'];
  const meter = testMeter(opts.limits);
  for await (const row of readCsv(Readable.from(chunks), { file: 'test.csv', required: opts.required, errors: rejections, meter })) {
    rows.push({ line: row.line, values: columns.map((c) => row.get(c)) });
  }
  return { rows, errors: rejections.rows(), rejections };
}

async function fileError(data: string | Buffer, opts: ReadOptions = {}): Promise<RosterFileError> {
  try {
    await read(data, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(RosterFileError);
    return err as RosterFileError;
  }
  throw new Error('expected a RosterFileError');
}

describe('readCsv', () => {
  const multiline = 'a,b\n1,"two\nlines"\n\n3,"x, y"\n4,"one\ntwo\nthree"\n5,five\n';
  const expected = [
    { line: 2, values: ['1', 'two\nlines'] },
    { line: 5, values: ['3', 'x, y'] },
    { line: 6, values: ['4', 'one\ntwo\nthree'] },
    { line: 9, values: ['5', 'five'] },
  ];

  it.each([1, 2, 3, 7, 1 << 16])('reports the physical line each record starts on (chunks of %i bytes)', async (size) => {
    expect((await read(multiline, { size })).rows).toEqual(expected);
  });

  it('counts lines the same with CRLF, a BOM, and CRLF inside quoted fields', async () => {
    const crlf = '\uFEFF' + multiline.replace(/\n/g, '\r\n');
    const { rows } = await read(crlf, { size: 1 });
    expect(rows.map((r) => r.line)).toEqual([2, 5, 6, 9]);
    expect(rows[0].values).toEqual(['1', 'two\r\nlines']);
  });

  it('reads files that mix line endings, and old Mac CR-only files', async () => {
    expect((await read('a,b\r\n1,x\n2,y\r\n\n3,z\n')).rows.map((r) => [r.line, r.values[0]])).toEqual([[2, '1'], [3, '2'], [5, '3']]);
    expect((await read('a,b\r1,x\r2,y\r', { size: 1 })).rows.map((r) => [r.line, r.values[0]])).toEqual([[2, '1'], [3, '2']]);
  });

  it('matches headers case-insensitively and trimmed, and trims cells', async () => {
    const { rows } = await read(' A , B\n x ,y \n', { required: ['a', 'B'] });
    expect(rows).toEqual([{ line: 2, values: ['x', 'y'] }]);
  });

  it('keeps multibyte characters split across chunks', async () => {
    const { rows } = await read('a,b\nJosé Peña,中文 😀\n', { size: 1 });
    expect(rows[0].values).toEqual(['José Peña', '中文 😀']);
  });

  it('reports a row with the wrong number of fields on its line and imports the rest', async () => {
    const { rows, errors } = await read('a,b\n1,"x\ny"\n2,x,extra\n3\n4,ok,,\n');
    expect(rows.map((r) => r.line)).toEqual([2, 6]); // trailing empty cells are not a misaligned row
    expect(errors).toEqual([
      { file: 'test.csv', line: 4, kind: 'misaligned', reason: expect.stringContaining('3 fields but the header has 2') },
      { file: 'test.csv', line: 5, kind: 'misaligned', reason: expect.stringContaining('1 field but the header has 2') },
    ]);
  });

  it('skips blank lines and rows of empty cells', async () => {
    expect((await read('\n\na,b\n,\n\n1,2\n')).rows).toEqual([{ line: 6, values: ['1', '2'] }]);
  });

  it('names the file and every missing required column', async () => {
    const err = await fileError('a,x\n1,2\n', { required: ['a', 'b', 'c'] });
    expect(err.file).toBe('test.csv');
    expect(err.message).toMatch(/test\.csv is missing the required columns b, c\. .*it has: a, x/);
  });

  it('rejects an empty file', async () => {
    expect((await fileError('')).message).toMatch(/test\.csv is empty/);
    expect((await fileError('\r\n\r\n')).message).toMatch(/is empty/);
  });

  it('rejects Latin-1 text, naming the line and saying to save as UTF-8', async () => {
    const err = await fileError(Buffer.from('a,b\n1,x\n2,Peña\n', 'latin1'), { size: 3 });
    expect(err.message).toMatch(/test\.csv is not UTF-8 text: line 3 .*CSV UTF-8/);
  });

  it('rejects UTF-8 cut off in the middle of a character', async () => {
    expect((await fileError(Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xc3]))).message).toMatch(/not UTF-8 text: line 2/);
  });

  it('rejects UTF-16 and binary files', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,2\n', 'utf16le')]);
    expect((await fileError(utf16)).message).toMatch(/saved as UTF-16.*CSV UTF-8/);
    expect((await fileError(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).message).toMatch(/not a CSV file: it contains a PNG image/);
    expect((await fileError(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0]))).message).toMatch(/Excel workbook/);
    expect((await fileError(Buffer.from('a,b\n1,\u0000\n'))).message).toMatch(/not a CSV file: it contains binary data/);
  });

  it('rejects an unclosed quote, naming the line where the row starts', async () => {
    const err = await fileError('a,b\n1,x\n2,"never closed\n3,y\n4,z\n');
    expect(err.message).toMatch(/row starting on line 3: a quoted field is never closed/);
  });

  it('rejects a quote inside an unquoted field (quotes are not relaxed)', async () => {
    const err = await fileError('a,b\r\n1,"multi\r\nline"\r\n2,Bob "Bobby" Lee\r\n');
    expect(err.message).toMatch(/row starting on line 4: a " appears inside a field/);
  });

  it('rejects a line longer than ROSTER_MAX_LINE_CHARS as that, even inside quotes, naming the line', async () => {
    const limits = { maxLineChars: 2000 };
    const quoted = await fileError(`a,b\n1,x\n2,"${'y'.repeat(3000)}"\n3,z\n`, { limits, size: 7 });
    expect(quoted).toBeInstanceOf(RosterLimitError);
    expect(quoted.message).toMatch(/^test\.csv line 3 is longer than 2,000 characters \(ROSTER_MAX_LINE_CHARS\)/);
    expect(quoted.message).not.toMatch(/quoted field/);
    // 500,000 characters of first name: the limit stops it, not memory or time.
    expect((await fileError(`a,b\n1,${'N'.repeat(500_000)}\n`, { limits })).message).toMatch(/line 2 is longer than 2,000 characters/);
    // Characters, not bytes: 1,500 "é" are 3,000 bytes and fit.
    expect((await read(`a,b\n1,${'é'.repeat(1500)}\n`, { limits })).rows[0].values[1]).toHaveLength(1500);
  });

  it('still calls a quote that swallows many short lines a quote never closed', async () => {
    const err = await fileError(`a,b\n1,"open\n${'x,y\n'.repeat(3000)}`, { limits: { maxLineChars: 2000 } });
    expect(err.message).toMatch(/row starting on line 2: a quoted field is never closed/);
  });

  it('rejects a file with more lines than ROSTER_MAX_ROWS, blank lines included', async () => {
    expect((await read('a,b\n1,2\n\n\n3,4\n', { limits: { maxRows: 5 } })).rows).toHaveLength(2);
    const err = await fileError(`a,b\n1,2\n${'\n'.repeat(10)}`, { limits: { maxRows: 5 } });
    expect(err).toBeInstanceOf(RosterLimitError);
    expect(err.message).toMatch(/^test\.csv has more than 5 lines \(ROSTER_MAX_ROWS\)/);
  });

  it('rejects a row whose name or id is longer than FamilyLine keeps, and imports the rest', async () => {
    const data = `sourcedId,givenName,familyName\ns-1,${'A'.repeat(101)},Moss\ns-2,Bo,Moss\n${'9'.repeat(256)},Cy,Moss\n`;
    const { rows, errors } = await read(data, { columns: ['sourcedId', 'givenName'] });
    expect(rows).toEqual([{ line: 3, values: ['s-2', 'Bo'] }]);
    expect(errors).toEqual([
      { file: 'test.csv', line: 2, kind: 'too_long', reason: 'givenName is 101 characters long; FamilyLine keeps at most 100, so the row is skipped' },
      { file: 'test.csv', line: 4, kind: 'too_long', reason: expect.stringMatching(/^sourcedId is 256 characters long; FamilyLine keeps at most 255/) },
    ]);
  });

  it('stops reading once the import has run past ROSTER_MAX_SECONDS', async () => {
    const clock = new TestClock();
    let pulled = 0;
    async function* slowFile() {
      yield Buffer.from('a,b\n');
      for (let i = 0; i < 1000; i++) {
        pulled++;
        if (i === 1) clock.advance(61_000);
        yield Buffer.from('1,2\n'.repeat(100));
      }
    }
    const meter = testMeter({ maxSeconds: 60 }, clock);
    const rows = readCsv(Readable.from(slowFile()), { file: 'slow.csv', errors: new Rejections(), meter });
    const err = await (async () => {
      for await (const _ of rows) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RosterLimitError);
    expect((err as Error).message).toMatch(/^The import ran longer than 60 seconds \(ROSTER_MAX_SECONDS\) and was stopped; nothing was changed/);
    expect(pulled).toBeLessThan(500); // most of the file is never read
  });

  it('stops reading when the caller stops early', async () => {
    const stream = Readable.from([Buffer.from('a,b\n1,2\n3,4\n')]);
    for await (const row of readCsv(stream, { file: 't.csv', errors: new Rejections(), meter: testMeter() })) {
      expect(row.line).toBe(2);
      break;
    }
    expect(stream.destroyed).toBe(true);
  });
});
