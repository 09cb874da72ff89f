import { and, eq, inArray } from 'drizzle-orm';
import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { ConsoleClient } from '../helpers/console';
import { enroll, seedClass, seedFamily, seedSchool } from '../helpers/seed';
import { conversations, families, messages, tipFeedback } from '../../db/schema';
import { first } from '../../db/query';
import { getOrCreateConversation } from '../../db/repositories/messages';
import { addStaffWithToken } from '../../src/staff/accounts';
import { queueOutbound, sendStaffReply } from '../../src/messaging/outbound';
import { inboundJobId } from '../../src/queue/names';
import { languageChoices, templatedLanguages } from '../../src/i18n/i18n';

/**
 * Language by text and replies to a weekend nudge, as a parent texts them through the simulator:
 * LANG and its words in other languages, a language or PAUSE for every family of a number, the
 * "may prefer Spanish" flag and its one-click switch, replies to a nudge for the child's teacher,
 * and "1" as tip feedback.
 */

const FROM_A = '+15555550601';
const FROM_B = '+15555550602';
const SHARED = '+15555550611'; // a parent with children in both schools
const OTHER = '+15555550612';
const LANG = '+15555550613';
const WRITER = '+15555550614';
const NUDGED = '+15555550615';
const TWO_KIDS = '+15555550616';
const PASSWORD = 'family language passphrase';

const START = '2026-11-18T15:00:00Z'; // a Wednesday, 10:00 in New York
const clock = new TestClock(START);
let app: TestApp;
const fam = { sharedA: 0, sharedB: 0, other: 0, lang: 0, writer: 0, nudged: 0, twoKids: 0 };
const staffIds = { office: 0, teacherMia: 0, teacherNoa: 0, teacherLeo: 0, teacherWriter: 0 };
let writerTeacher: ConsoleClient;

async function text(from: string, body: string, to = FROM_A): Promise<number> {
  const res = await fetch(`${app.url}/sim/api/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, to, body }),
  });
  expect(res.status).toBe(200);
  const { sid } = await res.json();
  const row = await waitFor(() => first(app.deps.db.select().from(messages).where(and(eq(messages.providerSid, sid), eq(messages.direction, 'inbound')))));
  return row.id;
}

/** Waits until the background follow-up of an inbound text (answers, assignment, flags) has run. */
const followedUp = (messageId: number) =>
  waitFor(async () => {
    const job = await app.deps.queues.inbound.getJob(inboundJobId(messageId));
    return job && (await job.getState()) === 'completed';
  });

async function textAndWait(from: string, body: string, to = FROM_A): Promise<number> {
  const id = await text(from, body, to);
  await followedUp(id);
  return id;
}

const familyById = async (id: number) => (await first(app.deps.db.select().from(families).where(eq(families.id, id))))!;
const conversationOf = async (familyId: number) => (await first(app.deps.db.select().from(conversations).where(eq(conversations.familyId, familyId))))!;
const systemTextsTo = (to: string) =>
  app.deps.db.select().from(messages).where(and(eq(messages.toNumber, to), eq(messages.direction, 'outbound'), eq(messages.kind, 'system'))).orderBy(messages.id);

async function sendNudge(familyId: number, to: string, body: string) {
  const conversation = await getOrCreateConversation(app.deps.db, { schoolId: (await familyById(familyId)).schoolId, familyId, unmatchedNumber: null }, new Date(clock.now()).toISOString());
  const [nudge] = await queueOutbound(app.deps, { conversationId: conversation.id, recipients: [to], body, kind: 'nudge', language: 'en' });
  return nudge;
}

beforeAll(async () => {
  app = await startTestApp('family-language', { clock });
  const db = app.deps.db;
  const now = new Date(clock.now()).toISOString();
  const schoolA = await seedSchool(db, { name: 'Maple Street School', from: FROM_A });
  const schoolB = await seedSchool(db, { name: 'Cedar Middle School', from: FROM_B });
  const add = async (email: string, role: 'school_admin' | 'teacher', schoolId: number) =>
    (await addStaffWithToken(db, { email, role, schoolId, name: email.split('@')[0], password: PASSWORD }, now)).staff.id;
  staffIds.office = await add('office@maple.test', 'school_admin', schoolA.id);
  staffIds.teacherMia = await add('ms-lee@maple.test', 'teacher', schoolA.id);
  staffIds.teacherNoa = await add('mr-ortiz@maple.test', 'teacher', schoolA.id);
  staffIds.teacherLeo = await add('ms-kim@cedar.test', 'teacher', schoolB.id);
  staffIds.teacherWriter = await add('ms-park@maple.test', 'teacher', schoolA.id);

  const sharedA = await seedFamily(db, schoolA.id, { name: 'Lopez', guardians: [{ first: 'Rosa', phone: SHARED }], students: [{ first: 'Mia', grade: '3' }] });
  const sharedB = await seedFamily(db, schoolB.id, { name: 'Lopez', guardians: [{ first: 'Rosa', phone: SHARED }], students: [{ first: 'Leo', grade: '7' }] });
  const other = await seedFamily(db, schoolA.id, { name: 'Novak', guardians: [{ first: 'Ewa', phone: OTHER }], students: [{ first: 'Jan', grade: '2' }] });
  const lang = await seedFamily(db, schoolA.id, { name: 'Haddad', guardians: [{ first: 'Samir', phone: LANG }] });
  const writer = await seedFamily(db, schoolA.id, { name: 'Ramos', guardians: [{ first: 'Lucia', phone: WRITER }], students: [{ first: 'Pablo', grade: '4' }] });
  const nudged = await seedFamily(db, schoolA.id, { name: 'Bell', guardians: [{ first: 'Dana', phone: NUDGED }], students: [{ first: 'Nia', grade: '1' }] });
  const twoKids = await seedFamily(db, schoolA.id, {
    name: 'Moreau',
    guardians: [{ first: 'Claire', phone: TWO_KIDS }],
    students: [{ first: 'Mia', grade: '3' }, { first: 'Noa', grade: '5' }],
  });
  Object.assign(fam, {
    sharedA: sharedA.family.id, sharedB: sharedB.family.id, other: other.family.id, lang: lang.family.id,
    writer: writer.family.id, nudged: nudged.family.id, twoKids: twoKids.family.id,
  });
  const grade3 = await seedClass(db, schoolA.id, { title: 'Grade 3', teacherIds: [staffIds.teacherMia] });
  const grade5 = await seedClass(db, schoolA.id, { title: 'Grade 5', teacherIds: [staffIds.teacherNoa] });
  const grade4 = await seedClass(db, schoolA.id, { title: 'Grade 4', teacherIds: [staffIds.teacherWriter] });
  const grade7 = await seedClass(db, schoolB.id, { title: 'Grade 7', teacherIds: [staffIds.teacherLeo] });
  await enroll(db, grade3.id, [sharedA.students[0].id, twoKids.students[0].id, nudged.students[0].id]);
  await enroll(db, grade5.id, [twoKids.students[1].id]);
  await enroll(db, grade4.id, [writer.students[0].id]);
  await enroll(db, grade7.id, [sharedB.students[0].id]);

  writerTeacher = new ConsoleClient(app.url);
  expect((await writerTeacher.signIn('ms-park@maple.test', PASSWORD)).status).toBe(303);
});

afterEach(() => clock.set(START));

afterAll(async () => {
  await app.stop();
});

describe('LANG and its words in other languages', () => {
  test.each(templatedLanguages())('a family reading %s texts LANG and gets the choices, each in its own script, in its language', async (lng) => {
    await app.deps.db.update(families).set({ language: lng }).where(eq(families.id, fam.lang));
    const before = (await systemTextsTo(LANG)).length;
    const id = await textAndWait(LANG, ' lang ');
    const answers = await waitFor(async () => {
      const rows = await systemTextsTo(LANG);
      return rows.length > before ? rows.slice(before) : null;
    });
    expect(answers).toHaveLength(1);
    expect(answers[0].language).toBe(lng);
    expect(answers[0].body).toContain(languageChoices());
    expect(answers[0].body.startsWith('Maple Street School')).toBe(true);
    // Answered by FamilyLine: in the thread, but nobody has to read it.
    expect((await conversationOf(fam.lang)).unreadCount).toBe(0);
    expect((await first(app.deps.db.select().from(messages).where(eq(messages.id, id))))!.conversationId).toBe((await conversationOf(fam.lang)).id);
  });

  test.each([
    ['IDIOMA', 'es'],
    ['jezyk', 'pl'],
    ['JĘZYK', 'pl'],
    ['Língua', 'pt'],
    ['lingua!', 'pt'],
    ['لغة', 'ar'],
  ])('%j is answered in the language of the word, whatever the family reads', async (word, lng) => {
    await app.deps.db.update(families).set({ language: 'en' }).where(eq(families.id, fam.lang));
    const before = (await systemTextsTo(LANG)).length;
    await textAndWait(LANG, word);
    const answer = await waitFor(async () => (await systemTextsTo(LANG))[before]);
    expect(answer.language).toBe(lng);
    expect(answer.body).toContain('English · Español · Português · Polski · العربية');
    expect((await conversationOf(fam.lang)).unreadCount).toBe(0);
  });
});

describe('a choice by text holds for every family of the number', () => {
  test('a language name texted to one school switches the families in both schools, with one confirmation', async () => {
    await textAndWait(SHARED, 'Español');
    for (const id of [fam.sharedA, fam.sharedB]) expect(await familyById(id)).toMatchObject({ language: 'es', languageSource: 'text', languageSuggestion: null });
    expect((await familyById(fam.other)).language).toBe('en');
    const confirmations = await systemTextsTo(SHARED);
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]).toMatchObject({ language: 'es', fromNumber: FROM_A });
  });

  test('PAUSE texted to the second school pauses the families in both, for four weeks', async () => {
    await textAndWait(SHARED, 'pausa', FROM_B);
    const until = new Date(Date.parse(START) + 28 * 86_400_000).toISOString();
    for (const id of [fam.sharedA, fam.sharedB]) expect((await familyById(id)).pausedUntil).toBe(until);
    expect((await familyById(fam.other)).pausedUntil).toBeNull();
    const confirmations = await systemTextsTo(SHARED);
    expect(confirmations).toHaveLength(2);
    expect(confirmations[1]).toMatchObject({ language: 'es', fromNumber: FROM_B });
  });
});

describe('"may prefer Spanish"', () => {
  const spanish = [
    'Buenos días maestra, Pablo no pudo terminar la tarea de matemáticas anoche.',
    'Muchas gracias por avisarnos, vamos a leer juntos esta noche en casa.',
    '¿A qué hora termina la reunión de padres el jueves? Trabajo hasta las cinco.',
  ];

  test('three replies in Spanish from an English family flag it; keywords, digits and short replies do not count', async () => {
    await textAndWait(WRITER, spanish[0]);
    await textAndWait(WRITER, 'ok gracias');
    await textAndWait(WRITER, spanish[1]);
    await textAndWait(WRITER, '1');
    expect((await familyById(fam.writer)).languageSuggestion).toBeNull();
    await textAndWait(WRITER, spanish[2]);
    expect(await familyById(fam.writer)).toMatchObject({ language: 'en', languageSuggestion: 'es' });

    const token = (await addStaffWithToken(app.deps.db, { email: 'office@maple.test' }, new Date(clock.now()).toISOString())).token;
    const res = await fetch(`${app.url}/api/v1/families/${fam.writer}`, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.json()).toMatchObject({ language: 'en', languageSource: 'roster', languageSuggestion: 'es' });
  });

  test("the child's teacher sees it on the conversation and switches with one click (a CSRF-protected POST)", async () => {
    const conversationId = (await conversationOf(fam.writer)).id;
    const page = await writerTeacher.get(`/console/conversations/${conversationId}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('may prefer Spanish');
    expect(page.html).toContain(`action="/console/families/${fam.writer}/language"`);

    const forged = await writerTeacher.post(`/console/families/${fam.writer}/language`, { language: 'es', conversationId: String(conversationId) }, { csrf: null });
    expect(forged.status).toBe(403);
    expect((await familyById(fam.writer)).language).toBe('en');

    await writerTeacher.get(`/console/conversations/${conversationId}`);
    const switched = await writerTeacher.post(`/console/families/${fam.writer}/language`, { language: 'es', conversationId: String(conversationId) });
    expect(switched.status).toBe(303);
    expect(switched.location).toBe(`/console/conversations/${conversationId}#language`);
    expect(await familyById(fam.writer)).toMatchObject({ language: 'es', languageSource: 'staff', languageSuggestion: null });

    const after = await writerTeacher.get(`/console/conversations/${conversationId}`);
    expect(after.html).toContain('Texts to this family now go out in Spanish.');
    expect(after.html).not.toContain('may prefer');
    const family = await writerTeacher.get(`/console/families/${fam.writer}`);
    expect(family.html).toContain('Texts go out in Spanish.');
    expect(family.html).not.toContain('may prefer');

    // A second click on the old page changes nothing and says why.
    const again = await writerTeacher.post(`/console/families/${fam.writer}/language`, { language: 'pt' });
    expect(again.status).toBe(303);
    expect((await familyById(fam.writer)).language).toBe('es');
    expect((await writerTeacher.get(`/console/families/${fam.writer}`)).html).toContain('This suggestion has changed');

    // More Spanish now matches the family's language: nothing to suggest.
    await textAndWait(WRITER, spanish[0]);
    expect((await familyById(fam.writer)).languageSuggestion).toBeNull();
  });
});

describe('replies to a nudge', () => {
  test("a reply after a nudge goes to the child's teacher, not to whoever texted before the nudge", async () => {
    const conversation = await getOrCreateConversation(app.deps.db, { schoolId: (await familyById(fam.nudged)).schoolId, familyId: fam.nudged, unmatchedNumber: null }, START);
    await sendStaffReply(app.deps, { conversationId: conversation.id, staffId: staffIds.office, body: 'Picture day is Friday.' });
    clock.set('2026-11-21T14:30:00Z'); // Saturday 09:30
    await sendNudge(fam.nudged, NUDGED, 'Nia is reading every night. This week: ask her to retell a story. Reply 1 if you tried it.');
    clock.set('2026-11-21T16:00:00Z');
    await textAndWait(NUDGED, 'We read the dragon book together, she loved it! Is she reading at home enough?');
    expect((await conversationOf(fam.nudged)).assignedStaffId).toBe(staffIds.teacherMia);
  });

  test('"1" is recorded as tip feedback and is not an unread message; the thread still shows it', async () => {
    clock.set('2026-11-21T16:05:00Z');
    const before = await conversationOf(fam.nudged);
    const nudge = await sendNudge(fam.nudged, NUDGED, 'Try counting stairs with Nia. Reply 1 if you tried it.');
    clock.set('2026-11-22T15:00:00Z'); // Sunday
    const reply = await textAndWait(NUDGED, ' 1 ');
    expect((await conversationOf(fam.nudged)).unreadCount).toBe(before.unreadCount);
    const rows = await app.deps.db.select().from(tipFeedback).where(eq(tipFeedback.familyId, fam.nudged));
    expect(rows).toEqual([expect.objectContaining({ messageId: reply, nudgeMessageId: nudge.id, digit: 1 })]);
    expect((await first(app.deps.db.select().from(messages).where(eq(messages.id, reply))))!).toMatchObject({ conversationId: before.id, body: ' 1 ' });
    // Its follow-up run again (a retried job) records nothing more.
    const job = await app.deps.queues.inbound.getJob(inboundJobId(reply));
    await job!.retry('completed');
    await followedUp(reply);
    expect(await app.deps.db.select().from(tipFeedback).where(eq(tipFeedback.familyId, fam.nudged))).toHaveLength(1);
  });

  test('"1" not after a nudge (or a week after it) is an ordinary, unread reply', async () => {
    clock.set('2026-12-01T15:00:00Z'); // ten days after the last nudge
    const before = (await conversationOf(fam.nudged)).unreadCount;
    await textAndWait(NUDGED, '1');
    expect((await conversationOf(fam.nudged)).unreadCount).toBe(before + 1);
    expect(await app.deps.db.select().from(tipFeedback).where(eq(tipFeedback.familyId, fam.nudged))).toHaveLength(1);
  });

  test('with two children: a reply naming one goes to that child\'s teacher; one naming neither to the first child\'s homeroom', async () => {
    clock.set('2026-11-21T14:30:00Z');
    await sendNudge(fam.twoKids, TWO_KIDS, 'Mia: reading well. Noa: 2 missing assignments. Reply 1 if you tried it.');
    clock.set('2026-11-21T15:00:00Z');
    await textAndWait(TWO_KIDS, 'Which assignments is Noa missing? We will finish them tomorrow.');
    expect((await conversationOf(fam.twoKids)).assignedStaffId).toBe(staffIds.teacherNoa);
    await sendNudge(fam.twoKids, TWO_KIDS, 'Mia and Noa: try a cooking math game. Reply 1 if you tried it.');
    await textAndWait(TWO_KIDS, 'Thank you for the ideas, we will try this weekend.');
    expect((await conversationOf(fam.twoKids)).assignedStaffId).toBe(staffIds.teacherMia);
  });
});

test('nothing here left a family of another number changed', async () => {
  const rows = await app.deps.db.select().from(families).where(inArray(families.id, [fam.other]));
  expect(rows[0]).toMatchObject({ language: 'en', pausedUntil: null, languageSuggestion: null });
});
