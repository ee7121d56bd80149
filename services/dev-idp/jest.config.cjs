/** dev-idp is tested as it runs: the built server as a process, over HTTP, on FerretDB (or MONGODB_URI). */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
  moduleNameMapper: { '^@tessera/testing$': '<rootDir>/../../packages/testing/src/index.ts' },
  globalSetup: '<rootDir>/../../packages/testing/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/../../packages/testing/src/jest-global-teardown.ts',
};
