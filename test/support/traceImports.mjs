// `node --import ./test/support/traceImports.mjs …`: appends the URL of every module the process
// imports (ESM resolution, and CommonJS packages reached from ESM) to $CLINFLOW_TRACE_IMPORTS.
// Node's module customization hooks run on their own thread, hence the file.
import { register } from 'node:module';

register('./traceImportsHooks.mjs', import.meta.url);
