// jest globalSetup: build dist/ first, so every test that runs the compiled CLI (dist/clinflow.js,
// as `npx clinflow` does) runs this checkout's code, never a stale build.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = () => {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
};
