/**
 * What the browser tests run against: the runtime `clinflow dev` composes (engine, bus, scheduler,
 * FHIR sandbox, trigger endpoints, the AWS APIs) on 127.0.0.1 port 0 over a temporary data
 * directory, and headless Debian Chromium driven by puppeteer-core. Time is a simulated clock that
 * the test moves (`advance`), with a wake-up so the runtime still runs by itself between moves:
 * executions, deliveries and notifications proceed as under `dev`, and every time a page shows is
 * the same on every run, so the screenshots in docs/console/ change only when the console does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import { attachApi, type AttachedApi } from '../../api/attachApi';
import { startLocalConsole } from '../../cli/console/startLocalConsole';
import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import type { Wakeup } from '../../core/clock/systemClock';
import { createLogger } from '../../core/log/createLogger';
import { createRuntime, type Runtime } from '../../cli/runtime/createRuntime';

/** Browser operations on a loaded machine (2 cores, eight engineers): generous, never a reason to weaken an assertion. */
export const BROWSER_MS = 60_000;
/** A test that starts a runtime and a browser and walks several pages. */
export const BROWSER_TEST_MS = 240_000;

/** Monday 2 March 2026, 14:00 UTC (09:00 in New York): every run's pages show the same times. */
export const START_MS = Date.UTC(2026, 2, 2, 14, 0, 0);
/** The viewer's zone the browser is given (patients' zones come from the sandbox's synthetic data). */
export const VIEWER_TIME_ZONE = 'America/New_York';
/** Screenshots and layout: one size everywhere. */
export const VIEWPORT = { width: 1280, height: 800, deviceScaleFactor: 1 } as const;

const REPO = resolve(__dirname, '..', '..');

/**
 * A wake-up for a simulated clock: what is due now runs on the next turn of the event loop (as
 * `systemWakeup` would run it), what is due later waits until the test moves the clock past it.
 */
export function simulatedWakeup(clock: SimulatedClock): Wakeup & { poke(): void } {
  let armed: { at: number; fn: () => void } | undefined;
  let handle: NodeJS.Timeout | undefined;
  const poke = (): void => {
    if (!armed || armed.at > clock.now() || handle) return;
    const { fn } = armed;
    armed = undefined;
    handle = setTimeout(() => {
      handle = undefined;
      fn();
    }, 0);
  };
  return {
    arm(at, fn) {
      if (handle) clearTimeout(handle);
      handle = undefined;
      armed = { at, fn };
      poke();
    },
    disarm() {
      if (handle) clearTimeout(handle);
      handle = undefined;
      armed = undefined;
    },
    poke,
  };
}

export interface DevRig {
  runtime: Runtime;
  api: AttachedApi;
  clock: SimulatedClock;
  dataDir: string;
  /** `http://127.0.0.1:<port>`: the trigger server, the AWS APIs and the console share it. */
  baseUrl: string;
  /** Moves the simulated clock forward and lets whatever became due run. */
  advance(ms: number): Promise<void>;
  /** Waits until nothing is in flight (deliveries, notifications, steps). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface DevRigOptions {
  /** Workflow folder (default: the repository's `workflows/`, as `clinflow dev` loads). */
  workflowsDir?: string;
  /** Synthetic patients in the sandbox (dev's default is 5). */
  patients?: number;
  /** Serve the web console at /console, as `dev` does. */
  console?: boolean;
  /** The environment the AWS API and the console read (the console's tokens); never the process's own. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts what `clinflow dev --port 0 --data-dir <tmp>` starts, on a simulated clock. The caller
 * closes it (`close` also removes the data directory).
 */
export async function startDevRig(options: DevRigOptions = {}): Promise<DevRig> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clinflow-browser-'));
  const clock = new SimulatedClock(START_MS);
  const wakeup = simulatedWakeup(clock);
  const log = createLogger({ level: 'error' });
  let runtime: Runtime | undefined;
  try {
    runtime = await createRuntime({
      dataDir,
      workflowsDir: options.workflowsDir ?? join(REPO, 'workflows'),
      clock,
      wakeup,
      ids: sequentialIds(),
      httpPort: 0,
      host: '127.0.0.1',
      log,
      sandbox: { port: 0, seed: { seed: 7, patients: options.patients ?? 5, at: START_MS } },
    });
    const rt = runtime;
    // Resources the EHR (the test) and the workflows create get sequential ids, like the journal's
    // execution names: the same on every run, so are the pages that show them.
    const fhirIds = sequentialIds('f0000000');
    if (rt.sandbox) rt.sandbox.repo.generateId = () => fhirIds.next();
    const env = options.env ?? {};
    const api = attachApi(rt.triggers.server, { engine: rt.engine, bus: rt.bus, scheduler: rt.scheduler, dataDir, log, env, renderMetrics: () => rt.triggers.router.metrics.render() });
    // As cli/commands/dev.ts attaches it, on the runtime's (simulated) clock.
    const consoleUi = options.console
      ? startLocalConsole(rt.triggers.server, {
          engine: rt.engine,
          scheduler: rt.scheduler,
          dataDir,
          workflowsDir: options.workflowsDir ?? join(REPO, 'workflows'),
          fhirBase: rt.urls.fhir,
          readiness: () => ({ workflows: rt.workflowsReady() }),
          renderMetrics: () => rt.triggers.router.metrics.render() + api.lifecycle.render(),
          audit: api.api.audit,
          log,
          env,
          now: () => clock.now(),
        })
      : undefined;
    const idle = async (): Promise<void> => {
      // A notification can start an execution whose step writes to FHIR, which notifies again.
      for (let round = 0; round < 100; round++) {
        // A wake-up armed for now fires on the next macrotask: let it.
        await new Promise((r) => setTimeout(r, 0));
        const before = rt.sandbox?.notifications.deliveries.length ?? 0;
        await rt.sandbox?.notifications.drain();
        await rt.bus.deliverDue();
        await rt.engine.runUntilIdle();
        await rt.sandbox?.notifications.drain();
        const due = [rt.bus.nextDueAt(), rt.engine.nextTimerAt()].filter((t): t is number => t !== undefined && t <= clock.now());
        if ((rt.sandbox?.notifications.deliveries.length ?? 0) === before && due.length === 0) return;
      }
      throw new Error('the runtime did not become idle after 100 rounds');
    };
    return {
      runtime: rt,
      api,
      clock,
      dataDir,
      baseUrl: rt.urls.triggers,
      idle,
      async advance(ms) {
        // Timer by timer, as `clinflow dev` would live through the interval: a retry armed by
        // a retry that fired on the way fires too.
        const target = clock.now() + ms;
        await idle();
        for (;;) {
          const next = [rt.engine.nextTimerAt(), rt.bus.nextDueAt()].filter((t): t is number => t !== undefined && t <= target).sort((a, b) => a - b)[0];
          if (next === undefined) break;
          clock.set(Math.max(next, clock.now()));
          wakeup.poke();
          await idle();
        }
        clock.set(target);
        wakeup.poke();
        await idle();
      },
      async close() {
        consoleUi?.detach();
        api.detach();
        await rt.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await runtime?.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Headless Chromium. Root (CI containers) needs --no-sandbox. The host-resolver rule makes every
 * name but 127.0.0.1 unresolvable: the console must need nothing from the network (no CDN), and
 * the browser must send nothing off the machine (component updates, safe browsing).
 */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const root = process.getuid?.() === 0;
  return puppeteer.launch({
    executablePath,
    headless: true,
    timeout: BROWSER_MS,
    protocolTimeout: BROWSER_MS,
    defaultViewport: VIEWPORT,
    args: [
      ...(root ? ['--no-sandbox'] : []),
      '--disable-dev-shm-usage',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      '--no-pings',
      '--lang=en-US',
      // Same glyph rasterising on every machine: the screenshots differ only when the console does.
      '--font-render-hinting=none',
      '--disable-lcd-text',
    ],
  });
}

export interface ConsolePage {
  page: Page;
  /** Uncaught page errors and console errors (a CSP violation is one): a working page has none. */
  errors: string[];
  /** Requests to anything but the console's own origin: there must be none. */
  offOrigin: string[];
}

/** A new tab with the fixed viewport, the viewer's time zone and reduced motion, its errors recorded. */
export async function openPage(browser: Browser | BrowserContext, origin: string): Promise<ConsolePage> {
  const page = await browser.newPage();
  page.setDefaultTimeout(BROWSER_MS);
  page.setDefaultNavigationTimeout(BROWSER_MS);
  await page.setViewport(VIEWPORT);
  await page.emulateTimezone(VIEWER_TIME_ZONE);
  await page.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'reduce' }]);
  const errors: string[] = [];
  const offOrigin: string[] = [];
  page.on('pageerror', (err) => errors.push(`page error: ${err instanceof Error ? err.message : String(err)}`));
  page.on('console', (msg) => {
    // The browser asks for /favicon.ico by itself; the console serves none, and no page asked for it.
    if (msg.type() === 'error' && !msg.location().url?.endsWith('/favicon.ico')) errors.push(`console error: ${msg.text()}${msg.location().url ? ` (${msg.location().url})` : ''}`);
  });
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('about:')) offOrigin.push(url);
  });
  return { page, errors, offOrigin };
}
