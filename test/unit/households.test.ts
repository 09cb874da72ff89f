import { workOutHouseholds, type HouseholdGuardian } from '../../src/families/roster/households';

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
