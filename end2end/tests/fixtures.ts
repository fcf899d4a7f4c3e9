// The `server` fixture: the real LetUsChat binary on a free port, with a fresh SQLite database
// and upload folder per test. `restart()` keeps the data and the port, so open pages reconnect.
import { test as base, expect } from '@playwright/test';
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

function binary(): string {
  const bin = process.env.LETUSCHAT_SERVER_BIN;
  if (!bin) throw new Error('LETUSCHAT_SERVER_BIN must name the server binary (scripts/test.sh sets it)');
  fs.accessSync(bin, fs.constants.X_OK);
  return bin;
}

async function launch(dir: string, addr: string, log: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(binary(), [], {
    env: {
      ...process.env,
      LETUSCHAT_ADDR: addr,
      DATABASE_URL: `sqlite://${path.join(dir, 'letuschat.db')}`,
      LETUSCHAT_DATA_DIR: dir,
      LETUSCHAT_UPLOAD_DIR: path.join(dir, 'uploads'),
      RUST_LOG: process.env.RUST_LOG || 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${log.join('')}`)), 30_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString().replace(ANSI, '');
      log.push(text);
      const match = text.match(/listening on (http:\/\/[0-9.:]+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${log.join('')}`));
    });
  });
  return { child, url };
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

export const test = base.extend<{ server: Server }>({
  server: async ({}, use, testInfo) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'letuschat-e2e-'));
    const log: string[] = [];
    let { child, url } = await launch(dir, '127.0.0.1:0', log);
    const server: Server = {
      url,
      stop: () => terminate(child),
      restart: async () => {
        await terminate(child);
        ({ child } = await launch(dir, new URL(url).host, log));
      },
    };
    try {
      await use(server);
    } finally {
      await terminate(child);
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('server.log', { body: log.join(''), contentType: 'text/plain' });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

export { expect };
