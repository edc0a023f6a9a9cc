// Jest reporter: for each thing outside the repository a suite can be skipped for (the shared corpora,
// see sharedCorpus.ts; Chromium, see test/browser/chromium.ts), one closing line naming the files
// skipped, so a green run says what it did not run.
'use strict';
const path = require('node:path');

/** The mark a skipped suite's name starts with, what is missing, and the variable that makes it a failure. */
const ABSENT = [
  {
    mark: '[shared corpus absent]',
    what: (rootDir) => `shared corpus absent (${process.env.CLINFLOW_SHARED ?? path.resolve(rootDir, '..', 'shared')}): skipped its tests`,
    require: 'CLINFLOW_REQUIRE_SHARED',
  },
  {
    mark: '[browser absent]',
    what: () =>
      `browser absent (${process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file` : 'no chromium (apt-get install -y chromium, or set CHROMIUM_PATH)'}): skipped the browser tests`,
    require: 'CLINFLOW_REQUIRE_BROWSER',
  },
];

class AbsentReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    for (const { mark, what, require: variable } of ABSENT) {
      const skipped = results.testResults
        .filter((file) => file.testResults.some((t) => t.status === 'pending' && t.ancestorTitles.some((a) => a.startsWith(mark))))
        .map((file) => path.relative(this.rootDir, file.testFilePath));
      if (skipped.length === 0) continue;
      process.stderr.write(`\n${what(this.rootDir)} in ${skipped.length} file${skipped.length === 1 ? '' : 's'}: ${skipped.sort().join(', ')} (set ${variable}=1 to make this a failure)\n`);
    }
  }
}

module.exports = AbsentReporter;
