// Jest reporter: one closing line naming the suites skipped because Chromium is not installed (see
// test/browser/chromium.ts), so a green run without a browser says what it did not run.
'use strict';
const path = require('node:path');

const MARK = '[browser absent]';

class BrowserAbsentReporter {
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
    const where = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file` : 'no chromium (apt-get install -y chromium, or set CHROMIUM_PATH)';
    process.stderr.write(
      `\nbrowser absent (${where}): skipped the browser tests in ${skipped.length} file${skipped.length === 1 ? '' : 's'}: ${skipped.sort().join(', ')}` +
        ' (set CLINFLOW_REQUIRE_BROWSER=1 to make this a failure)\n',
    );
  }
}

module.exports = BrowserAbsentReporter;
