import { parseUpdatesCsv } from '../../src/updates/csv';

describe('parseUpdatesCsv', () => {
  test('template rows take their slots from the header; counts become numbers', () => {
    const r = parseUpdatesCsv('student_id,template,subject,skill,count,date\n12,missing.work,math,,3,Friday\n13,practice.reading,,main idea,,\n');
    expect(r.errors).toEqual([]);
    expect(r.rows).toEqual([
      { line: 2, item: { studentId: 12, template: 'missing.work', slots: { subject: 'math', count: 3, date: 'Friday' } } },
      { line: 3, item: { studentId: 13, template: 'practice.reading', slots: { skill: 'main idea' } } },
    ]);
  });

  test('free-text rows, with an optional language, and a quoted cell across lines', () => {
    const r = parseUpdatesCsv('\ufeffStudent_ID,free_text,language\r\n7,"Great week, Sam!",\r\n8,"Leyó mucho\r\nesta semana",es\r\n9,Bonjour,xx\r\n');
    expect(r.rows).toEqual([
      { line: 2, item: { studentId: 7, text: 'Great week, Sam!' } },
      { line: 3, item: { studentId: 8, text: 'Leyó mucho\nesta semana', language: 'es' } },
    ]);
    expect(r.errors).toEqual([{ line: 5, reason: expect.stringContaining('language "xx"') }]);
  });

  test('each bad row is reported with its line and the good rows are kept', () => {
    const r = parseUpdatesCsv(
      ['student_id,template,free_text,skill', 'abc,practice.reading,,x', ',practice.reading,,x', '4,practice.reading,hello,x', '5,,,', '6,practice.reading,,x,extra', '', '7,practice.reading,,fractions'].join('\n'),
    );
    expect(r.rows).toEqual([{ line: 8, item: { studentId: 7, template: 'practice.reading', slots: { skill: 'fractions' } } }]);
    expect(r.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
    expect(r.errors[0].reason).toMatch(/not a student id/);
    expect(r.errors[1].reason).toMatch(/student_id is empty/);
    expect(r.errors[2].reason).toMatch(/not both/);
    expect(r.errors[3].reason).toMatch(/neither/);
    expect(r.errors[4].reason).toMatch(/5 cells; the header has 4/);
  });

  test('a header it cannot read is one error on line 1', () => {
    expect(parseUpdatesCsv('student_id,template,colour\n1,x,red').errors).toEqual([{ line: 1, reason: expect.stringMatching(/unknown column "colour"/) }]);
    expect(parseUpdatesCsv('id,text\n1,hi').errors[0].reason).toMatch(/needs a student_id column/);
    expect(parseUpdatesCsv('').errors[0].reason).toMatch(/empty/);
    expect(parseUpdatesCsv('student_id,free_text\n1,"unclosed\n').errors[0]).toEqual({ line: 2, reason: expect.stringMatching(/not valid CSV/) });
  });
});
