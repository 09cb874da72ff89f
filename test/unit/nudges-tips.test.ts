import fs from 'node:fs';
import path from 'node:path';
import { TEMPLATES_DIR, t } from '../../src/i18n/i18n';
import { segmentInfo } from '../../src/i18n/segments';
import { TIP_TAGS } from '../../src/nudges/tip-tags';
import {
  allTips,
  GRADE_BANDS,
  gradeBand,
  hasTipLibrary,
  pickTip,
  renderTip,
  TIP_SUBJECTS,
  type GradeBand,
} from '../../src/nudges/tips';

/** The languages with a tip library, and a typical (longish) first name in each. */
const TYPICAL_NAME: Record<string, string> = {
  en: 'Valentina',
  es: 'Guadalupe',
  pt: 'Guilherme',
  pl: 'Małgorzata',
  ar: 'عبد الرحمن',
};
const LIBRARY = Object.keys(TYPICAL_NAME);
const tips = allTips();

function tipFile(lng: string): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIR, lng, 'tips.json'), 'utf8'));
}

describe('the library', () => {
  test('at least 80 tips with unique ids', () => {
    expect(tips.length).toBeGreaterThanOrEqual(80);
    expect(new Set(tips.map((tip) => tip.id)).size).toBe(tips.length);
  });

  test.each(GRADE_BANDS.flatMap((band) => TIP_SUBJECTS.map((subject) => [band, subject] as const)))(
    '%s × %s has at least 4 tips',
    (band, subject) => {
      expect(tips.filter((tip) => tip.band === band && tip.subject === subject).length).toBeGreaterThanOrEqual(4);
    },
  );

  test('every tip has skills a unit can match, in lower case', () => {
    for (const tip of tips) {
      expect(tip.skills.length).toBeGreaterThan(0);
      for (const skill of tip.skills) expect(skill).toBe(skill.toLowerCase());
    }
  });

  test.each(LIBRARY)('%s has a text for every tagged tip and no stray ids', (lng) => {
    const ids = Object.keys(tipFile(lng)).sort();
    expect(ids).toEqual(TIP_TAGS.map(([id]) => id).sort());
    expect(hasTipLibrary(lng)).toBe(true);
  });

  test('languages without a library read English tips', () => {
    for (const lng of ['fr', 'ru', 'vi', 'zh']) {
      expect(hasTipLibrary(lng)).toBe(false);
      expect(renderTip('g35-recipe-double', lng, 'Ana')).toEqual(renderTip('g35-recipe-double', 'en', 'Ana'));
    }
    expect(renderTip('g35-recipe-double', 'es-MX', 'Ana').language).toBe('es');
  });
});

describe.each(LIBRARY)('%s tips with a typical name', (lng) => {
  const name = TYPICAL_NAME[lng];
  const cases = tips.map((tip) => {
    const text = t(lng, `tips:${tip.id}`, { child: name });
    const info = segmentInfo(text);
    return [tip.id, info.encoding, info.segments, text] as const;
  });
  test.each(cases)('%s: %s, %i segment(s)', (_id, encoding, segments, text) => {
    // One segment when the text is GSM-7, two when a letter makes it UCS-2.
    expect(segments).toBeLessThanOrEqual(encoding === 'GSM-7' ? 1 : 2);
    expect(text).toContain(name);
    expect(text).not.toMatch(/{{|}}/);
    expect(text).not.toMatch(/\s{2,}/);
  });
  if (lng === 'en') {
    test('English tips are plain GSM-7: no curly quotes or dashes cost them their encoding', () => {
      for (const [, encoding] of cases) expect(encoding).toBe('GSM-7');
    });
  }
});

describe('gradeBand', () => {
  test.each([
    ['PK', 'prek-k'], ['K', 'prek-k'], ['KG', 'prek-k'], ['TK', 'prek-k'],
    ['1', '1-2'], ['2', '1-2'], ['3', '3-5'], ['05', '3-5'], ['6', '6-8'], ['8', '6-8'], ['9', '9-12'], ['12', '9-12'],
  ])('%s → %s', (grade, band) => {
    expect(gradeBand(grade)).toBe(band);
  });
  test('a grade with no band throws instead of guessing', () => {
    expect(() => gradeBand('13')).toThrow(RangeError);
    expect(() => gradeBand('')).toThrow(RangeError);
  });
});

describe('pickTip', () => {
  const bandIds = (band: GradeBand) => tips.filter((tip) => tip.band === band).map((tip) => tip.id);

  test('picks from the band, the same tip for the same seed, and varies with the seed', () => {
    const picks = new Set<string>();
    for (let week = 1; week <= 20; week++) {
      const input = { band: '3-5' as const, unit: null, recentTipIds: [], seed: `family-7:2026-W${week}` };
      const tip = pickTip(input);
      expect(tip.band).toBe('3-5');
      expect(pickTip(input)).toEqual(tip);
      picks.add(tip.id);
    }
    expect(picks.size).toBeGreaterThan(3);
  });

  test('never returns a recent tip while another is left, over a whole band', () => {
    for (const band of GRADE_BANDS) {
      const ids = bandIds(band);
      const recent: string[] = [];
      for (let i = 0; i < ids.length; i++) {
        const tip = pickTip({ band, unit: null, recentTipIds: recent, seed: `s${i}` });
        expect(recent).not.toContain(tip.id);
        recent.unshift(tip.id);
      }
      expect(new Set(recent).size).toBe(ids.length);
      // All used: the one used longest ago comes back first.
      expect(pickTip({ band, unit: null, recentTipIds: recent, seed: 'x' }).id).toBe(recent[recent.length - 1]);
    }
  });

  test('matches the class unit to tip skills', () => {
    const fractions = pickTip({ band: '3-5', unit: 'Unit 4: Fractions', recentTipIds: [], seed: 'a' });
    expect(fractions.skills).toContain('fractions');
    expect(pickTip({ band: '6-8', unit: 'Ratios and proportional relationships', recentTipIds: [], seed: 'b' }).skills)
      .toEqual(expect.arrayContaining(['ratios']));
    expect(pickTip({ band: '9-12', unit: 'Persuasive essays', recentTipIds: [], seed: 'c' }).skills).toContain('essay');
    expect(pickTip({ band: '1-2', unit: 'Telling time', recentTipIds: [], seed: 'd' }).id).toBe('g12-clock-meals');
    expect(pickTip({ band: 'prek-k', unit: 'shapes all around us', recentTipIds: [], seed: 'e' }).id).toBe('pk-shape-hunt');
  });

  test('when the matching tips are recent, the unit still prefers its subject', () => {
    const recent = tips.filter((tip) => tip.band === '3-5' && tip.skills.includes('fractions')).map((tip) => tip.id);
    const tip = pickTip({ band: '3-5', unit: 'Fractions', recentTipIds: recent, seed: 'a' });
    expect(recent).not.toContain(tip.id);
    expect(tip.subject).toBe('math');
  });

  test('a unit that matches nothing still gives a tip of the band', () => {
    const tip = pickTip({ band: '6-8', unit: 'Ancient Egypt', recentTipIds: [], seed: 'z' });
    expect(tip.band).toBe('6-8');
  });
});
