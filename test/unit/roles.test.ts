import { defaultRoles, parseRoles } from '../../src/roles';

describe('--role', () => {
  test('no --role runs everything in one process, the simulator only in sim mode', () => {
    expect(parseRoles([])).toBeNull();
    expect(defaultRoles({ smsProvider: 'sim' })).toEqual(['web', 'worker', 'sim']);
    expect(defaultRoles({ smsProvider: 'twilio' })).toEqual(['web', 'worker']);
  });

  test.each([
    [['--role', 'sim'], ['sim']],
    [['--role', 'web'], ['web']],
    [['--role', 'web,worker,sim'], ['web', 'worker', 'sim']],
    [['--role', 'worker, web,worker'], ['worker', 'web']],
  ])('%j starts %j', (argv, roles) => {
    expect(parseRoles(argv)).toEqual(roles);
  });

  test.each([[['--role']], [['--role', 'carrier']], [['--role', 'web,,worker']], [['--role', 'web,simulator']]])(
    '%j stops start-up with a line naming the three roles',
    (argv) => {
      expect(() => parseRoles(argv)).toThrow(/^--role must be web, worker or sim, comma-separated for several \(got /);
    },
  );
});
