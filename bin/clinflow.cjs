#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so there is no build step to forget.
require('tsx/cjs');
require('../cli/main.ts');
