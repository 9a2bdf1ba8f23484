/**
 * PostgreSQL + Redis (npm run test:cluster): the specs that need the two services, the
 * multi-process suite, and the e2e suites that touch data, run again with every test app on
 * a PostgreSQL database of its own (LIVEBLOG_TEST_DATABASE=postgres, set by the script).
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

/** The e2e suites whose data goes through the database, the bus or the shared limits. */
const SUITES_ON_POSTGRES = [
  'access-sessions',
  'auth',
  'blogs',
  'bylines',
  'drafts',
  'feeds',
  'health',
  'key-events',
  'log-retention',
  'media',
  'metrics',
  'posts',
  'reading-order',
  'search-engines',
  'site',
  'stream',
  'stream-http',
  'views',
  'webhooks',
];

module.exports = {
  testTimeout: 60000,
  // Two test files at once, as in jest.config.js: each has its own PostgreSQL database and
  // its worker's own Redis database (test/support/test-services.ts), and most of a test is
  // waiting on processes, the network and timers.
  maxWorkers: 2,
  projects: [
    {
      displayName: 'cluster',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: [
        '<rootDir>/src/**/*.cluster-spec.ts',
        '<rootDir>/test/cluster/**/*.cluster-spec.ts',
      ],
      transform,
    },
    {
      displayName: 'e2e-postgres',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: SUITES_ON_POSTGRES.map((suite) => `<rootDir>/test/${suite}.e2e-spec.ts`),
      setupFilesAfterEnv: ['<rootDir>/test/support/cluster-setup.ts'],
      transform,
    },
  ],
};
