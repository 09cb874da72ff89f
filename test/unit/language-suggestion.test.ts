import { suggestedLanguage, tellsLanguage } from '../../src/families/language-suggestion';
import { nudgeReplyTeacher, tipDigit, answeredNudge } from '../../src/messaging/nudge-replies';

const ES = [
  'Muchas gracias por avisarnos, vamos a leer juntos esta noche en casa.',
  '¿A qué hora termina la reunión de padres el jueves? Trabajo hasta las cinco.',
  'Mi hija tiene fiebre hoy y no va a ir a la escuela, mañana regresa.',
];
const EN = 'Thank you so much, we will read together at home tonight.';
const PT = 'Obrigada professora, meu filho vai estudar mais em casa esta semana.';

describe('suggestedLanguage', () => {
  test('three Spanish replies from an English family: Spanish', async () => {
    expect(await suggestedLanguage('en', ES)).toBe('es');
  });
  test('fewer than three that tell a language: nothing yet', async () => {
    expect(await suggestedLanguage('en', [ES[0], 'ok gracias', '1', 'STOP', ES[1]])).toBeNull();
  });
  test('one of the last three in the family language: nothing', async () => {
    expect(await suggestedLanguage('en', [ES[0], EN, ES[1], ES[2]])).toBeNull();
  });
  test('two Spanish and one read as Portuguese: still Spanish', async () => {
    expect(await suggestedLanguage('en', [ES[0], PT, ES[1]])).toBe('es');
  });
  test('a family already in Spanish: nothing', async () => {
    expect(await suggestedLanguage('es', ES)).toBeNull();
    expect(await suggestedLanguage('es-MX', ES)).toBeNull();
  });
  test('keywords, digits and short texts tell nothing', () => {
    for (const t of ['IDIOMA', 'Español', 'PARAR', '1', 'ok gracias']) expect(tellsLanguage(t)).toBe(false);
    expect(tellsLanguage(ES[0])).toBe(true);
  });
});

describe('tipDigit', () => {
  test.each([['1', 1], [' 1 ', 1], ['1.', 1], ['١', 1], ['۳', 3], ['１', 1], ['0', 0]])('%j → %i', (body, digit) => {
    expect(tipDigit(body)).toBe(digit);
  });
  test.each(['12', '1 2', 'one', '', 'yes 1'])('%j is not a digit reply', (body) => {
    expect(tipDigit(body)).toBeNull();
  });
});

describe('answeredNudge', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  test('a nudge within 7 days', () => {
    expect(answeredNudge({ id: 1, kind: 'nudge', createdAt: '2026-11-21T14:30:00Z' }, now)).toMatchObject({ id: 1 });
  });
  test('a nudge older than 7 days, or another kind of text, is not', () => {
    expect(answeredNudge({ id: 1, kind: 'nudge', createdAt: '2026-11-14T14:30:00Z' }, now)).toBeNull();
    expect(answeredNudge({ id: 1, kind: 'reply', createdAt: '2026-11-21T14:30:00Z' }, now)).toBeNull();
    expect(answeredNudge(undefined, now)).toBeNull();
  });
});

describe('nudgeReplyTeacher', () => {
  const kids = [
    { studentId: 1, firstName: 'Mia', teacherId: 10 },
    { studentId: 2, firstName: 'Ana Luz', teacherId: 20 },
    { studentId: 3, firstName: 'Tom', teacherId: null },
  ];
  test('one child with a teacher: theirs', () => {
    expect(nudgeReplyTeacher([kids[0]], 'thanks!')).toBe(10);
  });
  test('the child the reply names', () => {
    expect(nudgeReplyTeacher(kids, 'How is ana luz doing in math?')).toBe(20);
    expect(nudgeReplyTeacher(kids, 'MIA loved it')).toBe(10);
  });
  test('unsure (none or both named): the first child\'s homeroom teacher', () => {
    expect(nudgeReplyTeacher(kids, 'thank you')).toBe(10);
    expect(nudgeReplyTeacher(kids, 'Mia and Ana Luz both tried it')).toBe(10);
  });
  test('no child with a teacher: null (the usual assignment)', () => {
    expect(nudgeReplyTeacher([kids[2]], 'thanks')).toBeNull();
  });
});
