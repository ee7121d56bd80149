/** dev-idp is tested as it runs: the built server as a process, over HTTP, on FerretDB (or MONGODB_URI). */
module.exports = {
  testEnvironment: 'node',
  // Each suite starts the built server in its hooks: a minute is a safety net, not a target.
  testTimeout: 60_000,
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/**/*.spec.ts'],
  // src imports carry ESM's .js endings; the tests load the TypeScript beside them.
  moduleNameMapper: { '^@tessera/testing$': '<rootDir>/../../packages/testing/src/index.ts', '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
  globalSetup: '<rootDir>/../../packages/testing/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/../../packages/testing/src/jest-global-teardown.ts',
};
