// The live states a person sees: "Bob is typing...", "Reconnecting..." while the server is away
// (with a message waiting as "Sending..." and delivered once it is back), and a message the
// server refused, shown as not sent with a Retry that delivers it once.
import { test, expect } from './fixtures';
import { converse, say, signUp } from './people';

test('typing, and reconnecting with a message waiting', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  await converse(ana, bob);

  // Ana sees Bob's presence once he has written to her (README, "Presence"): not before.
  const status = ana.locator('.chat-info .chat-status');
  await expect(status).toHaveText('offline');
  await say(bob, 'Hi Ana');
  await expect(status).toHaveText('online');
  // A client says "typing" at most every 2 s, and Bob's greeting just did.
  await bob.waitForTimeout(2100);
  // Bob types without sending: Ana's header says so, in place of "online".
  await bob.getByLabel('Message', { exact: true }).pressSequentially('Hel');
  await expect(status).toHaveText('Bob is typing...');

  // The server goes away: Ana's page says it is reconnecting, and what she sends waits.
  await server.stop();
  await expect(ana.getByRole('status').filter({ hasText: 'Reconnecting...' })).toBeVisible();
  await say(ana, 'Are you still there?');
  const anaLog = ana.getByRole('log', { name: 'Messages' });
  await expect(anaLog.locator('.message.pending')).toHaveCount(1);
  await expect(anaLog.getByText('Sending...')).toBeVisible();

  // Back again: both reconnect, the waiting message is delivered once, and nothing says
  // "Reconnecting..." or "Sending..." any more.
  await server.restart();
  const bobLog = bob.getByRole('log', { name: 'Messages' });
  await expect(bobLog.getByText('Are you still there?')).toHaveCount(1, { timeout: 30_000 });
  await expect(anaLog.getByText('Sending...')).toHaveCount(0);
  await expect(ana.getByText('Reconnecting...')).toHaveCount(0);
  await expect(anaLog.getByText('Are you still there?')).toHaveCount(1);
});

test('a message the server refused shows as not sent, and Retry delivers it once', async ({ browser, server }) => {
  // Ana's socket passes through a relay that answers her first message with an error, as the
  // server does when it cannot take a message.
  let refused = 0;
  const ana = await signUp(browser, server.url, 'Ana', {
    before: (page) => page.routeWebSocket(/\/ws$/, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage((text) => {
        const frame = JSON.parse(String(text));
        if (frame.type === 'send' && frame.text === 'Refused once' && refused === 0) {
          refused += 1;
          ws.send(JSON.stringify({ type: 'error', code: 'internal', message: 'Try again.', client_id: frame.client_id }));
          return;
        }
        upstream.send(text);
      });
      upstream.onMessage((text) => ws.send(text));
    }),
  });
  const bob = await signUp(browser, server.url, 'Bob');
  await converse(ana, bob);

  await say(ana, 'Refused once');
  const anaLog = ana.getByRole('log', { name: 'Messages' });
  const retry = anaLog.getByRole('button', { name: 'Retry' });
  await expect(retry).toBeVisible();
  await expect(anaLog.getByText('Not sent.')).toBeVisible();
  expect(refused).toBe(1);

  await retry.click();
  const bobLog = bob.getByRole('log', { name: 'Messages' });
  await expect(bobLog.getByText('Refused once')).toHaveCount(1);
  await expect(anaLog.getByText('Not sent.')).toHaveCount(0);
  await expect(anaLog.getByText('Sending...')).toHaveCount(0);
  await expect(anaLog.getByText('Refused once')).toHaveCount(1);
  // A reload shows it once too: the retry was the same message, not a second one.
  await bob.reload();
  await bob.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Ana/ }).click();
  await expect(bobLog.getByText('Refused once')).toHaveCount(1);
});
