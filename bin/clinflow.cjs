#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so there is no build step to forget.
// This file is the entry point however it is started (npx, npm exec, a global install, a
// dependency's .bin link, `node bin/clinflow.cjs`): it calls `main` itself, so no start-up path
// can load the CLI without running it. Exit codes: 0 clean, 1 problems, 2 usage.
'use strict';
require('tsx/cjs');
const { main } = require('../cli/main.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`clinflow: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
