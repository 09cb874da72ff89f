import { continueFamilies, workOutHouseholds, type Household, type HouseholdGuardian, type StoredMember } from '../../src/families/roster/households';

const g = (externalId: string, studentIds: string[], phone: string | null = null, household: string | null = null): HouseholdGuardian => ({
  externalId,
  studentIds,
  phone,
  household,
});

const grouping = (gs: HouseholdGuardian[]) => workOutHouseholds(gs).map((h) => ({ g: h.guardianIds, s: h.studentIds }));

describe('households, worked out when the roster does not say', () => {
  test('two parents of the same children are one household', () => {
    expect(grouping([g('mom', ['s1', 's2']), g('dad', ['s2', 's1'])])).toEqual([{ g: ['dad', 'mom'], s: ['s1', 's2'] }]);
  });

  test('guardians who share a phone number are one household, even with different children on file', () => {
    expect(grouping([g('gran', ['s1'], '+15555550142'), g('aunt', ['s2'], '+15555550142')])).toEqual([
      { g: ['aunt', 'gran'], s: ['s1', 's2'] },
    ]);
  });

  test('parents apart: the child is in both households; the father’s other child only in his', () => {
    expect(grouping([g('mom', ['kid']), g('dad', ['kid', 'half-sib'])])).toEqual([
      { g: ['dad'], s: ['half-sib', 'kid'] },
      { g: ['mom'], s: ['kid'] },
    ]);
  });

  test('siblings who share a parent share a family', () => {
    expect(grouping([g('mom', ['a', 'b', 'c'])])).toEqual([{ g: ['mom'], s: ['a', 'b', 'c'] }]);
  });

  test('every other guardian starts a household of their own', () => {
    expect(grouping([g('x', ['s1']), g('y', ['s2']), g('z', [])])).toHaveLength(3);
  });

  test('an explicit household id decides, over a shared phone and over the same children', () => {
    const hs = workOutHouseholds([
      g('mom', ['kid'], '+15555550100', 'H1'),
      g('dad', ['kid'], '+15555550100', 'H2'),
      g('step', ['kid'], null, 'H1'),
    ]);
    expect(hs.map((h) => [h.explicitId, h.guardianIds])).toEqual([
      ['H2', ['dad']],
      ['H1', ['mom', 'step']],
    ]);
  });

  test('the same roster in another order gives the same households', () => {
    const gs = [g('a', ['1']), g('b', ['1']), g('c', ['2'], '+15555550101'), g('d', ['3'], '+15555550101')];
    expect(workOutHouseholds([...gs].reverse())).toEqual(workOutHouseholds(gs));
  });
});

test('"the same children" counts every school: a parent with another child elsewhere is a household of their own', () => {
  const hs = workOutHouseholds([
    { externalId: 'rosa', phone: null, household: null, studentIds: ['k'], allStudentIds: ['k'] },
    { externalId: 'marco', phone: null, household: null, studentIds: ['k'], allStudentIds: ['k', 'middle-school-kid'] },
  ]);
  expect(hs.map((h) => h.guardianIds)).toEqual([['marco'], ['rosa']]);
});

describe('a delta re-groups only the guardians it names', () => {
  const pinned = (x: HouseholdGuardian, family: number): HouseholdGuardian => ({ ...x, pinnedTo: String(family) });

  test('guardians it does not name stay as stored, even where the rule would group them otherwise', () => {
    // Stored before "the same children" counted every school: Marco with Rosa; Lena apart from Victor.
    const hs = grouping([
      pinned(g('rosa', ['k']), 1),
      pinned({ ...g('marco', ['k']), allStudentIds: ['k', 'middle'] }, 1),
      pinned(g('lena', ['j']), 2),
      pinned(g('victor', ['j']), 3),
    ]);
    expect(hs.map((h) => h.g)).toEqual([['lena'], ['marco', 'rosa'], ['victor']]);
  });

  test('a guardian it names joins a stored household by number or by children, and is re-grouped by the rule', () => {
    const stored = [pinned(g('ana', ['s1'], '+15555550142'), 1), pinned(g('paulo', ['s1'], '+15555550142'), 1), pinned(g('omar', ['s8']), 2)];
    expect(grouping([...stored, g('ines', ['s1'], '+15555550142'), g('kim', ['s8']), g('sam', ['s9'])]).map((h) => h.g)).toEqual([
      ['ana', 'ines', 'paulo'],
      ['kim', 'omar'],
      ['sam'],
    ]);
  });
});

describe('which stored family a household continues', () => {
  const h = (...guardianIds: string[]): Household => ({ explicitId: null, guardianIds, studentIds: [] });
  /** Stored guardians as [external id, family id]; row ids in the order given (who came first). */
  const stored = (...rows: [string, number][]) => new Map<string, StoredMember>(rows.map(([ext, familyId], i) => [ext, { familyId, rowId: i + 1 }]));
  const none = new Map<string, number>();

  test('the same guardians keep their family; a household that grows keeps it too', () => {
    const was = stored(['ana', 10], ['paulo', 10], ['rosa', 11]);
    expect(continueFamilies([h('ana', 'paulo'), h('rosa')], was, none)).toEqual([10, 11]);
    expect(continueFamilies([h('ana', 'ines', 'paulo'), h('rosa')], was, none)).toEqual([10, 11]);
  });

  test('a new household gets a new family, whatever order households come in', () => {
    const was = stored(['rosa', 11], ['marco', 12]);
    expect(continueFamilies([h('newcomer'), h('marco'), h('rosa')], was, none)).toEqual([null, 12, 11]);
  });

  test('a family that splits stays with the part holding more of its guardians, else its earliest guardian', () => {
    const was = stored(['a', 10], ['b', 10], ['c', 10]);
    expect(continueFamilies([h('a'), h('b', 'c')], was, none)).toEqual([null, 10]);
    const two = stored(['rosa', 11], ['marco', 11]);
    expect(continueFamilies([h('marco'), h('rosa')], two, none)).toEqual([null, 11]);
  });

  test("in a delta, the guardians it does not name keep their family, however many of it the delta moves", () => {
    const was = new Map<string, StoredMember>([
      ['a', { familyId: 10, rowId: 1 }],
      ['b', { familyId: 10, rowId: 2 }],
      ['q', { familyId: 10, rowId: 3, pinned: true }],
    ]);
    expect(continueFamilies([h('a', 'b'), h('q')], was, none)).toEqual([null, 10]);
  });

  test('two families that merge continue as the larger; the file\'s household id decides first', () => {
    const was = stored(['a', 10], ['b', 11], ['c', 11]);
    expect(continueFamilies([h('a', 'b', 'c')], was, none)).toEqual([11]);
    expect(continueFamilies([{ ...h('a', 'b', 'c'), explicitId: 'HH-A' }], was, new Map([['HH-A', 10]]))).toEqual([10]);
  });
});
