// Jest reporter: one closing line naming the suites skipped because the shared corpora are absent
// (see sharedCorpus.ts), so a fresh clone's green run says what it did not run.
'use strict';
const path = require('node:path');

const MARK = '[shared corpus absent]';

class SharedCorpusReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      const hit = file.testResults.some((t) => t.status === 'pending' && t.ancestorTitles.some((a) => a.startsWith(MARK)));
      if (hit) skipped.push(path.relative(this.rootDir, file.testFilePath));
    }
    if (skipped.length === 0) return;
    const root = process.env.CLINFLOW_SHARED ?? path.resolve(this.rootDir, '..', 'shared');
    process.stderr.write(
      `\nshared corpus absent (${root}): skipped its tests in ${skipped.length} file${skipped.length === 1 ? '' : 's'}: ${skipped.sort().join(', ')}` +
        ' (set CLINFLOW_REQUIRE_SHARED=1 to make this a failure)\n',
    );
  }
}

module.exports = SharedCorpusReporter;
