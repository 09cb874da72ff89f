import { workOutAudience } from '../../src/updates/audience';

const names = new Map([[1, 'Ana'], [2, 'Ben'], [3, 'Cy'], [4, 'Di']]);
const link = (studentId: number, guardianId: number, familyId: number, mayContact = true) => ({ studentId, guardianId, familyId, mayContact });

describe('who gets a class update', () => {
  test('siblings share one family entry; a child of two households reaches both', () => {
    const r = workOutAudience({
      studentIds: [1, 2, 3],
      firstNames: names,
      links: [link(1, 10, 100), link(2, 10, 100), link(3, 11, 101), link(3, 12, 102)],
      phones: [{ guardianId: 10, number: '+15555550010', canReceive: true }, { guardianId: 11, number: '+15555550011', canReceive: true }, { guardianId: 12, number: '+15555550012', canReceive: true }],
      optedOut: new Set(),
    });
    expect(r.families.map((f) => [f.familyId, f.studentIds])).toEqual([[100, [1, 2]], [101, [3]], [102, [3]]]);
    expect(r.unreached).toEqual([]);
  });

  test('every reason a guardian is left out, and a shared number sent once', () => {
    const r = workOutAudience({
      studentIds: [1, 2],
      firstNames: names,
      links: [link(1, 10, 100), link(2, 10, 100), link(1, 11, 100), link(2, 11, 100, false), link(1, 12, 100), link(1, 13, 100), link(1, 14, 100)],
      phones: [
        { guardianId: 10, number: '+15555550010', canReceive: true },
        { guardianId: 10, number: '+15555550019', canReceive: true },
        { guardianId: 11, number: '+15555550011', canReceive: true },
        { guardianId: 12, number: '+15555550012', canReceive: false },
        { guardianId: 14, number: '+15555550010', canReceive: true },
      ],
      optedOut: new Set(['+15555550019']),
    });
    expect(r.families).toHaveLength(1);
    expect(r.families[0].recipients).toEqual([{ guardianId: 10, phone: '+15555550010' }]);
    expect(r.families[0].skipped).toEqual([
      { guardianId: 10, reason: 'opted_out', phone: '+15555550019' },
      { guardianId: 11, reason: 'may_contact_false' },
      { guardianId: 12, reason: 'no_number' },
      { guardianId: 13, reason: 'no_number' },
    ]);
  });

  test('a child with no family, or only families under a no-contact order, is unreached', () => {
    const r = workOutAudience({ studentIds: [3, 4], firstNames: names, links: [link(4, 20, 200, false)], phones: [], optedOut: new Set() });
    expect(r.families).toEqual([]);
    expect(r.unreached).toEqual([
      { studentId: 3, firstName: 'Cy', reason: 'no_family' },
      { studentId: 4, firstName: 'Di', reason: 'may_contact_false' },
    ]);
  });
});
