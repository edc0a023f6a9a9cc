const swc = (module) => ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: module === 'ts' ? 'typescript' : 'ecmascript' } }, module: { type: 'commonjs' } }];

/**
 * Jest runs the TypeScript sources, compiled by swc to CommonJS per file (ESM under jest needs
 * --experimental-vm-modules and loses jest.mock hoisting). The package itself is ESM: swc turns
 * `import()` into require and `import.meta.url` into the file's URL. fhir-kit-client ships ESM
 * only, so jest compiles it the same way. `clinflow`, `clinflow/testing` and `clinflow/tasks`
 * resolve to their sources here; test/architecture/exports.test.ts loads the built ones with Node.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': swc('ts'), '/node_modules/fhir-kit-client/.+\\.js$': swc('js') },
  transformIgnorePatterns: ['/node_modules/(?!fhir-kit-client/)'],
  moduleNameMapper: {
    '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js',
    '^clinflow$': '<rootDir>/cli/main.ts',
    '^clinflow/(testing|tasks)$': '<rootDir>/$1/index.ts',
  },
  globalSetup: '<rootDir>/test/support/buildDist.cjs',
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/'],
  moduleFileExtensions: ['ts', 'js', 'json', 'cjs'],
  testTimeout: 30000,
  // The second reporter names the suites skipped because ../shared is absent (test/support/sharedCorpus.ts)
  // or because Chromium is (test/browser/chromium.ts).
  reporters: ['default', '<rootDir>/test/support/absentReporter.cjs'],
};
