#!/usr/bin/env node
// Rebuilds fhirKitClient.cjs: fhir-kit-client ships ESM only (exports: import), which neither Node's
// require nor jest's CommonJS runtime can load. esbuild re-emits it as CommonJS, with its debug
// logger replaced by no-ops because that logger prints bearer tokens and resource bodies.
// Run: node core/fhir/vendor/buildFhirKitClient.cjs (after upgrading fhir-kit-client).
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '../../..');
const pkgDir = path.join(root, 'node_modules/fhir-kit-client');
const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
const silentLogging = {
  name: 'silent-logging',
  setup(build) {
    build.onResolve({ filter: /^\.\/logging\.js$/ }, () => ({ path: 'silent-logging', namespace: 'clinflow' }));
    build.onLoad({ filter: /.*/, namespace: 'clinflow' }, () => ({
      contents: 'export function logRequestError() {} export function logRequestInfo() {} export function logResponseInfo() {} export function logError() {}',
      loader: 'js',
    }));
  },
};
esbuild
  .build({
    entryPoints: [path.join(pkgDir, 'dist/index.js')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: path.join(__dirname, 'fhirKitClient.cjs'),
    external: ['agentkeepalive', 'debug', 'json-stringify-safe'],
    plugins: [silentLogging],
    banner: { js: `/* fhir-kit-client ${version}, re-bundled as CommonJS by buildFhirKitClient.cjs with logging removed. Do not edit. */` },
    legalComments: 'inline',
    logLevel: 'warning',
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
