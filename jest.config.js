/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/'],
  moduleFileExtensions: ['ts', 'js', 'json', 'cjs'],
  testTimeout: 30000,
  // The second reporter names the suites skipped because ../shared is absent (test/support/sharedCorpus.ts)
  // or because Chromium is (test/browser/chromium.ts).
  reporters: ['default', '<rootDir>/test/support/absentReporter.cjs'],
};
