// A URL per conversation: opening one puts it in the address bar, a reload keeps it open, and
// back and forward move between the conversations opened.
import { test, expect } from './fixtures';
import { say, signUp } from './people';

test('the address follows the open conversation, through reloads and history', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  await signUp(browser, server.url, 'Bob');
  await signUp(browser, server.url, 'Cy');
  const header = ana.locator('.chat-info .chat-name');
  const list = ana.getByRole('list', { name: 'Conversations' });
  for (const name of ['Bob', 'Cy']) {
    await ana.getByLabel('Search users').fill(name.toLowerCase());
    await ana.getByRole('button', { name, exact: true }).click();
    await say(ana, `Hi ${name}`);
    await expect(header).toHaveText(name);
    await expect(ana).toHaveURL(new RegExp(`/c/[0-9a-f-]{36}$`));
  }
  const cyUrl = ana.url();

  await ana.reload();
  await expect(ana.locator('html[data-hydrated="true"]')).toBeAttached();
  await expect(header).toHaveText('Cy');
  await expect(ana.getByRole('log', { name: 'Messages' }).getByText('Hi Cy')).toBeVisible();

  await list.getByRole('button', { name: /Bob/ }).click();
  await expect(header).toHaveText('Bob');
  const bobUrl = ana.url();
  expect(bobUrl).not.toBe(cyUrl);
  await ana.goBack();
  await expect(ana).toHaveURL(cyUrl);
  await expect(header).toHaveText('Cy');
  await ana.goForward();
  await expect(ana).toHaveURL(bobUrl);
  await expect(header).toHaveText('Bob');
  await expect(ana.getByRole('log', { name: 'Messages' }).getByText('Hi Bob')).toBeVisible();
});
