// Fault drills (`npm run test:drills`): the built api and worker as child processes against the
// local Postgres and Redis, each drill in its own database and queue prefix. Not part of
// `npm test`; CI runs them after the build.
const {
  projects: [unit],
} = require('../../jest.config.js');

module.exports = {
  displayName: 'drills',
  rootDir: unit.rootDir,
  moduleFileExtensions: unit.moduleFileExtensions,
  testEnvironment: 'node',
  moduleNameMapper: unit.moduleNameMapper,
  transform: unit.transform,
  testMatch: ['<rootDir>/test/drills/**/*.drill-spec.ts'],
  globalSetup: '<rootDir>/test/drills/global-setup.ts',
  globalTeardown: '<rootDir>/test/drills/global-teardown.ts',
  testTimeout: 240_000,
};
