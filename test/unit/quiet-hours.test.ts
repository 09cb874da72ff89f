import { nextSendTime } from '../../src/messaging/quiet-hours';
import { decideSend } from '../../src/messaging/policy';
import { movesForward } from '../../src/messaging/status';

const NY = 'America/New_York';
const at = (iso: string) => Date.parse(iso);

describe('quiet hours (08:00–20:00 local)', () => {
  test.each([
    ['2026-11-18T15:00:00Z', '2026-11-18T15:00:00.000Z'], // 10:00 EST: now
    ['2026-11-18T13:00:00Z', '2026-11-18T13:00:00.000Z'], // 08:00 sharp: now
    ['2026-11-19T00:59:59Z', '2026-11-19T00:59:59.000Z'], // 19:59:59: now
    ['2026-11-19T01:00:00Z', '2026-11-19T13:00:00.000Z'], // 20:00: next morning
    ['2026-11-18T10:30:00Z', '2026-11-18T13:00:00.000Z'], // 05:30 (snow-day hour): this morning at 08:00
    ['2026-03-08T06:30:00Z', '2026-03-08T12:00:00.000Z'], // 01:30 EST on the DST morning: 08:00 EDT
  ])('at %s a non-urgent text leaves at %s', (now, expected) => {
    expect(new Date(nextSendTime(at(now), NY)).toISOString()).toBe(expected);
  });

  test('the window follows the school time zone', () => {
    // 06:00 in Los Angeles is 09:00 in New York.
    expect(nextSendTime(at('2026-11-18T14:00:00Z'), 'America/Los_Angeles')).toBe(at('2026-11-18T16:00:00Z'));
    expect(nextSendTime(at('2026-11-18T14:00:00Z'), NY)).toBe(at('2026-11-18T14:00:00Z'));
  });
});

describe('send policy', () => {
  const ctx = { optedOut: false, timezone: NY, pausedUntilMs: null };
  const night = at('2026-11-18T10:30:00Z');
  const reply = { urgent: false, confirmsOptOut: false, kind: 'reply' as const };

  test('an opted-out number is blocked, urgent or not; only the opt-out confirmation passes', () => {
    expect(decideSend({ ...reply, urgent: true }, { ...ctx, optedOut: true }, night)).toEqual({ action: 'block', reason: 'opted_out' });
    expect(decideSend({ ...reply, kind: 'system', urgent: true, confirmsOptOut: true }, { ...ctx, optedOut: true }, night)).toEqual({ action: 'send' });
  });

  test('at night a reply is held until 08:00 and an urgent text goes', () => {
    expect(decideSend(reply, ctx, night)).toEqual({ action: 'hold', untilMs: at('2026-11-18T13:00:00Z') });
    expect(decideSend({ ...reply, urgent: true }, ctx, night)).toEqual({ action: 'send' });
  });

  test('a paused family gets no automated texts but still gets a teacher reply', () => {
    const paused = { ...ctx, pausedUntilMs: at('2026-12-16T15:00:00Z') };
    const day = at('2026-11-18T15:00:00Z');
    expect(decideSend({ ...reply, kind: 'nudge' }, paused, day)).toEqual({ action: 'hold', untilMs: at('2026-12-16T15:00:00Z') });
    expect(decideSend(reply, paused, day)).toEqual({ action: 'send' });
  });

  test('a reminder to a paused family is not sent at all (weeks late it would be wrong), unless urgent', () => {
    const paused = { ...ctx, pausedUntilMs: at('2026-12-16T15:00:00Z') };
    const day = at('2026-11-18T15:00:00Z');
    expect(decideSend({ ...reply, kind: 'reminder' }, paused, day)).toEqual({ action: 'block', reason: 'paused' });
    expect(decideSend({ ...reply, kind: 'reminder', urgent: true }, paused, day)).toEqual({ action: 'send' });
    expect(decideSend({ ...reply, kind: 'reminder', urgent: true }, paused, at('2026-11-19T02:00:00Z'))).toEqual({ action: 'send' });
  });
});

describe('status order', () => {
  test.each([
    ['queued', 'sent', true],
    ['sent', 'delivered', true],
    ['delivered', 'sent', false],
    ['sent', 'queued', false],
    ['delivered', 'failed', false],
    ['sent', 'undelivered', true],
    ['undelivered', 'delivered', false],
    ['blocked', 'sent', false],
    ['held', 'queued', true],
    // A canceled broadcast text never left: no callback can move it.
    ['canceled', 'sent', false],
    ['canceled', 'delivered', false],
    ['queued', 'canceled', true],
  ] as const)('%s then %s moves forward: %s', (current, next, expected) => {
    expect(movesForward(current, next)).toBe(expected);
  });
});
