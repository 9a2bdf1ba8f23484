/**
 * PostgreSQL + Redis (npm run test:cluster): specs that need the two services, and the e2e
 * suites that touch data, run again with every test app on its own PostgreSQL database.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'cluster',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.cluster-spec.ts', '<rootDir>/test/cluster/**/*.cluster-spec.ts'],
      transform,
    },
  ],
};
