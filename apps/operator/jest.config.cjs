/**
 * The operator console is tested as it runs: built, as a process, behind dev-idp's real
 * login, against the built platform-api, the test database and the engine,
 * driven in Debian's Chromium through playwright-core.
 */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  moduleNameMapper: { '^@tessera/testing$': '<rootDir>/../../packages/testing/src/index.ts' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
  globalSetup: '<rootDir>/../../packages/testing/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/../../packages/testing/src/jest-global-teardown.ts',
  testTimeout: 120_000,
};
