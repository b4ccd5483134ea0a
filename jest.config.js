/** Jest runs the integration tests against a real PostgreSQL (see tests/support/global-setup.ts). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  // generous: a loaded CI machine (argon2 hashing for each seeded account, a server per suite) once took
  // over 60 s for a suite's beforeAll; timeouts here catch hangs, they are not speed assertions
  testTimeout: 120000,
  maxWorkers: 2,
  forceExit: false,
};
