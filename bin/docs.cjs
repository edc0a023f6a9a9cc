#!/usr/bin/env node
// `npm run docs` regenerates docs/tasks.md and docs/workflows/*.svg; `-- --check` only checks them.
require('tsx/cjs');
require('../cli/docs/main.ts');
