/** Unit, integration and end-to-end tests share one run; each integration file uses its own
 * SQLite file and QUEUE_PREFIX, so files may run in parallel. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
  maxWorkers: 2,
};
