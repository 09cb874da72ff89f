import { csvCell, csvLine } from '../../src/lib/csv-cell';
import { parse } from 'csv-parse/sync';

describe('csvCell: what a spreadsheet opening our CSV must never run', () => {
  test.each([
    ['=HYPERLINK("http://evil.example","Grades")', `"'=HYPERLINK(""http://evil.example"",""Grades"")"`],
    ['+1555555012', `"'+1555555012"`],
    ['-2+3+cmd|\' /C calc\'!A0', `"'-2+3+cmd|' /C calc'!A0"`],
    ['@SUM(1+1)', `"'@SUM(1+1)"`],
    ['\t=1+1', `"'\t=1+1"`],
    ['\r=1+1', `"'\r=1+1"`],
  ])('a cell starting %j is neutralized', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  test.each([
    ['Maria read 20 minutes', '"Maria read 20 minutes"'],
    ['a = b', '"a = b"'],
    ['', '""'],
    ['say "hi", then\nleave', '"say ""hi"", then\nleave"'],
  ])('a cell starting otherwise is kept as written: %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  test('numbers, booleans and missing values are written bare', () => {
    expect([csvCell(-3), csvCell(1.5), csvCell(true), csvCell(null), csvCell(undefined)]).toEqual(['-3', '1.5', 'true', '', '']);
  });

  test('a line reads back as the same cells, each formula start behind an apostrophe', () => {
    const values = ['=1+1', 'Ana, "Mom"', 'line\r\nbreak', '@x', 7];
    const text = csvLine(['a', 'b', 'c', 'd', 'e']) + csvLine(values);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parse(text, { columns: true })).toEqual([{ a: "'=1+1", b: 'Ana, "Mom"', c: 'line\r\nbreak', d: "'@x", e: '7' }]);
  });
});
