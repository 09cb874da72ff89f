/**
 * Unit, integration and end-to-end tests share one run; each integration file uses its own
 * database (a SQLite file, or a PostgreSQL database in the PostgreSQL pass) and QUEUE_PREFIX,
 * so files may run in parallel. `*.postgres.test.ts` files are about PostgreSQL alone (several
 * hosts on one database) and run in its pass only.
 */
const postgresPass = process.env.TEST_DIALECT === 'postgres';

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(postgresPass ? [] : ['\\.postgres\\.test\\.ts$'])],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
  maxWorkers: 2,
};
