/**
 * Where the browser tests find Chromium, and what they do when it is missing. Browsers cannot be
 * downloaded here: the tests drive Debian's `chromium` package (`apt-get install -y chromium`)
 * through puppeteer-core. A machine without it skips the browser suites with the reason, and the
 * run ends with one line naming them (test/support/absentReporter.cjs); CI installs the package and sets
 * CLINFLOW_REQUIRE_BROWSER=1, which turns an absent browser into a failing test instead.
 */
import { accessSync, constants } from 'node:fs';

/** Prefix of a skipped suite's name; test/support/absentReporter.cjs looks for it. */
export const BROWSER_ABSENT_MARK = '[browser absent]';

/**
 * Debian's real binary first: /usr/bin/chromium is a shell wrapper that sources /etc/chromium.d
 * (API keys, extra flags) before exec'ing it, none of which a headless test wants.
 */
const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** CHROMIUM_PATH when set (it must exist), else the first Debian location that does; undefined when none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.CHROMIUM_PATH;
  if (configured) return executable(configured) ? configured : undefined;
  return CANDIDATES.find(executable);
}

/** Why there is no browser, as the skipped test's name and the failure under CLINFLOW_REQUIRE_BROWSER=1 say it. */
export function browserAbsentReason(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH ? `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file` : `no Chromium at ${CANDIDATES.join(', ')} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
}

/**
 * `describe(name, body)` when Chromium is installed; `body` gets its path. When it is absent the
 * suite is one skipped test that says why, or, under CLINFLOW_REQUIRE_BROWSER=1, one failing test.
 */
export function describeWithBrowser(name: string, body: (chromium: string) => void): void {
  const chromium = findChromium();
  if (chromium) {
    describe(name, () => body(chromium));
    return;
  }
  const reason = browserAbsentReason();
  if (process.env.CLINFLOW_REQUIRE_BROWSER === '1') {
    describe(name, () => {
      it('has a browser (CLINFLOW_REQUIRE_BROWSER=1)', () => {
        throw new Error(`CLINFLOW_REQUIRE_BROWSER=1 but ${reason}`);
      });
    });
    return;
  }
  describe(`${BROWSER_ABSENT_MARK} ${name}`, () => {
    it.skip(`needs ${reason}`, () => undefined);
  });
}
