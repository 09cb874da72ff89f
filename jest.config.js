/**
 * Unit, integration and end-to-end tests share one run; each integration file uses its own
 * database (a SQLite file, or a PostgreSQL database in the PostgreSQL pass) and QUEUE_PREFIX,
 * so files may run in parallel. `*.postgres.test.ts` files are about PostgreSQL alone (several
 * hosts on one database) and run in its pass only.
 */
const ESM_ONLY = ['franc-min', 'trigram-utils', 'n-gram', 'collapse-white-space'];
const postgresPass = process.env.TEST_DIALECT === 'postgres';

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(postgresPass ? [] : ['\\.postgres\\.test\\.ts$'])],
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // franc-min (language detection) and its dependencies ship as ES modules only. Jest runs
    // CommonJS unless node is started with --experimental-vm-modules, so these few files are
    // compiled to CommonJS like our own (the app itself loads them with a real import(), see
    // src/i18n/detect-language.ts).
    [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: ['ts-jest', { tsconfig: { allowJs: true }, diagnostics: false }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  testTimeout: 30000,
  maxWorkers: 2,
};
