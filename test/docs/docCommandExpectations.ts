/**
 * What each command shown in README.md and docs/ must do, keyed by the command as typed
 * (whitespace collapsed, comment removed; see commandsInDocs.ts). docCommands.test.ts runs every
 * command found in the docs in a temporary copy of the repository and checks it against this
 * table. A command with no entry fails the suite, and so does an entry whose command is no longer
 * in the docs: when you add, change or remove a command in the docs, change its entry here.
 *
 * Every entry says what the command prints (the docs' own words where they give them): a command
 * that prints nothing fails, whatever its exit code.
 */
export interface CommandExpectation {
  /** Each must appear in stdout + stderr. Never empty. */
  prints: readonly (string | RegExp)[];
  /** Expected exit code; default 0. Not checked for a long-running command stopped after `until`. */
  exit?: number;
  /** A long-running command: wait until the output matches, then stop it (SIGINT to its process group). */
  until?: RegExp;
  /** Run this instead of the text as typed, and say why (the test prints the reason). */
  instead?: { run: string; why: string };
  /** The command reads this path inside the shared corpora (../shared): skipped when it is absent. */
  needsShared?: string;
  /** Files (relative to the copy) the command must have written. */
  creates?: readonly string[];
  /** Extra environment for this command. */
  env?: Readonly<Record<string, string>>;
  timeoutMs?: number;
}

/** No AWS credentials can be found: the AWS commands must say what to do, without any network call. */
const NO_AWS_CREDENTIALS = /no AWS credentials found: set AWS_PROFILE .* or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/;

/** A command `.ci/run` runs as part of `npm run check`: checked by asking .ci/run and package.json, not by running it again. */
const ciRunsCheck = (why: string): CommandExpectation => ({
  instead: { run: "grep -n '^npm run check' .ci/run && node -p \"require('./package.json').scripts.check\"", why },
  prints: ['npm run check', 'npm run typecheck && npm run lint && npm run format:check'],
});

export const DOC_COMMAND_EXPECTATIONS: Readonly<Record<string, CommandExpectation>> = {
  // README: Quick start
  'npm ci': {
    instead: {
      run: 'npm ci --dry-run --offline --ignore-scripts --no-audit --no-fund',
      why: 'a real `npm ci` deletes node_modules and downloads every package again (minutes, network); the copy reuses the installed node_modules, and the dry run makes the check npm ci makes first (package.json and package-lock.json agree), failing if they do not',
    },
    prints: [/up to date|added \d+ packages/],
  },
  'npm start': {
    until: /^ready$/m,
    // CLINFLOW_PORT=0 (set for every command): an ephemeral port, not 8080, on a shared machine.
    prints: [
      // No CLINFLOW_ENCRYPTION_KEY in the test's environment: the README shows the warning.
      /WARNING: CLINFLOW_ENCRYPTION_KEY is not set/,
      // The README's sample lists the first few workflows, alphabetically; others may be added.
      /clinflow dev: \d+ workflows loaded \(abnormal-lab, [a-z-]+, /,
      /FHIR notifications {2}POST http:\/\/127\.0\.0\.1:\d+\/fhir\/notify\/sandbox/,
      /events \(PutEvents\) {2}POST http:\/\/127\.0\.0\.1:\d+\/events {2}\(set CLINFLOW_EVENTS_TOKEN to enable\)/,
      /health \/ metrics {4}GET {2}http:\/\/127\.0\.0\.1:\d+\/health {2}http:\/\/127\.0\.0\.1:\d+\/metrics/,
      // No CLINFLOW_CONSOLE_TOKEN(S): a console token is generated for the run and printed once.
      /web console {9}http:\/\/127\.0\.0\.1:\d+\/console {2}\(token for this run: [A-Za-z0-9_-]{32}\)/,
      /FHIR server {9}http:\/\/127\.0\.0\.1:\d+\/fhir {2}\(sandbox, synthetic data\)/,
      /data {16}\S+\.clinflow/,
      /^ready$/m,
    ],
    timeoutMs: 180_000,
  },
  'npx clinflow demo': {
    // The README: an order stopped and its reminders cancelled, an unacknowledged task escalated,
    // the nightly overdue-task job; exit 0 when every promise held.
    prints: [/stopped/i, /escalat/i, /overdue/i],
    timeoutMs: 240_000,
  },
  'npm test': {
    instead: {
      run: 'npm test -- --listTests',
      why: 'running the whole suite from inside the suite would recurse; --listTests shows `npm test` is jest over every suite, including the README and conformance ones',
    },
    prints: ['test/docs/docCommands.test.ts', 'cli/entry.test.ts', 'test/conformance/asl.test.ts'],
  },

  // README: Writing a workflow
  'npx clinflow validate workflows/': { prints: [/\d+ workflow files checked: 0 errors/] },
  'npx clinflow compile workflows/ --out dist/': {
    prints: [/(\d+) of \1 workflows compiled to dist\/: 0 errors/],
    creates: ['dist/abnormal-lab.asl.json', 'dist/abnormal-lab.trigger.json', 'dist/abnormal-lab.manifest.json'],
  },
  'npx clinflow graph workflows/abnormal-lab.yaml --format mermaid': { prints: [/^flowchart TD$/m, 'x_trigger>"trigger<br/>FHIR Observation: create, update<br/>where: '] },
  'npx clinflow graph abnormal-lab --format svg --out abnormal-lab.svg': { prints: ['wrote abnormal-lab.svg'], creates: ['abnormal-lab.svg'] },
  'npx clinflow tasks describe notify.send': { prints: [/^notify\.send: Send a message/m, /^ {2}recipient +string \(required\)$/m, 'Errors: Notify.DeliveryFailed', 'Idempotent: yes'] },

  // README: Testing a workflow
  'npx clinflow test': { prints: [/^workflows\/medication-reminders\.test\.yaml$/m, /^ {2}✓ a 90-day course is reminded once a day/m, /^\d+ passed, 0 failed \(\d+ files/m], timeoutMs: 600_000 },
  'npx clinflow test abnormal-lab': { prints: [/^ {2}✓ accepted within the hour, nobody is paged/m, /^4 passed, 0 failed/m], timeoutMs: 180_000 },
  'npx clinflow run medication-reminders --resource workflows/fixtures/medication-order.json --fixtures workflows/fixtures/medication-reminders.bundle.json --at 2026-03-09T14:00:00Z': {
    prints: [/^path: order → replaceOld → plan → schedule$/m, /^schedules created: 3$/m, /^SUCCEEDED$/m],
    timeoutMs: 180_000,
  },
  'npx clinflow run medication-reminders --resource workflows/fixtures/medication-order-unknown.json --fixtures workflows/fixtures/medication-reminders.bundle.json': {
    exit: 1,
    prints: [/^FAILED at step order: FHIR\.NotFound — read MedicationRequest failed with HTTP 404$/m],
    timeoutMs: 180_000,
  },
  'npx clinflow run abnormal-lab --resource workflows/fixtures/critical-potassium.json --fixtures workflows/fixtures/abnormal-lab.bundle.json --answer acknowledge=accepted@20m': {
    prints: [/^path: observation → acknowledge$/m, /from acknowledge: accepted — Critical potassium 6\.8 mmol\/L: review and act$/m, /^SUCCEEDED$/m],
    timeoutMs: 180_000,
  },

  // README: Development table
  // CI runs `npm run check` before the tests, so running these again here would only add minutes;
  // each checks that .ci/run really runs it and what it is.
  'npm run typecheck': ciRunsCheck('typecheck is part of npm run check'),
  'npm run lint': ciRunsCheck('lint is part of npm run check'),
  'npm run format': {
    instead: {
      run: "npx prettier --check cli/main.ts && node -p \"require('./package.json').scripts.format\"",
      why: 'rewriting the tree from a test would race the other suites; this checks the script is Prettier over the tree and that Prettier runs',
    },
    prints: ['All matched files use Prettier code style!', 'prettier --write .'],
  },
  'npm run check': ciRunsCheck('.ci/run runs it before the tests'),
  'npm run build': { prints: [/^clinflow: built dist\/ in \d+ ms$/m] },
  'npm run bench -- engine|bus|ingest|api|compiler': {
    instead: {
      run: 'npm run bench -- no-such-benchmark',
      why: 'each benchmark takes minutes and is not part of npm test (the README says so); asking for an unknown one lists the ones that exist, which must be the five the README names',
    },
    exit: 1,
    prints: ['have: api, bus, compiler, engine, ingest'],
  },
  // The copy is the committed repository: its generated docs must already be current.
  'npm run docs': { prints: ['generated docs are up to date'] },
  'npx clinflow conformance <suite> FILE [--json]': {
    instead: { run: 'npx clinflow conformance timing ../shared/conformance/timing/vectors.json', why: '<suite> and FILE are placeholders: one suite, the shared Timing vectors' },
    needsShared: 'conformance/timing/vectors.json',
    prints: [/^timing: (\d+)\/\1 passed \(100\.0%\)$/m],
  },

  // README: Deploying to AWS (no credentials exist here, and nothing may reach AWS)
  'npx clinflow deploy plan --dry-run --stage demo --region us-east-1': {
    prints: ['Dry run: stage demo in us-east-1, against an empty account', /\+ create +stateMachine +clinflow-demo-abnormal-lab/, /Plan: \d+ to create/],
  },
  'npx clinflow deploy synth --stage demo --region us-east-1 --out dist/deploy-demo': {
    prints: [/Wrote \S+template\.json \(\d+ resources\) and \d+ Lambda zips under/],
    creates: ['dist/deploy-demo/template.json'],
    // Bundles every function with esbuild and checks the template against the CloudFormation schemas.
    timeoutMs: 400_000,
  },
  'npx clinflow deploy plan --stage demo --region us-east-1': { exit: 1, prints: ['clinflow deploy plan:', NO_AWS_CREDENTIALS] },
  'npx clinflow deploy apply --stage demo --region us-east-1': { exit: 1, prints: ['clinflow deploy apply:', NO_AWS_CREDENTIALS] },
  'npx clinflow deploy destroy --stage demo --region us-east-1': { exit: 1, prints: ['clinflow deploy destroy:', NO_AWS_CREDENTIALS] },
};
