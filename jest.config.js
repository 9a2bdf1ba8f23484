/** Two projects: fast unit tests next to the code, e2e tests on a real app in test/. */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

module.exports = {
  // A real app per test, and real password hashing, on a shared 2-core machine. (Jest reads
  // this from the top level only, not per project.)
  testTimeout: 30000,
  // Two test files at once: most of an e2e test is waiting on the network, the database or a
  // timer, so two keep both cores busy (588 s → 355 s on the 2-core CI machine).
  maxWorkers: 2,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
    },
  ],
};
