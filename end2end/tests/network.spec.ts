// A cut network often closes nothing: the browser going offline shows "Reconnecting..." at once
// and what is sent meanwhile is delivered once it is back; a socket that has gone silent is found
// by the heartbeat (a ping every 20 s, answered within 10 s), and the tab reconnects and catches up.
import { test, expect } from './fixtures';
import type { WebSocketRoute } from '@playwright/test';
import { connected, converse, say, signUp } from './people';

test('offline shows Reconnecting at once; back online, what was sent meanwhile arrives once', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  await converse(ana, bob);
  await connected(ana);

  await ana.context().setOffline(true);
  await expect(ana.getByRole('status').filter({ hasText: 'Reconnecting...' })).toBeVisible();
  await say(ana, 'Sent while offline');
  const anaLog = ana.getByRole('log', { name: 'Messages' });
  await expect(anaLog.getByText('Sending...')).toBeVisible();

  await ana.context().setOffline(false);
  const bobLog = bob.getByRole('log', { name: 'Messages' });
  await expect(bobLog.getByText('Sent while offline')).toHaveCount(1);
  await expect(anaLog.getByText('Sending...')).toHaveCount(0);
  await expect(ana.getByText('Reconnecting...')).toHaveCount(0);
  await expect(anaLog.getByText('Sent while offline')).toHaveCount(1);
  // Stored once too.
  await bob.reload();
  await bob.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Ana/ }).click();
  await expect(bobLog.getByText('Sent while offline')).toHaveCount(1);
});

test('a silent socket is found by the heartbeat; the tab reconnects and catches up', async ({ browser, server }) => {
  // Ana's sockets pass through a relay: the test can silence the first (nothing from the server
  // gets through, pongs included) and hold back the second until it lets it through.
  const sockets: WebSocketRoute[] = [];
  let silent = false;
  let held: string[] | null = [];
  const ana = await signUp(browser, server.url, 'Ana', {
    before: async (page) => {
      // Time flows as usual until the test moves it on.
      await page.clock.install();
      await page.routeWebSocket(/\/ws$/, (ws) => {
        const index = sockets.push(ws) - 1;
        const upstream = ws.connectToServer();
        upstream.onMessage((frame) => {
          if (index === 0 && silent) return;
          if (index === 1 && held) held.push(String(frame));
          else ws.send(frame);
        });
      });
    },
  });
  const bob = await signUp(browser, server.url, 'Bob');
  await converse(ana, bob);
  await connected(ana);

  silent = true;
  await say(bob, 'Did you get this?');
  const anaLog = ana.getByRole('log', { name: 'Messages' });
  await expect(bob.getByRole('log', { name: 'Messages' }).getByText('Did you get this?')).toBeVisible();

  // The next ping (at most 20 s away), then 10 s without an answer: the socket is given up.
  await ana.clock.fastForward('00:20');
  await ana.clock.fastForward('00:10');
  await expect(ana.getByRole('status').filter({ hasText: 'Reconnecting...' })).toBeVisible();
  await expect.poll(() => sockets.length).toBe(2);
  expect(await anaLog.getByText('Did you get this?').count()).toBe(0);

  // The new socket gets through: Ana is live again, with what she missed, once.
  for (const frame of held!) sockets[1].send(frame);
  held = null;
  await expect(anaLog.getByText('Did you get this?')).toHaveCount(1);
  await expect(ana.getByText('Reconnecting...')).toHaveCount(0);
  await say(ana, 'Got it');
  await expect(bob.getByRole('log', { name: 'Messages' }).getByText('Got it')).toHaveCount(1);
});
