#!/usr/bin/env node
import module from 'node:module';
import { main } from './main';

// Node ≥ 22.1 caches compiled code on disk: the command chunks `main` imports on use start faster from
// the second run on. (Node 20 has no such cache; the call is skipped there.)
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// The AWS SDK (ops commands, deploy) warns on Node < 22 that its releases after January 2027 will
// need Node 22: a notice for whoever upgrades clinflow's pinned SDK, not for an operator, who got
// eight lines of it on stderr before every table. Kept when the variable is set either way.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The compiled `clinflow` executable (dist/clinflow.js, package.json "bin"). It calls `main` itself,
// so every way of starting it (npx, npm exec, a global install, a .bin link, `node dist/clinflow.js`)
// runs the CLI: a path-dependent entry guard once made `npx clinflow` do nothing and exit 0.
// Exit codes: 0 clean, 1 problems, 2 usage.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`clinflow: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
