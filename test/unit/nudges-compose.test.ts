import { t } from '../../src/i18n/i18n';
import { segmentInfo } from '../../src/i18n/segments';
import { composeNudge, MAX_NOTE_CHARS, MAX_SEGMENTS, nudgeLanguage, progressLine, type NudgeChild } from '../../src/nudges/compose';
import { allTips } from '../../src/nudges/tips';

const WEEK = '2026-11-16';
const LANGUAGES = ['en', 'es', 'pt', 'pl', 'ar'];
const NAMES: Record<string, [string, string, string]> = {
  en: ['Valentina', 'Mateo', 'Lucia'],
  es: ['Valentina', 'Mateo', 'Guadalupe'],
  pt: ['Valentina', 'Guilherme', 'Ana'],
  pl: ['Małgorzata', 'Jakub', 'Zofia'],
  ar: ['ليلى', 'عبد الرحمن', 'يوسف'],
};

function child(over: Partial<NudgeChild> = {}): NudgeChild {
  return { studentId: 301, firstName: 'Valentina', grade: '4', currentUnit: 'Fractions', progress: [], recentTipIds: [], ...over };
}

function threeChildren(lng = 'en'): NudgeChild[] {
  const [a, b, c] = NAMES[lng];
  return [
    child({ studentId: 301, firstName: a, grade: '4', currentUnit: 'Fractions', progress: [{ kind: 'missing_assignments', value: '2', week: WEEK }] }),
    child({ studentId: 302, firstName: b, grade: 'K', currentUnit: 'Counting to 20', progress: [] }),
    child({ studentId: 303, firstName: c, grade: '10', currentUnit: 'Persuasive essays', progress: [{ kind: 'absences', value: '3', week: WEEK }] }),
  ];
}

const tipText = (lng: string, tipId: string, name: string) => t(lng, `tips:${tipId}`, { child: name });

describe('one text per family', () => {
  test('three children → one text naming all three, a tip for each, ending with the reply prompt', () => {
    const kids = threeChildren();
    const nudge = composeNudge({ language: 'en', teacherName: 'Ms. Lee', children: kids, seed: 'family-40:2026-W47' });
    for (const kid of kids) expect(nudge.text).toContain(kid.firstName);
    expect(nudge.tips.map((tip) => tip.studentId)).toEqual([301, 302, 303]);
    for (const [i, tip] of nudge.tips.entries()) expect(nudge.text).toContain(tipText('en', tip.tipId, kids[i].firstName));
    expect(new Set(nudge.tips.map((tip) => tip.tipId)).size).toBe(3);
    expect(nudge.text.endsWith('Reply with a question for Ms. Lee. Tried it? Reply 1.')).toBe(true);
    expect(nudge).toMatchObject({ language: 'en', encoding: 'GSM-7' });
    expect(nudge.segments).toBe(segmentInfo(nudge.text).segments);
  });

  test('each tip fits the child: band and, when it can, the class unit', () => {
    const nudge = composeNudge({ language: 'en', teacherName: null, children: threeChildren(), seed: 's' });
    const byId = new Map(allTips().map((tip) => [tip.id, tip]));
    const [four, k, ten] = nudge.tips.map((tip) => byId.get(tip.tipId)!);
    expect(four).toMatchObject({ band: '3-5' });
    expect(four.skills).toContain('fractions');
    expect(k).toMatchObject({ band: 'prek-k' });
    expect(k.skills).toContain('counting');
    expect(ten).toMatchObject({ band: '9-12' });
  });

  test('twins in one class never get the same tip in one text', () => {
    const twins = [child({ studentId: 1, firstName: 'Ana' }), child({ studentId: 2, firstName: 'Eva' })];
    const nudge = composeNudge({ language: 'en', teacherName: null, children: twins, seed: 'f' });
    expect(nudge.tips[0].tipId).not.toBe(nudge.tips[1].tipId);
  });

  test('a recent tip is not repeated, and the same seed gives the same text', () => {
    const first = composeNudge({ language: 'es', teacherName: 'Sra. Lee', children: [child()], seed: 'f:W47' });
    expect(composeNudge({ language: 'es', teacherName: 'Sra. Lee', children: [child()], seed: 'f:W47' })).toEqual(first);
    const next = composeNudge({ language: 'es', teacherName: 'Sra. Lee', children: [child({ recentTipIds: [first.tips[0].tipId] })], seed: 'f:W47' });
    expect(next.tips[0].tipId).not.toBe(first.tips[0].tipId);
  });

  test('the learning line says what the class is learning now', () => {
    const nudge = composeNudge({ language: 'en', teacherName: null, children: [child({ progress: [] })], seed: 's' });
    expect(nudge.text).toContain('In class now: Fractions.');
    expect(nudge.dropped).toEqual([]);
    // No class unit: the freshest current_unit record stands in; none at all, no learning line.
    const fromRecord = composeNudge({
      language: 'en', teacherName: null, seed: 's',
      children: [child({ currentUnit: null, progress: [{ kind: 'current_unit', value: 'Measurement.', week: WEEK }] })],
    });
    expect(fromRecord.text).toContain('In class now: Measurement.');
    const none = composeNudge({ language: 'en', teacherName: null, children: [child({ currentUnit: null })], seed: 's' });
    expect(none.text).not.toContain('In class now');
  });

  test('a school name opens the text, so a parent of children in two schools tells them apart', () => {
    const nudge = composeNudge({ language: 'en', teacherName: null, children: [child()], seed: 's', schoolName: 'Lincoln Elementary' });
    expect(nudge.text.startsWith('Happy weekend from Lincoln Elementary!\n')).toBe(true);
  });
});

describe('reply prompt', () => {
  test.each([
    ['en', 'Ms. Lee', 'Reply with a question for Ms. Lee.'],
    ['es', 'Sra. Lee', 'Responda con su pregunta para Sra. Lee.'],
    ['pt', 'Prof. Lee', 'Responda com sua pergunta para Prof. Lee.'],
    ['pl', 'Pani Lee', 'Pani Lee chętnie odpowie na pytania'],
    ['ar', 'أ. لي', 'ردّوا بسؤالكم إلى أ. لي.'],
  ])('%s names the teacher', (lng, teacher, expected) => {
    const nudge = composeNudge({ language: lng, teacherName: teacher, children: [child()], seed: 's' });
    expect(nudge.text.split('\n').at(-1)).toContain(expected);
    expect(nudge.text.split('\n').at(-1)).toMatch(/1\.$/);
  });

  test('without a teacher name it still invites a question', () => {
    const nudge = composeNudge({ language: 'en', teacherName: null, children: [child()], seed: 's' });
    expect(nudge.text.endsWith('Reply with any question. Tried it? Reply 1.')).toBe(true);
  });
});

describe('language', () => {
  test.each(['fr', 'ru', 'vi', 'zh', 'so', 'xx'])('%s has no tips or nudges yet: English, and the result says so', (lng) => {
    const nudge = composeNudge({ language: lng, teacherName: 'Ms. Lee', children: [child()], seed: 's' });
    expect(nudge.language).toBe('en');
    expect(nudge.text).toBe(composeNudge({ language: 'en', teacherName: 'Ms. Lee', children: [child()], seed: 's' }).text);
  });

  test('regional codes and names find the language', () => {
    expect(nudgeLanguage('es-MX')).toBe('es');
    expect(nudgeLanguage('Português')).toBe('pt');
    expect(nudgeLanguage('Polski')).toBe('pl');
  });

  describe.each(LANGUAGES)('%s renders', (lng) => {
    test('one child and three children, every line in the language, no slot left', () => {
      expect(nudgeLanguage(lng)).toBe(lng);
      for (const kids of [threeChildren(lng).slice(0, 1), threeChildren(lng)]) {
        const nudge = composeNudge({ language: lng, teacherName: 'Lee', children: kids, seed: `${lng}-family` });
        expect(nudge.language).toBe(lng);
        expect(nudge.text).not.toMatch(/{{|}}|undefined|null/);
        for (const kid of kids) expect(nudge.text).toContain(kid.firstName);
        for (const [i, tip] of nudge.tips.entries()) expect(nudge.text).toContain(tipText(lng, tip.tipId, kids[i].firstName));
        expect(nudge.segments).toBe(segmentInfo(nudge.text).segments);
        if (lng !== 'en') expect(nudge.text).not.toContain('10-minute idea');
      }
    });
  });
});

describe('shortening', () => {
  test('a text that fits keeps every line', () => {
    const nudge = composeNudge({ language: 'en', teacherName: 'Ms. Lee', children: [child()], seed: 's' });
    expect(nudge.segments).toBeLessThanOrEqual(MAX_SEGMENTS);
    expect(nudge.dropped).toEqual([]);
    expect(nudge.shortened).toEqual([]);
    expect(nudge.text.split('\n')).toHaveLength(4);
  });

  test('over three segments the learning lines go first; the tips never do', () => {
    const kids = [
      child({ studentId: 1, firstName: 'Valentina', grade: '4', currentUnit: 'Multiplying fractions by whole numbers' }),
      child({ studentId: 2, firstName: 'Mateo', grade: '7', currentUnit: 'Ratios and proportional relationships' }),
    ];
    const full = composeNudge({ language: 'en', teacherName: 'Ms. Lee', children: kids.slice(0, 1), seed: 's' });
    expect(full.text).toContain('In class now');
    const nudge = composeNudge({ language: 'en', teacherName: 'Ms. Lee', children: kids, seed: 's' });
    expect(nudge.dropped).toEqual(['learning']);
    expect(nudge.text).not.toContain('In class now');
    for (const [i, tip] of nudge.tips.entries()) expect(nudge.text).toContain(tipText('en', tip.tipId, kids[i].firstName));
    expect(nudge.segments).toBeLessThanOrEqual(MAX_SEGMENTS);
  });

  test('still over: brief progress lines, then no opening; names, tips and the reply prompt stay', () => {
    const kids = threeChildren();
    const nudge = composeNudge({ language: 'en', teacherName: 'Ms. Lee', children: kids, seed: 'family-40:2026-W47' });
    expect(nudge.dropped).toEqual(['learning']);
    expect(nudge.shortened.length).toBeGreaterThan(0);
    expect(nudge.text).toContain('Valentina: 2 missing assignments.');
    expect(nudge.text).toContain('Lucia: 3 days missed.');
    expect(nudge.segments).toBeLessThanOrEqual(MAX_SEGMENTS);
    for (const [i, tip] of nudge.tips.entries()) expect(nudge.text).toContain(tipText('en', tip.tipId, kids[i].firstName));
    expect(nudge.text).toMatch(/Reply 1\.$/);
  });

  test('when three segments cannot be reached, tips stay whole and nothing is cut mid-word', () => {
    for (const lng of ['pl', 'ar']) {
      const kids = threeChildren(lng);
      const nudge = composeNudge({ language: lng, teacherName: 'Lee', children: kids, seed: 'x' });
      expect(nudge.segments).toBeGreaterThan(MAX_SEGMENTS);
      expect(nudge.tips).toHaveLength(3);
      for (const [i, tip] of nudge.tips.entries()) expect(nudge.text).toContain(tipText(lng, tip.tipId, kids[i].firstName));
      expect(nudge.text).toContain(t(lng, 'nudges:reply.teacher', { teacher: 'Lee' }));
    }
  });

  test('a step that would not save a segment is not taken', () => {
    const nudge = composeNudge({ language: 'es', teacherName: 'Sra. Lee', children: [child()], seed: 's', schoolName: 'Lincoln Elementary' });
    expect(nudge.segments).toBeGreaterThan(MAX_SEGMENTS);
    // The opening stays: the text without it would cost as many segments.
    expect(nudge.text.startsWith('¡Lincoln Elementary le desea un buen fin de semana!\n')).toBe(true);
    expect(nudge.shortened).not.toContain('opening');
    const withoutOpening = nudge.text.split('\n').slice(1).join('\n');
    expect(segmentInfo(withoutOpening).segments).toBe(nudge.segments);
  });
});

describe('progress lines', () => {
  const line = (lng: string, progress: NudgeChild['progress'], firstName = 'Valentina') => {
    const p = progressLine({ firstName, progress }, lng);
    return t(lng, `nudges:progress.${p.key}`, p.vars);
  };
  const rec = (kind: NudgeChild['progress'][number]['kind'], value: string | null, week = WEEK) => ({ kind, value, week });

  test('each kind of freshest record has its own English line', () => {
    expect(line('en', [rec('missing_assignments', '2')])).toBe('Valentina has 2 missing assignments; a plan to finish them would help.');
    expect(line('en', [rec('missing_assignments', '1')])).toBe('Valentina has 1 missing assignment; a plan to finish it would help.');
    expect(line('en', [rec('missing_assignments', '0')])).toBe('Valentina has no missing assignments. Well done!');
    expect(line('en', [rec('absences', '3')])).toBe('Valentina missed 3 days of school lately. Every day counts!');
    expect(line('en', [rec('absences', '1')])).toBe('Valentina missed 1 day of school lately. Every day counts!');
    expect(line('en', [rec('absences', '0')])).toBe('Valentina has not missed a day of school lately. Thank you!');
    expect(line('en', [rec('reading_level', 'M')])).toBe("Valentina's reading level: M.");
    expect(line('en', [rec('update', 'Valentina worked hard in math this week.')])).toBe('You recently got an update about Valentina from school.');
    expect(line('en', [rec('note', 'Great science fair project!')])).toBe('About Valentina: Great science fair project!');
    expect(line('en', [])).toBe('Valentina had a steady week, with nothing to flag.');
  });

  test('a note in another language or too long is not quoted; the family hears a note waits', () => {
    const waits = 'There is a note about Valentina from school; reply to get it.';
    expect(line('en', [{ ...rec('note', 'Muy buen trabajo'), language: 'es' }])).toBe(waits);
    expect(line('en', [rec('note', 'x'.repeat(MAX_NOTE_CHARS + 1))])).toBe(waits);
    expect(line('es', [{ ...rec('note', 'Muy buen trabajo en ciencias'), language: 'es' }])).toBe('Sobre Valentina: Muy buen trabajo en ciencias');
  });

  test('the freshest week wins; within it, what a parent most needs to hear', () => {
    const older = '2026-11-09';
    expect(line('en', [rec('reading_level', 'N'), rec('missing_assignments', '4', older)])).toBe("Valentina's reading level: N.");
    expect(line('en', [rec('absences', '0'), rec('reading_level', 'N'), rec('missing_assignments', '2')])).toMatch(/2 missing/);
    expect(line('en', [rec('missing_assignments', '0'), rec('absences', '2')])).toMatch(/missed 2 days/);
  });

  test('unusable records are passed over: a bad count, an empty note, a current unit', () => {
    expect(line('en', [rec('missing_assignments', 'lots'), rec('note', '  '), rec('current_unit', 'Fractions')])).toBe(
      'Valentina had a steady week, with nothing to flag.',
    );
    expect(line('en', [rec('absences', 'n/a'), rec('absences', '2', '2026-11-09')])).toMatch(/missed 2 days/);
  });

  test.each([
    [0, 'Małgorzata nie ma zaległych zadań. Brawo!'],
    [1, 'Małgorzata ma 1 zaległe zadanie;'],
    [3, 'Małgorzata ma 3 zaległe zadania;'],
    [5, 'Małgorzata ma 5 zaległych zadań;'],
    [22, 'Małgorzata ma 22 zaległe zadania;'],
    [25, 'Małgorzata ma 25 zaległych zadań;'],
  ])('Polish missing work, %i: its plural form', (count, expected) => {
    expect(line('pl', [rec('missing_assignments', String(count))], 'Małgorzata')).toContain(expected);
  });

  test.each([
    [1, 'Małgorzata ma ostatnio 1 nieobecność.'],
    [2, 'Małgorzata ma ostatnio 2 nieobecności.'],
    [5, 'Małgorzata ma ostatnio 5 nieobecności.'],
  ])('Polish absences, %i', (count, expected) => {
    expect(line('pl', [rec('absences', String(count))], 'Małgorzata')).toContain(expected);
  });

  test.each([
    [0, 'لا واجبات متأخرة لدى ليلى.'],
    [1, 'لدى ليلى واجب واحد متأخر'],
    [2, 'لدى ليلى واجبان متأخران'],
    [3, 'لدى ليلى 3 واجبات متأخرة'],
    [11, 'لدى ليلى 11 واجبًا متأخرًا'],
    [100, 'لدى ليلى 100 واجب متأخر'],
  ])('Arabic missing work, %i: its plural form', (count, expected) => {
    expect(line('ar', [rec('missing_assignments', String(count))], 'ليلى')).toContain(expected);
  });

  test.each([
    [1, 'غياب يوم واحد'],
    [2, 'غياب يومين'],
    [4, 'غياب 4 أيام'],
    [15, 'غياب 15 يومًا'],
  ])('Arabic absences, %i', (count, expected) => {
    expect(line('ar', [rec('absences', String(count))], 'ليلى')).toContain(expected);
  });

  test.each(LANGUAGES)('%s: every kind renders, full and brief, for counts reaching every plural form', (lng) => {
    const [name] = NAMES[lng];
    const records: NudgeChild['progress'][] = [
      [], [rec('reading_level', 'M')], [rec('update', 'x')], [rec('note', 'ok', WEEK)], [{ ...rec('note', 'ok'), language: 'de' }],
      ...[0, 1, 2, 3, 5, 11, 22, 100].flatMap((n) => [[rec('missing_assignments', String(n))], [rec('absences', String(n))]]),
    ];
    for (const progress of records) {
      const p = progressLine({ firstName: name, progress }, lng);
      for (const text of [t(lng, `nudges:progress.${p.key}`, p.vars), p.brief ? t(lng, `nudges:brief.${p.brief}`, p.vars) : '']) {
        expect(text).not.toMatch(/{{|}}/);
        if (text) expect(text).toContain(name);
      }
    }
  });
});
