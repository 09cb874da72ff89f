import { ERROR_TABLE, plainMeaning } from '../../src/channels/twilio/errors';
import { pageRecipients, type PageInput } from '../../src/reminders/audience';
import { progressOf } from '../../src/reminders/broadcasts';
import { textFor } from '../../src/reminders/fan-out';
import { guardrailTripped } from '../../src/reminders/guardrail';
import { tallyReplies } from '../../src/reminders/report';
import { dueAt } from '../../src/reminders/schedule';
import { lanesFor } from '../../src/reminders/batch';

describe('error codes in plain words (one table with the channel\'s)', () => {
  test.each([
    [30006, "landline: can't receive texts"],
    [30007, 'carrier filtered the message'],
    [30034, "the school's sending number is not registered with carriers (10DLC)"],
    [21610, 'opted out at the carrier (texted STOP)'],
    [21211, 'not a valid phone number'],
    [21614, 'not a mobile number: can\'t receive texts'],
    [30003, 'phone unreachable (off or out of coverage)'],
    [30005, 'unknown number: no longer in service'],
    [30008, 'the carrier could not say why it failed'],
    [30004, 'blocked by the carrier or the phone'],
  ])('%i: %s', (code, words) => {
    expect(plainMeaning(code)).toBe(words);
  });

  test('every row of the table has plain words, none the provider\'s jargon', () => {
    for (const [code, rule] of Object.entries(ERROR_TABLE)) {
      expect([code, rule.plain.length > 8]).toEqual([code, true]);
      expect(rule.plain).not.toMatch(/^'To'|handset/i);
    }
  });

  test('no code, no meaning; an unknown code says it is unknown', () => {
    expect(plainMeaning(null)).toBeNull();
    expect(plainMeaning(39999)).toBe("error 39999 (not in FamilyLine's table)");
  });
});

describe('the guardrail: more than 2% of the last 200 attempts filtered or unregistered', () => {
  const attempts = (bad: number, code = 30007, total = 200) => [...Array(bad).fill(code), ...Array(total - bad).fill(null)];
  test.each([
    [4, 30007, false],
    [5, 30007, true],
    [5, 30034, true],
    [20, 30006, false], // landlines are the roster's problem, not the sender's reputation
  ])('%i × %i → %s', (bad, code, tripped) => {
    expect(guardrailTripped(attempts(bad, code))).toBe(tripped);
  });
  test('five among fewer than 200 attempts also pass it', () => {
    expect(guardrailTripped(attempts(5, 30007, 12))).toBe(true);
  });
});

describe('who of a page gets a broadcast', () => {
  const base = (over: Partial<PageInput> = {}): PageInput => ({
    families: [
      { id: 1, language: 'es', pausedUntil: null, timezone: null },
      { id: 2, language: 'en', pausedUntil: '2026-12-01T00:00:00Z', timezone: null },
      { id: 3, language: 'en', pausedUntil: null, timezone: 'America/Chicago' },
      { id: 4, language: 'en', pausedUntil: null, timezone: null },
    ],
    links: [
      { studentId: 10, guardianId: 100, familyId: 1, mayContact: true },
      { studentId: 10, guardianId: 101, familyId: 1, mayContact: true },
      { studentId: 20, guardianId: 200, familyId: 2, mayContact: true },
      { studentId: 30, guardianId: 300, familyId: 3, mayContact: false },
      { studentId: 40, guardianId: 400, familyId: 4, mayContact: true },
    ],
    phones: [
      { guardianId: 100, number: '+15555550001', canReceive: true },
      { guardianId: 101, number: '+15555550001', canReceive: true }, // a shared household number: one text
      { guardianId: 101, number: '+15555550002', canReceive: true },
      { guardianId: 200, number: '+15555550003', canReceive: true },
      { guardianId: 300, number: '+15555550004', canReceive: true },
      { guardianId: 400, number: '+15555550005', canReceive: false },
    ],
    optedOut: new Set(['+15555550002']),
    urgent: false,
    nowMs: Date.parse('2026-11-18T15:00:00Z'),
    budgetAllows: () => true,
    ...over,
  });
  const rows = (input: PageInput) => pageRecipients(input).map((r) => [r.familyId, r.phone, r.reason]);

  test('one text per family and number; skipped ones with their reason', () => {
    expect(rows(base())).toEqual([
      [1, '+15555550002', 'opted_out'],
      [1, '+15555550001', null],
      [2, '+15555550003', 'paused'],
      [3, null, 'may_not_contact'],
      [4, null, 'no_number'],
    ]);
  });

  test('urgent reaches a paused family and ignores the budget; a non-urgent one over budget is skipped', () => {
    expect(rows(base({ urgent: true, budgetAllows: () => false }))).toContainEqual([2, '+15555550003', null]);
    expect(rows(base({ budgetAllows: (n) => n !== '+15555550001' }))).toContainEqual([1, '+15555550001', 'budget']);
  });

  test('rows carry the family\'s language, zone and students', () => {
    const [, first] = pageRecipients(base());
    expect(first).toMatchObject({ familyId: 1, language: 'es', timezone: null, studentIds: [10] });
  });
});

describe('when a text is due', () => {
  const createdAtMs = Date.parse('2026-11-18T10:30:00Z'); // 05:30 in New York
  const zones = { school: 'America/New_York', family: null };
  test('sendAt is that instant; neither is now', () => {
    expect(dueAt({ sendAt: '2026-11-18T19:00:00Z', localTime: null, createdAtMs }, zones, 0)).toBe(Date.parse('2026-11-18T19:00:00Z'));
    expect(dueAt({ sendAt: null, localTime: null, createdAtMs }, zones, 1234)).toBe(1234);
  });
  test('06:00 asked at 05:30 is this morning; 05:00 asked at 05:30 is tomorrow', () => {
    expect(new Date(dueAt({ sendAt: null, localTime: '06:00', createdAtMs }, zones, createdAtMs)).toISOString()).toBe('2026-11-18T11:00:00.000Z');
    expect(new Date(dueAt({ sendAt: null, localTime: '05:00', createdAtMs }, zones, createdAtMs)).toISOString()).toBe('2026-11-19T10:00:00.000Z');
  });
  test('the day is the school\'s; the hour is each family\'s own', () => {
    const la = { school: 'America/New_York', family: 'America/Los_Angeles' };
    expect(new Date(dueAt({ sendAt: null, localTime: '06:00', createdAtMs }, la, createdAtMs)).toISOString()).toBe('2026-11-18T14:00:00.000Z');
  });
  test('across the change from daylight saving time the hour stays local', () => {
    const before = Date.parse('2026-10-31T12:00:00Z'); // Saturday 08:00 EDT
    expect(new Date(dueAt({ sendAt: null, localTime: '07:00', createdAtMs: before }, zones, before)).toISOString()).toBe('2026-11-01T12:00:00.000Z'); // Sunday 07:00 EST
  });
});

describe('reports', () => {
  test('"reply 1" answers are tallied; words are replies but not answers', () => {
    const r = tallyReplies([
      { messageId: 1, body: '1' },
      { messageId: 2, body: ' 1 ' },
      { messageId: 2, body: 'Thanks!' },
      { messageId: 3, body: '2.' },
      { messageId: 4, body: '01' },
      { messageId: 5, body: 'I have 1 question' },
    ]);
    expect(r).toEqual({ count: 6, recipients: 5, answers: { '1': 3, '2': 1 } });
  });
  test('message statuses count as the broadcast\'s progress statuses', () => {
    expect(['queued', 'held', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'canceled', 'blocked'].map(progressOf)).toEqual([
      'queued', 'held', 'sent', 'sent', 'delivered', 'failed', 'failed', 'canceled', 'skipped',
    ]);
  });
  test('a language without a text gets the English one', () => {
    expect(textFor({ en: 'Hi', es: 'Hola' }, 'es')).toEqual({ language: 'es', body: 'Hola' });
    expect(textFor({ en: 'Hi', es: 'Hola' }, 'pl')).toEqual({ language: 'en', body: 'Hi' });
  });
});

describe('texts a batch keeps in flight', () => {
  test.each([
    [0, 16],
    [1, 1],
    [5, 1],
    [30, 6],
    [100, 16],
  ])('mps %i → %i', (mps, lanes) => {
    expect(lanesFor(mps)).toBe(lanes);
  });
});
