import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type * as z from 'zod';
import { Reporter } from '../compiler/reporter';
import { suggest } from '../compiler/suggest';
import { parseYamlSource, type PathSegment } from '../compiler/yamlSource';
import type { Diagnostic } from '../schemas/diagnostic';
import type { FhirResource } from '../schemas/fhirPort';
import { WorkflowTestFile } from '../schemas/workflowTest';

export interface LoadedTestFile {
  file: string;
  /** The workflow under test (the `workflow:` key, or the file name before `.test.yaml`). */
  workflow: string;
  spec?: WorkflowTestFile;
  diagnostics: Diagnostic[];
}

type Issue = z.core.$ZodIssue;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}

/** Keys the schema allows at `path` (for "did you mean"), read from the zod shape. */
function knownKeys(path: readonly PathSegment[]): string[] {
  const names = path.filter((p): p is string => typeof p === 'string');
  const last = names[names.length - 1];
  const byParent: Record<string, string[]> = {
    '': Object.keys(WorkflowTestFile.shape),
    tests: ['name', 'description', 'start', 'fixtures', 'load', 'trigger', 'mock', 'answers', 'changes', 'runFor', 'expect'],
    expect: ['triggered', 'status', 'path', 'reached', 'notReached', 'outputs', 'output', 'error', 'tasks', 'messages', 'schedules', 'executions'],
    trigger: ['event', 'resource', 'interaction', 'schedule'],
    answers: ['at', 'step', 'status'],
    changes: ['at', 'update', 'set', 'create', 'delete'],
    error: ['step', 'error', 'cause'],
  };
  return byParent[last ?? ''] ?? [];
}

/** A missing key that an unknown key beside it misspells (`resorce` → `resource`): the unknown key's message says it. */
function misspelt(issues: readonly Issue[], issue: Issue): boolean {
  const key = issue.path[issue.path.length - 1];
  if (typeof key !== 'string') return false;
  const parent = issue.path.slice(0, -1).join('.');
  return issues.some((i) => i.code === 'unrecognized_keys' && i.path.join('.') === parent && i.keys.some((k) => suggest(k, [key]) === key));
}

function mapIssues(issues: readonly Issue[], base: readonly PathSegment[], root: unknown, reporter: Reporter): void {
  for (const issue of issues) {
    const path = [...base, ...(issue.path as PathSegment[])];
    const key = path[path.length - 1];
    if (issue.code !== 'unrecognized_keys' && typeof key === 'string' && valueAt(root, path) === undefined && isRecord(valueAt(root, path.slice(0, -1)))) {
      if (!misspelt(issues, issue)) reporter.error(path.slice(0, -1), `missing required key '${key}'`, { code: 'schema' });
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) reporter.error([...path, k], `unknown key '${k}'`, { at: 'key', suggestion: suggest(k, knownKeys(path)), code: 'unknown-key' });
    } else if (issue.code === 'invalid_union') {
      // Report the alternative that got furthest: the one with the fewest problems.
      const rank = (e: readonly Issue[]) => e.length - (e.some((i) => misspelt(e, i)) ? 0.5 : 0);
      const best = [...issue.errors].sort((a, b) => rank(a) - rank(b))[0];
      if (best && best.length) mapIssues(best, path, root, reporter);
      else reporter.error(path, issue.message, { code: 'schema' });
    } else reporter.error(path, issue.message.replace(/^Invalid input: /, ''), { code: 'schema' });
  }
}

/** Reads and checks a `*.test.yaml` file; every problem is a diagnostic at its `file:line:col`. */
export function loadTestFile(file: string, displayName = file): LoadedTestFile {
  const text = readFileSync(file, 'utf8');
  const source = parseYamlSource(text);
  const reporter = new Reporter(displayName, source);
  const fallbackName = basename(file).replace(/\.test\.ya?ml$/, '');
  // The first YAML error only: the ones after it are usually its echo.
  for (const e of source.doc.errors.slice(0, 1)) {
    const p = source.lineCounter.linePos(e.pos[0]);
    reporter.error([], e.message.split('\n')[0] ?? e.message, { code: 'yaml', position: { line: p.line, col: p.col } });
  }
  if (reporter.hasErrors) return { file: displayName, workflow: fallbackName, diagnostics: reporter.sorted() };
  const parsed = WorkflowTestFile.safeParse(source.value);
  if (!parsed.success) {
    if (!isRecord(source.value)) reporter.error([], 'a test file is a YAML mapping with tests: (and optionally workflow, load, start, fixtures)', { code: 'schema' });
    else mapIssues(parsed.error.issues, [], source.value, reporter);
    return { file: displayName, workflow: fallbackName, diagnostics: reporter.sorted() };
  }
  const spec = parsed.data;
  // Fixture files must exist and hold resources with ids; said here, at their line, not mid-run.
  const checkFixtures = (f: unknown, path: PathSegment[]) => {
    if (typeof f === 'string') {
      const p = resolve(dirname(file), f);
      if (!existsSync(p)) reporter.error(path, `no such fixture file: ${f} (relative to the test file)`, { code: 'fixtures' });
      else {
        try {
          fixtureResources(JSON.parse(readFileSync(p, 'utf8')) as unknown);
        } catch (err) {
          reporter.error(path, `${f}: ${err instanceof Error ? err.message : String(err)}`, { code: 'fixtures' });
        }
      }
    } else if (Array.isArray(f)) f.forEach((r, i) => !(r as { id?: unknown }).id && reporter.error([...path, i], 'a fixture needs an id (tests and events name it by Type/id)', { code: 'fixtures' }));
  };
  checkFixtures(spec.fixtures, ['fixtures']);
  spec.tests.forEach((t, i) => checkFixtures(t.fixtures, ['tests', i, 'fixtures']));
  const names = new Set<string>();
  spec.tests.forEach((t, i) => {
    if (names.has(t.name)) reporter.error(['tests', i, 'name'], `two tests are named '${t.name}'`, { code: 'duplicate' });
    names.add(t.name);
  });
  return { file: displayName, workflow: spec.workflow ?? fallbackName, ...(reporter.hasErrors ? {} : { spec }), diagnostics: reporter.sorted() };
}

/** A Bundle (its entries), one resource, or an array of resources → resources, each with an id. */
export function fixtureResources(json: unknown): FhirResource[] {
  const list: unknown[] = Array.isArray(json) ? json : isRecord(json) && json.resourceType === 'Bundle' ? ((json.entry as { resource?: unknown }[] | undefined) ?? []).map((e) => e.resource) : [json];
  return list.map((r, i) => {
    if (!isRecord(r) || typeof r.resourceType !== 'string') throw new Error(`entry ${i} is not a FHIR resource`);
    if (typeof r.id !== 'string' || !r.id) throw new Error(`entry ${i} (${r.resourceType}) has no id`);
    return r as FhirResource;
  });
}

/** The fixtures a test file names: inline resources, or a JSON file relative to the test file. */
export function resolveFixtures(fixtures: string | FhirResource[] | undefined, testFile: string): FhirResource[] {
  if (fixtures === undefined) return [];
  if (Array.isArray(fixtures)) return fixtures;
  return fixtureResources(JSON.parse(readFileSync(resolve(dirname(testFile), fixtures), 'utf8')) as unknown);
}
