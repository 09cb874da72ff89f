import { startTestApp, waitFor, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { ConsoleClient } from '../helpers/console';
import { enroll, seedClass, seedFamily, seedSchool } from '../helpers/seed';
import { addStaffWithToken } from '../../src/staff/accounts';
import { renderUpdate } from '../../src/updates/sentence-bank';
import { segmentInfo } from '../../src/i18n/segments';

/**
 * The update composer over HTTP, as a browser with JS off uses it: fill rows, preview (Spanish
 * text, segments, one text for siblings, who does not get it and why), send exactly that once
 * (a repeated Send texts nobody), a preview gone stale is not sent, CSV rows with line numbers.
 */

let app: TestApp;
const clock = new TestClock('2026-11-18T15:00:00Z'); // Wednesday 10:00 in New York
const FROM = '+15555550801';
const PASSWORD = 'composer test passphrase';
const PHONES = { rosa: '+15555550811', hai: '+15555550812', kim: '+15555550813', omar: '+15555550814', olu: '+15555550815' };
const ids = { classId: 0, maria: 0, tam: 0, lin: 0, ade: 0, sara: 0, garcia: 0, nguyen: 0, other: 0 };
let teacher: ConsoleClient;

beforeAll(async () => {
  app = await startTestApp('console-composer', { clock });
  const db = app.deps.db;
  const now = new Date(clock.now()).toISOString();
  const school = await seedSchool(db, { from: FROM });
  const lee = (await addStaffWithToken(db, { email: 'lee@composer.test', role: 'teacher', schoolId: school.id, name: 'Ms. Lee', password: PASSWORD }, now)).staff;
  await addStaffWithToken(db, { email: 'park@composer.test', role: 'teacher', schoolId: school.id, name: 'Mr. Park', password: PASSWORD }, now);
  const garcia = await seedFamily(db, school.id, { name: 'Garcia', language: 'es', guardians: [{ first: 'Rosa', phone: PHONES.rosa }], students: [{ first: 'Maria', grade: '3' }] });
  const nguyen = await seedFamily(db, school.id, { name: 'Nguyen', guardians: [{ first: 'Hai', phone: PHONES.hai }], students: [{ first: 'Tam', grade: '3' }, { first: 'Lin', grade: '3' }] });
  const okafor = await seedFamily(db, school.id, {
    name: 'Okafor',
    guardians: [{ first: 'Olu', phone: PHONES.olu }, { first: 'Omar', phone: PHONES.omar, noContact: ['Ade'] }],
    students: [{ first: 'Ade', grade: '3' }],
  });
  const kim = await seedFamily(db, school.id, { name: 'Kim', guardians: [{ first: 'Kim', phone: PHONES.kim }], students: [{ first: 'Sara', grade: '3' }] });
  ids.garcia = garcia.family.id;
  ids.nguyen = nguyen.family.id;
  ids.maria = garcia.students[0].id;
  [ids.tam, ids.lin] = nguyen.students.map((s) => s.id);
  ids.ade = okafor.students[0].id;
  ids.sara = kim.students[0].id;
  const klass = await seedClass(db, school.id, { title: 'Grade 3 Reading', teacherIds: [lee.id] });
  ids.classId = klass.id;
  await enroll(db, klass.id, [ids.maria, ids.tam, ids.lin, ids.ade, ids.sara]);
  // Kim opted out of the school's texts.
  await fetch(`${app.url}/sim/api/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: PHONES.kim, to: FROM, body: 'STOP' }) });
  teacher = new ConsoleClient(app.url);
  expect((await teacher.signIn('lee@composer.test', PASSWORD)).status).toBe(303);
  await waitFor(async () => (await received(PHONES.kim)).length > 0); // the STOP confirmation: the opt-out is recorded
});

afterAll(async () => {
  await app.stop();
});

const received = async (to: string): Promise<{ body: string; status: string }[]> =>
  (await (await fetch(`${app.url}/sim/api/messages?to=${encodeURIComponent(to)}`)).json()).items;

const composer = () => `/console/classes/${ids.classId}/updates`;

/** The hidden fields of the preview's send form, as the browser would post them. */
function sendFields(html: string): Record<string, string> {
  const form = /<form method="post" action="[^"]+\/send" id="send-form">([\s\S]*?)<\/form>/.exec(html)?.[1];
  if (!form) throw new Error('no send form on the page');
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const out: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]] = unescape(m[2]);
  return out;
}

const card = (html: string, familyId: number) => new RegExp(`data-family-id="${familyId}">([\\s\\S]*?)</li>\\n(?=\\s*<li class="card"|\\s*</ol>)`).exec(html)?.[1] ?? '';

test('the composer lists each student as a fieldset with a labelled template picker, grouped by topic, and the teacher’s name filled in', async () => {
  const page = await teacher.get(composer());
  expect(page.status).toBe(200);
  expect(page.html).toContain('<legend>Maria Garcia</legend>');
  expect(page.html).toContain(`<label for="s${ids.maria}_template">Sentence for Maria Garcia</label>`);
  expect(page.html).toMatch(/<optgroup label="Praise">[\s\S]*reading with more confidence[\s\S]*<optgroup label="Practice at home">/);
  expect(page.html).toContain(`id="s${ids.tam}_teacher" name="s${ids.tam}_teacher" value="Ms. Lee"`);
  expect(page.html).toContain(`<label for="s${ids.lin}_text">Or your own words about Lin</label>`);
  // The class page and the nav lead here; a teacher has no admin sections.
  expect((await teacher.get(`/console/classes/${ids.classId}`)).html).toContain(`href="${composer()}"`);
  expect(page.html).toContain('href="/console/updates"');
  expect(page.html).not.toContain('href="/console/imports"');
});

test('a slot left empty is shown next to its field; nothing else is lost', async () => {
  const res = await teacher.post(composer(), { action: 'preview', language: 'en', [`s${ids.tam}_template`]: 'practice.skill', [`s${ids.tam}_subject`]: 'math', [`s${ids.lin}_text`]: 'Lin was a great help today.' });
  expect(res.status).toBe(400);
  expect(res.html).toMatch(new RegExp(`id="s${ids.tam}_skill"[^>]*aria-invalid="true"[^>]*>\\s*<span class="alert" id="s${ids.tam}_skill-error">This template needs a skill.</span>`));
  expect(res.html).toContain('Lin was a great help today.</textarea>');
  expect(res.html).not.toContain('id="send-form"');
  const nothing = await teacher.post(composer(), { action: 'preview', language: 'en' });
  expect(nothing.status).toBe(400);
  expect(nothing.html).toContain('Nothing to preview yet');
});

test('"same for everyone" fills every blank student and keeps the ones already written', async () => {
  const res = await teacher.post(composer(), { action: 'fill', language: 'en', all_template: 'praise.effort', all_subject: 'reading', [`s${ids.lin}_text`]: 'Lin was a great help today.' });
  expect(res.status).toBe(200);
  for (const id of [ids.maria, ids.tam, ids.ade, ids.sara]) {
    expect(res.html).toMatch(new RegExp(`id="s${id}_template"[\\s\\S]*?<option value="praise.effort"[^>]* selected>`));
    expect(res.html).toContain(`id="s${id}_subject" name="s${id}_subject" value="reading"`);
  }
  expect(res.html).toContain('Lin was a great help today.</textarea>');
});

test('preview: Spanish for the Garcias with its segments, one text naming both Nguyen children, and who will not get it and why', async () => {
  await teacher.get(composer());
  const res = await teacher.post(composer(), {
    action: 'preview',
    language: 'en',
    [`s${ids.maria}_template`]: 'praise.reading',
    [`s${ids.tam}_template`]: 'practice.skill',
    [`s${ids.tam}_subject`]: 'math',
    [`s${ids.tam}_skill`]: 'times tables',
    [`s${ids.lin}_text`]: 'Lin was a great help today.',
    [`s${ids.ade}_template`]: 'attendance.perfect',
    [`s${ids.sara}_template`]: 'praise.kindness',
  });
  expect(res.status).toBe(200);
  const spanish = renderUpdate({ language: 'es', template: 'praise.reading', child: 'Maria', slots: {} }).text;
  const garcia = card(res.html, ids.garcia);
  expect(garcia).toContain(`<p class="sms" lang="es" dir="auto">${spanish.replace(/'/g, '&#39;').replace(/"/g, '&quot;')}</p>`);
  const seg = segmentInfo(spanish);
  expect(garcia).toContain(`Spanish</span> · <span class="encoding">${seg.encoding}</span> · <span class="segments">${seg.segments} ${seg.segments === 1 ? 'segment' : 'segments'}</span> · ${seg.characters} characters`);
  expect(garcia).toContain('Goes to: Rosa Garcia (');
  const nguyen = card(res.html, ids.nguyen);
  expect(nguyen).toContain('about Tam and Lin');
  expect(nguyen).toContain('Lin was a great help today.');
  expect(res.html).toMatch(/Will not get it: Omar Okafor, who may not be contacted about this child \(no-contact order\)\./);
  expect(res.html).toMatch(/Will not get it: Kim Kim at [^,]+, who opted out of texts from the school\./);
  expect(res.html).toContain('Nobody in this family will get this text.');
  // The form is still filled in below the preview, and the send form carries what was shown.
  expect(res.html).toContain(`id="s${ids.tam}_skill" name="s${ids.tam}_skill" value="times tables"`);
  const fields = sendFields(res.html);
  expect(JSON.parse(fields.items)).toHaveLength(5);
  expect(fields.requestId).toMatch(/^[A-Za-z0-9_-]{16,}$/);
  expect(res.html).toMatch(/<button type="submit" id="send-button">Send 3 texts<\/button>/);
});

test('free text to a Spanish family says it will arrive in English when no translation service is set', async () => {
  const res = await teacher.post(composer(), { action: 'preview', language: 'en', [`s${ids.maria}_text`]: 'Maria read a whole chapter aloud today.' });
  expect(res.status).toBe(200);
  expect(card(res.html, ids.garcia)).toMatch(/this family reads Spanish, and the text will arrive in English, as written/);
});

test('send: exactly what was previewed, once, then the result with links to the conversations', async () => {
  const preview = await teacher.post(composer(), {
    action: 'preview',
    language: 'en',
    [`s${ids.maria}_template`]: 'praise.reading',
    [`s${ids.tam}_template`]: 'praise.kindness',
    [`s${ids.lin}_template`]: 'praise.kindness',
  });
  const fields = sendFields(preview.html);
  const first = await teacher.post(`${composer()}/send`, fields);
  expect(first.status).toBe(303);
  expect(first.location).toBe(`${composer()}/sent/${fields.requestId}`);
  const again = await teacher.post(`${composer()}/send`, fields); // a double submit
  expect(again.status).toBe(303);
  expect(again.location).toBe(first.location);
  const result = await teacher.get(first.location!);
  expect(result.status).toBe(200);
  expect(result.html).toContain('2 texts queued to send now.');
  expect(result.html).toContain(`href="/console/families/${ids.garcia}"`);
  const spanish = renderUpdate({ language: 'es', template: 'praise.reading', child: 'Maria', slots: {} }).text;
  await waitFor(async () => (await received(PHONES.rosa)).find((m) => m.body === spanish && m.status === 'delivered'));
  const nguyen = await waitFor(async () => {
    const got = await received(PHONES.hai);
    return got.length ? got : null;
  });
  expect(nguyen).toHaveLength(1);
  expect(nguyen[0].body).toMatch(/Tam[\s\S]*Lin/);
  expect((await received(PHONES.rosa)).filter((m) => m.body === spanish)).toHaveLength(1);
  expect(await received(PHONES.kim)).toHaveLength(1); // the STOP confirmation only
  // Another teacher cannot open this result, nor this class's composer.
  const park = new ConsoleClient(app.url);
  await park.signIn('park@composer.test', PASSWORD);
  expect((await park.get(first.location!)).status).toBe(404);
  expect((await park.get(composer())).status).toBe(404);
});

test('a preview gone stale (a parent opted out since) is not sent: the new preview is shown instead', async () => {
  const preview = await teacher.post(composer(), { action: 'preview', language: 'en', [`s${ids.ade}_template`]: 'praise.kindness' });
  const fields = sendFields(preview.html);
  await fetch(`${app.url}/sim/api/inbound`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: PHONES.olu, to: FROM, body: 'STOP' }) });
  await waitFor(async () => (await received(PHONES.olu)).length > 0);
  const res = await teacher.post(`${composer()}/send`, fields);
  expect(res.status).toBe(409);
  expect(res.html).toContain('Nothing was sent: something changed since your preview');
  expect(res.html).toContain('Nobody in this family will get this text.');
  expect((await received(PHONES.olu)).filter((m) => /Ade/.test(m.body))).toHaveLength(0);
});

test('a send form that was tampered with is a 400 page, never a 500', async () => {
  await teacher.get(composer());
  const res = await teacher.post(`${composer()}/send`, { items: '[{"studentId":"x"}]', language: 'en', requestId: 'abcdefghijklmnopq', digest: 'abcdefghijklmnopqrstuvwxyz' });
  expect(res.status).toBe(400);
  expect(res.html).toContain('could not be read');
});

test('CSV: row errors name their lines and block the send; a right file previews and can be sent', async () => {
  await teacher.get(composer());
  const bad = await teacher.upload(`${composer()}/csv`, {}, {
    name: 'updates.csv',
    content: `student_id,template,subject,skill\n${ids.maria},praise.effort,reading,\nabc,praise.reading,,\n${ids.tam},practice.skill,math,\n999999,praise.reading,,\n`,
  });
  expect(bad.status).toBe(400);
  expect(bad.html).toContain('Line 3: student_id &quot;abc&quot; is not a student id');
  expect(bad.html).toMatch(/Line 4: skill this template needs a skill/);
  expect(bad.html).toMatch(/Line 5: studentId student 999999 is not in this class/);
  expect(bad.html).not.toContain('id="send-form"');

  await teacher.get(composer());
  const good = await teacher.upload(`${composer()}/csv`, {}, { name: 'updates.csv', content: `student_id,free_text\n${ids.tam},"Tam finished the reading log."\n` });
  expect(good.status).toBe(200);
  expect(card(good.html, ids.nguyen)).toContain('Tam finished the reading log.');
  const sent = await teacher.post(`${composer()}/send`, sendFields(good.html));
  expect(sent.status).toBe(303);
  await waitFor(async () => (await received(PHONES.hai)).find((m) => m.body.includes('Tam finished the reading log.')));

  const missing = await teacher.upload(`${composer()}/csv`, {}, null);
  expect(missing.status).toBe(400);
  expect(missing.html).toContain('Choose a CSV file to upload.');
  const noToken = await teacher.upload(`${composer()}/csv`, {}, { name: 'x.csv', content: 'student_id,free_text\n' }, { csrf: null });
  expect(noToken.status).toBe(403);
});
