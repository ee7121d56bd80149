/**
 * Three tiers, one run: unit specs beside the code, integration specs on a
 * real database, e2e specs over HTTP with tokens from a real issuer.
 * The global setup starts FerretDB unless MONGODB_URI names a server.
 */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  // jose ships ES modules only; let ts-jest turn it into CommonJS for Jest.
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/jose@[^/]+/node_modules/)?jose/)'],
  moduleNameMapper: {
    '^@tessera/contracts$': '<rootDir>/../../packages/contracts/src/index.ts',
    '^@tessera/testing$': '<rootDir>/../../packages/testing/src/index.ts',
  },
};

module.exports = {
  // Real servers start in the hooks (dev-idp, databases, engines): a minute is a safety net, not a target.
  testTimeout: 60_000,
  globalSetup: '<rootDir>/../../packages/testing/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/../../packages/testing/src/jest-global-teardown.ts',
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
};
