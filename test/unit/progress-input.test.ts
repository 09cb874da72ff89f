import { parseProgressCsv } from '../../src/nudges/progress-csv';
import { readProgress, weekMonday } from '../../src/nudges/progress-input';
import { DEFAULT_NUDGE_SLOT, NUDGE_SLOTS, nudgeSlot } from '../../src/nudges/slots';

describe('weekMonday', () => {
  test.each([
    ['2026-W47', '2026-11-16'],
    ['2026-w47', '2026-11-16'],
    ['2026-11-16', '2026-11-16'],
    ['2026-11-22', '2026-11-16'], // a Sunday belongs to the week that began the Monday before
    ['2027-01-01', '2026-12-28'], // ISO week 2026-W53
    ['2026-W53', '2026-12-28'],
    ['2021-W01', '2021-01-04'],
  ])('%s → %s', (input, monday) => expect(weekMonday(input)).toBe(monday));

  test.each(['2025-W53', '2026-W00', '2026-02-30', '26-11-16', '1999-12-27', 'next week', ''])('%s is not a week', (input) => expect(weekMonday(input)).toBeNull());
});

describe('readProgress', () => {
  test('counts are whole numbers, text is one trimmed line, the kind is case-blind', () => {
    expect(readProgress({ week: '2026-W47', kind: 'Absences', value: ' 3 ' })).toEqual({ ok: true, record: { week: '2026-11-16', kind: 'absences', value: '3' } });
    expect(readProgress({ week: '2026-W47', kind: 'note', value: 'Read\nevery  night' })).toEqual({ ok: true, record: { week: '2026-11-16', kind: 'note', value: 'Read every night' } });
    expect(readProgress({ week: '2026-W47', kind: 'absences', value: '3.0' })).toEqual({ ok: false, errors: { value: 'must be a whole number, 0 or more' } });
    expect(readProgress({ week: '2026-W47', kind: 'reading_level', value: 'x'.repeat(41) })).toEqual({ ok: false, errors: { value: 'must be at most 40 characters' } });
    expect(readProgress({ week: '2026-W47', kind: 'note', value: 'bell\u0007' })).toEqual({ ok: false, errors: { value: 'must not hold control characters' } });
    expect(readProgress({ week: undefined, kind: undefined, value: undefined })).toEqual({ ok: false, errors: { week: 'is required', kind: 'is required', value: 'is required' } });
  });
});

describe('parseProgressCsv', () => {
  test('rows keep the line they start on, a quoted cell may span lines, bad rows are reported and skipped', () => {
    const csv = '\uFEFFStudent ID,Week,Kind,Value\r\nS-1,2026-W47,note,"two\r\nlines"\r\n\r\nS-2,2026-W47,absences,x\r\n,2026-W47,absences,1\r\nS-3,2026-W47,absences,1,extra\r\nS-4,2026-W47,absences,2\r\n';
    const parsed = parseProgressCsv(csv);
    expect(parsed.rows).toEqual([
      { line: 2, externalId: 'S-1', record: { week: '2026-11-16', kind: 'note', value: 'two lines' } },
      { line: 8, externalId: 'S-4', record: { week: '2026-11-16', kind: 'absences', value: '2' } },
    ]);
    expect(parsed.errors).toEqual([
      { line: 5, reason: 'value must be a whole number, 0 or more' },
      { line: 6, reason: 'student_id is empty' },
      { line: 7, reason: 'has 5 cells; the header has 4' },
    ]);
  });

  test('a file that is not CSV, or has the wrong header, is one error on its line', () => {
    expect(parseProgressCsv('student_id,week,kind,value\n"S-1,2026-W47').errors).toEqual([{ line: expect.any(Number), reason: expect.stringMatching(/^the file is not valid CSV/) }]);
    expect(parseProgressCsv('').errors).toEqual([{ line: 1, reason: expect.stringMatching(/^the file is empty/) }]);
    expect(parseProgressCsv('student_id,week,kind,value,value\n').errors[0].reason).toMatch(/twice/);
  });
});

test('nudge slots: Saturday 09:30 is the default, and an unknown id falls back to it', () => {
  expect(NUDGE_SLOTS.map((s) => s.id)).toEqual(['fri-17:00', 'sat-09:30', 'sun-10:00']);
  expect(nudgeSlot('fri-17:00')).toMatchObject({ weekday: 5, time: '17:00' });
  expect(nudgeSlot('mon-08:00').id).toBe(DEFAULT_NUDGE_SLOT);
  expect(DEFAULT_NUDGE_SLOT).toBe('sat-09:30');
});
