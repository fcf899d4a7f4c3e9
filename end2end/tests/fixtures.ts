// The `server` fixture: the real LetUsChat binary on a free port, with a fresh SQLite database
// and upload folder per test. `restart()` keeps the data and the port, so open pages reconnect.
// Every test also fails on a Content-Security-Policy violation in any of its pages.
import { test as base, expect, type BrowserContext } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Server = {
  url: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
};

const ANSI = /\x1b\[[0-9;]*m/g;
// The whole address, and only once the character after the port has arrived: output comes in
// chunks, and a chunk may end in the middle of the port.
const LISTENING = /listening on (http:\/\/[^\s/]+:\d+)(?=\D)/;
const START_TIMEOUT_MS = 30_000;
const KILL_AFTER_MS = 10_000;

function binary(): string {
  const bin = process.env.LETUSCHAT_SERVER_BIN;
  if (!bin) throw new Error('LETUSCHAT_SERVER_BIN must name the server binary (scripts/test.sh sets it)');
  try {
    fs.accessSync(bin, fs.constants.X_OK);
    if (!fs.statSync(bin).isFile()) throw new Error('not a file');
  } catch (e) {
    throw new Error(`LETUSCHAT_SERVER_BIN=${bin} is not an executable file: ${(e as Error).message}`);
  }
  return bin;
}

const text = (log: string[]) => log.join('').replace(ANSI, '');

async function terminate(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  await exited;
  clearTimeout(killer);
}

/** Starts the server and waits for its "listening on" line; on failure nothing is left running. */
async function launch(
  bin: string,
  dir: string,
  addr: string,
  log: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(bin, [], {
    env: {
      ...process.env,
      LETUSCHAT_ADDR: addr,
      DATABASE_URL: `sqlite://${path.join(dir, 'letuschat.db')}`,
      LETUSCHAT_DATA_DIR: dir,
      LETUSCHAT_UPLOAD_DIR: path.join(dir, 'uploads'),
      // Every test signs its people up from 127.0.0.1; the limit has Rust tests of its own.
      LETUSCHAT_SIGNUPS_PER_HOUR: '100000',
      RUST_LOG: process.env.RUST_LOG || 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const mine: string[] = []; // this start's output, searched for the address
  const url = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void terminate(child).finally(() => reject(new Error(`${why}; its output:\n${text(mine)}`)));
    };
    const timer = setTimeout(() => fail(`the server at ${bin} did not say "listening on" in ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      const s = chunk.toString();
      log.push(s);
      mine.push(s);
      const match = settled ? null : text(mine).match(LISTENING);
      if (match) {
        settled = true;
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (e) => fail(`could not start ${bin}: ${e.message}`));
    child.on('exit', (code, signal) => fail(`the server exited (${signal ?? `code ${code}`}) before listening`));
  });
  return { child, url };
}

/** Collects what the page's Content-Security-Policy refused in `context`: the browser's
 *  `securitypolicyviolation` events and its console errors about the policy. */
async function watchPolicy(context: BrowserContext, violations: string[]) {
  await context.exposeBinding('__letuschatCspViolation', (_source, report: string) => {
    violations.push(report);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = `${e.effectiveDirective} refused ${e.blockedURI || 'inline code'} (${e.sourceFile}:${e.lineNumber})`;
      (window as unknown as { __letuschatCspViolation(r: string): void }).__letuschatCspViolation(report);
    });
  });
  context.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('Content Security Policy')) violations.push(m.text());
  });
}

export const test = base.extend<{ server: Server; serverEnv: Record<string, string>; cspViolations: string[] }>({
  // More settings for the server, per file: `test.use({ serverEnv: { LETUSCHAT_REGISTRATION: 'invite' } })`.
  serverEnv: [{}, { option: true }],

  // Automatic: the default context and every context a test opens are watched. A test that
  // provokes a violation on purpose takes the fixture and empties it once checked.
  cspViolations: [
    async ({ browser, context }, use) => {
      const violations: string[] = [];
      await watchPolicy(context, violations);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const opened = await newContext(options);
        await watchPolicy(opened, violations);
        return opened;
      };
      try {
        await use(violations);
      } finally {
        browser.newContext = newContext;
      }
      expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],

  server: async ({ serverEnv }, use, testInfo) => {
    const bin = binary();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'letuschat-e2e-'));
    const log: string[] = [];
    let child: ChildProcess | undefined;
    try {
      const first = await launch(bin, dir, '127.0.0.1:0', log, serverEnv);
      child = first.child;
      const url = first.url;
      const server: Server = {
        url,
        stop: () => (child ? terminate(child) : Promise.resolve()),
        restart: async () => {
          if (child) await terminate(child);
          child = undefined;
          // The same port, so open pages keep their URL and reconnect.
          const again = await launch(bin, dir, new URL(url).host, log, serverEnv);
          child = again.child;
          if (again.url !== url) throw new Error(`the restarted server listens on ${again.url}, not ${url}`);
        },
      };
      await use(server);
    } finally {
      if (child) await terminate(child);
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('server.log', { body: text(log), contentType: 'text/plain' });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

export { expect };
