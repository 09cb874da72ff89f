import { nonGsmCharacters, segmentInfo } from '../../src/i18n/segments';
import { seededRandom } from '../../src/lib/seeded-random';
import { signBody, weekStart } from '../../src/staff/signature';
// The browser's copy of the rules, loaded as the reply box loads it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const browser = require('../../src/http/console/static/segments.js') as { segmentInfo: typeof segmentInfo; nonGsmCharacters: typeof nonGsmCharacters };

/** The reply box's counter (static/segments.js) and the server's segments.ts agree, text by text. */

const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,!?\n@£$¥èéÇØΔ_ÆßÉ¡ÄÖÑÜ§¿äöñüà',
  ...'^{}\\[~]|€\f', // GSM-7 extension: two septets each
  ...'áíóúãõâêôçłśżź', // common accents outside GSM-7
  ...'مرحباً بكم', // Arabic
  '😀', '👍🏽', '’', '—', '“',
];

test.each([
  '',
  'Hi',
  'a'.repeat(160),
  'a'.repeat(161),
  '€'.repeat(80),
  '€'.repeat(81),
  'a'.repeat(152) + '€',
  'é'.repeat(160),
  'á'.repeat(70),
  'á'.repeat(71),
  '😀'.repeat(34) + 'a',
  'a'.repeat(66) + '😀' + 'a'.repeat(10),
  'Maria read 20 minutes every night this week — ask her about the ending of her book.',
  'María leyó 20 minutos cada noche esta semana; pregúntele por el final de su libro.',
])('agrees on %j', (text) => {
  expect(browser.segmentInfo(text)).toEqual(segmentInfo(text));
  expect(browser.nonGsmCharacters(text)).toEqual(nonGsmCharacters(text));
});

test('agrees on 5,000 generated texts of every length up to 1,600 characters', () => {
  const random = seededRandom(20261118);
  for (let i = 0; i < 5000; i++) {
    const length = Math.floor(random() * (i % 10 === 0 ? 1600 : 400));
    // Mostly one kind of character per text, so both encodings and both limits get exercised.
    const pool = random() < 0.5 ? ALPHABET.slice(0, 70) : ALPHABET;
    let text = '';
    for (let j = 0; j < length; j++) text += pool[Math.floor(random() * pool.length)];
    expect([text, browser.segmentInfo(text)]).toEqual([text, segmentInfo(text)]);
  }
});

describe('teacher signatures', () => {
  test('a plain text is signed with "-", which keeps it GSM-7; a UCS-2 text gets "—"', () => {
    expect(signBody('See you Friday.', 'Ms. Lee')).toBe('See you Friday.\n- Ms. Lee');
    expect(segmentInfo(signBody('See you Friday.', 'Ms. Lee')).encoding).toBe('GSM-7');
    expect(signBody('¡Nos vemos el viernes, mamá!', 'Ms. Lee')).toBe('¡Nos vemos el viernes, mamá!\n— Ms. Lee');
    expect(signBody('See you', 'Ms. Nguyễn')).toBe('See you\n— Ms. Nguyễn');
  });

  test('a text at the length limit goes unsigned rather than refused', () => {
    expect(signBody('a'.repeat(1595), 'Ms. Lee')).toBe('a'.repeat(1595));
  });

  test('the week starts on Monday at midnight in the school zone', () => {
    // Sunday 23:30 in New York is already Monday in UTC: still the week before.
    expect(weekStart(Date.parse('2026-11-23T04:30:00Z'), 'America/New_York')).toBe('2026-11-16T05:00:00.000Z');
    expect(weekStart(Date.parse('2026-11-23T05:00:00Z'), 'America/New_York')).toBe('2026-11-23T05:00:00.000Z');
  });
});
