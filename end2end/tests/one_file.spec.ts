// A deployment is one file: the release binary alone, copied into an empty folder elsewhere and
// started there with no settings but its address, serves the whole app. Two people sign up in
// Chromium and chat live.
import { test, expect } from './fixtures';
import { say } from './people';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LISTENING = /listening on (http:\/\/[^\s/]+:\d+)(?=\D)/;
const ANSI = /\x1b\[[0-9;]*m/g;

/** Starts `bin` in `cwd` with nothing in its environment but PATH and its address. */
async function start(bin: string, cwd: string, output: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(bin, [], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LETUSCHAT_ADDR: '127.0.0.1:0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" in 30 s:\n${output.join('')}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = output.join('').replace(ANSI, '').match(LISTENING);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${code}) before listening:\n${output.join('')}`));
    });
  });
  return { child, url };
}

test('the release binary alone, in an empty folder, serves the app: two people sign up and chat', async ({ browser }, testInfo) => {
  const built = process.env.LETUSCHAT_SERVER_BIN;
  if (!built) throw new Error('LETUSCHAT_SERVER_BIN must name the release binary (scripts/test.sh sets it)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'letuschat-one-file-'));
  const bin = path.join(dir, 'letuschat-server');
  fs.copyFileSync(built, bin);
  fs.chmodSync(bin, 0o755);
  const output: string[] = [];
  let child: ChildProcess | undefined;
  try {
    const started = await start(bin, dir, output);
    child = started.child;
    const url = started.url;

    // The page's files come from the binary: hashed names, kept for a year, precompressed.
    const ana = await (await browser.newContext()).newPage();
    const loaded = new Map<string, { url: string; status: number; headers: Record<string, string> }>();
    ana.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/pkg/')) loaded.set(r.url(), { url: r.url(), status: r.status(), headers: r.headers() });
    });
    await ana.goto(url + '/register');
    await expect(ana.locator('html[data-hydrated="true"]')).toBeAttached();
    const files = [...loaded.values()];
    const kinds = files.map((f) => path.extname(new URL(f.url).pathname)).sort();
    expect(kinds).toEqual(['.css', '.js', '.wasm']);
    for (const file of files) {
      expect(file.status, file.url).toBe(200);
      expect(new URL(file.url).pathname, file.url).toMatch(/^\/pkg\/letuschat\.[0-9a-f]{16}\.(js|wasm|css)$/);
      expect(file.headers['cache-control'], file.url).toBe('public, max-age=31536000, immutable');
    }
    const wasm = files.find((f) => f.url.endsWith('.wasm'))!;
    expect(wasm.headers['content-type']).toBe('application/wasm');
    for (const [accept, encoding] of [['br', 'br'], ['gzip', 'gzip'], ['identity', undefined]] as const) {
      const response = await ana.request.get(wasm.url, { headers: { 'accept-encoding': accept } });
      expect(response.status()).toBe(200);
      expect(response.headers()['content-encoding'], accept).toBe(encoding);
      expect(response.headers()['vary']).toMatch(/accept-encoding/i);
    }
    const icon = await ana.request.get(url + '/favicon.ico');
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toBe('image/x-icon');

    // Ana signs up with the form; Bob in a browser of his own.
    await ana.getByLabel('Display name').fill('Ana');
    await ana.getByLabel('Email').fill('ana@example.com');
    await ana.getByLabel('Password').fill('correct horse battery');
    await ana.getByRole('button', { name: 'Sign up' }).click();
    await expect(ana).toHaveURL(url + '/');
    const bob = await (await browser.newContext()).newPage();
    await bob.goto(url + '/register');
    await expect(bob.locator('html[data-hydrated="true"]')).toBeAttached();
    await bob.getByLabel('Display name').fill('Bob');
    await bob.getByLabel('Email').fill('bob@example.com');
    await bob.getByLabel('Password').fill('correct horse battery');
    await bob.getByRole('button', { name: 'Sign up' }).click();
    await expect(bob).toHaveURL(url + '/');
    await expect(bob.locator('html[data-hydrated="true"]')).toBeAttached();

    // Ana writes to Bob; it reaches Bob's open page live, and his answer reaches hers.
    await ana.getByLabel('Search users').fill('bo');
    await ana.getByRole('button', { name: 'Bob', exact: true }).click();
    await say(ana, 'Hello from one file');
    const bobItem = bob.getByRole('list', { name: 'Conversations' }).getByRole('listitem').filter({ hasText: 'Ana' });
    await expect(bobItem).toContainText('Hello from one file');
    await bobItem.getByRole('button').click();
    await say(bob, 'Got it');
    await expect(ana.getByRole('log', { name: 'Messages' }).getByText('Got it')).toBeVisible();

    // Beside the binary there is only what the server made: its data and uploads.
    expect(fs.readdirSync(dir).sort()).toEqual(['data', 'letuschat-server', 'uploads']);
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('server.log', { body: output.join('').replace(ANSI, ''), contentType: 'text/plain' });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
