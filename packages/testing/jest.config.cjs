/**
 * The harness's own tests: real Docker daemons in network namespaces (root).
 * No database: no global setup.
 */
module.exports = {
  testEnvironment: 'node',
  // Real engines and servers start in the hooks: a safety net, not a target.
  testTimeout: 120_000,
  testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
};
