#!/usr/bin/env node
// `npm run bench -- <name>` runs bench/<name>.bench.ts; with no name, every benchmark.
require('tsx/cjs');
require('../bench/main.ts');
