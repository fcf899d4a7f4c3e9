// Two people in two browsers find each other and chat both ways, live; a reload keeps the
// history; a server restart in the middle loses nothing.
import { test, expect } from './fixtures';
import { say, signUp } from './people';

test('two people chat live, see unread counts and "Seen", and keep the history', async ({ browser, server }, testInfo) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  // Record the notifications Bob's page shows, with the permission already given.
  await bob.evaluate(() => {
    const shown: string[] = [];
    (window as any).shownNotifications = shown;
    class RecordingNotification {
      static permission = 'granted';
      static requestPermission = async () => 'granted';
      constructor(title: string, options?: { body?: string }) {
        shown.push(`${title}: ${options?.body ?? ''}`);
      }
    }
    (window as any).Notification = RecordingNotification;
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  });

  // Ana finds Bob and opens the conversation.
  await ana.getByLabel('Search users').fill('bo');
  await ana.getByRole('button', { name: 'Bob', exact: true }).click();
  await expect(ana.getByLabel('Search users')).toHaveValue('');
  await expect(ana.locator('.chat-info .chat-name')).toHaveText('Bob');

  await say(ana, 'Hello Bob!');
  const anaLog = ana.getByRole('log', { name: 'Messages' });
  await expect(anaLog.getByText('Hello Bob!')).toBeVisible();

  // Bob sees the new conversation appear with one unread message, live.
  const bobList = bob.getByRole('list', { name: 'Conversations' });
  const item = bobList.getByRole('listitem').filter({ hasText: 'Ana' });
  await expect(item).toContainText('Hello Bob!');
  await expect(item.getByLabel('1 unread')).toBeVisible();
  await expect(bob).toHaveTitle('(1) LetUsChat');
  // Bob's tab was hidden: the message showed as a notification too.
  expect(await bob.evaluate(() => (window as any).shownNotifications)).toEqual(['Ana: Hello Bob!']);
  await bob.evaluate(() => Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' }));
  // Ana is online: a green dot on the avatar, and said in words for screen readers.
  await expect(item.locator('.dot.online')).toBeVisible();
  await expect(item).toContainText('(online)');

  // Opening it reads it: the badge goes, and Ana sees "Seen".
  await item.getByRole('button').click();
  const bobLog = bob.getByRole('log', { name: 'Messages' });
  await expect(bobLog.getByText('Hello Bob!')).toBeVisible();
  await expect(item.getByLabel('1 unread')).toHaveCount(0);
  await expect(bob).toHaveTitle('LetUsChat');
  await expect(anaLog.getByText('Seen')).toBeVisible();

  // Bob answers; Ana sees it live. Shift+Enter makes a new line rather than sending.
  const box = bob.getByLabel('Message', { exact: true });
  await box.fill('Hi Ana');
  await box.press('Shift+Enter');
  await box.press('Enter');
  await expect(anaLog.getByText('Hi Ana')).toBeVisible();
  await expect(bobLog.locator('.message.own')).toHaveCount(1);

  // The server restarts in the middle of the conversation; both reconnect with nothing lost.
  await server.restart();
  await say(ana, 'Still there?');
  await expect(bobLog.getByText('Still there?')).toBeVisible({ timeout: 30_000 });
  await expect(anaLog.getByText('Still there?')).toHaveCount(1);

  // A reload shows the whole history, once.
  await ana.reload();
  await ana.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Bob/ }).click();
  for (const text of ['Hello Bob!', 'Hi Ana', 'Still there?']) {
    await expect(anaLog.getByText(text)).toHaveCount(1);
  }
  // What Bob has read is known after the reload too.
  await expect(anaLog.getByText('Seen')).toBeVisible();
  await ana.setViewportSize({ width: 1280, height: 800 });
  await testInfo.attach('chat-1280', { body: await ana.screenshot(), contentType: 'image/png' });
  await ana.screenshot({ path: testInfo.outputPath('chat-1280.png') });
});

test('while a new conversation is being made, the message field waits for it', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  await signUp(browser, server.url, 'Bob');
  await signUp(browser, server.url, 'Cy');
  await ana.getByLabel('Search users').fill('bob');
  await ana.getByRole('button', { name: 'Bob', exact: true }).click();
  await expect(ana.locator('.chat-info .chat-name')).toHaveText('Bob');
  await say(ana, 'Hi Bob');
  const field = ana.getByLabel('Message', { exact: true });

  // The server takes its time to make the conversation with Cy.
  await ana.route('**/api/fn/open_conversation', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await route.continue();
  });
  await ana.getByLabel('Search users').fill('cy');
  await ana.getByRole('button', { name: 'Cy', exact: true }).click();
  // Nothing typed now can go to Bob's conversation, still on screen.
  await expect(field).toBeDisabled();
  await expect(ana.locator('.chat-info .chat-name')).toHaveText('Cy');
  await expect(field).toBeEnabled();
  await say(ana, 'Hi Cy');
  await expect(ana.getByRole('log', { name: 'Messages' }).getByText('Hi Cy')).toBeVisible();
  await ana.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Bob/ }).click();
  const log = ana.getByRole('log', { name: 'Messages' });
  await expect(log.getByText('Hi Bob')).toBeVisible();
  await expect(log.getByText('Hi Cy')).toHaveCount(0);
});
