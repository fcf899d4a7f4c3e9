// A long conversation: the newest page first, older pages while scrolling up without the view
// jumping, and a "New messages" button when something arrives while reading further up.
import { test, expect } from './fixtures';
import { register } from './people';

test('older pages load on scrolling up; new messages wait behind a button', async ({ browser, server }) => {
  const page = await (await browser.newContext()).newPage();
  const api = page.request;
  const bob = await register(api, server.url, 'Bob');
  const ana = await register(api, server.url, 'Ana'); // the page's cookie is Ana's
  const conversation = await (
    await api.post(server.url + '/api/conversations', {
      headers: { authorization: `Bearer ${bob.token}` },
      data: { member_ids: [ana.user.id] },
    })
  ).json();
  const post = (text: string) =>
    api.post(server.url + `/api/conversations/${conversation.id}/messages`, {
      headers: { authorization: `Bearer ${bob.token}` },
      data: { client_id: crypto.randomUUID(), text },
    });
  for (let i = 1; i <= 120; i++) expect((await post(`line ${i}`)).status()).toBe(201);

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url + '/');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  await page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Bob/ }).click();
  const log = page.getByRole('log', { name: 'Messages' });
  await expect(log.getByText('line 120', { exact: true })).toBeInViewport();
  await expect(log.locator('.message')).toHaveCount(50);

  // Scrolling to the top brings the older pages, once each, keeping the reader's place.
  for (const expected of [100, 120]) {
    await log.evaluate((el) => (el.scrollTop = 0));
    await expect(log.locator('.message')).toHaveCount(expected);
    const top = await log.evaluate((el) => el.scrollTop);
    expect(top).toBeGreaterThan(0);
  }
  await expect(log.getByText('line 1', { exact: true })).toHaveCount(1);

  // Reading old messages, a new one does not pull the view down: a button offers it.
  await log.evaluate((el) => (el.scrollTop = 200));
  await post('fresh news');
  const button = page.getByRole('button', { name: 'New messages' });
  await expect(button).toBeVisible();
  await expect(log.getByText('fresh news')).not.toBeInViewport();
  await button.click();
  await expect(log.getByText('fresh news')).toBeInViewport();
  await expect(button).toBeHidden();
});
