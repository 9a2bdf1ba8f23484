/** Browser tests: headless Debian Chromium driven by playwright-core (npm run test:browser). */
module.exports = {
  displayName: 'browser',
  testEnvironment: 'node',
  rootDir: '.',
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 60000,
};
