// Message search in the browser (issue 14, point 1): the words found are marked, only one's
// own conversations are searched, more results come on request, and choosing one opens its
// conversation at that message with older and newer history loading around it.
import { test, expect } from './fixtures';
import { register } from './people';

test('search finds, marks and opens a message in its history', async ({ browser, server }) => {
  const page = await (await browser.newContext()).newPage();
  const api = page.request;
  const bob = await register(api, server.url, 'Bob');
  const carl = await register(api, server.url, 'Carl');
  const ana = await register(api, server.url, 'Ana'); // the page's cookie is Ana's
  const talk = async (token: string, members: number[]) =>
    (
      await api.post(server.url + '/api/conversations', {
        headers: { authorization: `Bearer ${token}` },
        data: { member_ids: members },
      })
    ).json();
  const withAna = await talk(bob.token, [ana.user.id]);
  const withoutAna = await talk(bob.token, [carl.user.id]);
  const post = async (conversation: { id: string }, text: string) =>
    expect(
      (
        await api.post(server.url + `/api/conversations/${conversation.id}/messages`, {
          headers: { authorization: `Bearer ${bob.token}` },
          data: { client_id: crypto.randomUUID(), text },
        })
      ).status(),
    ).toBe(201);
  for (let i = 1; i <= 120; i++) {
    await post(withAna, i === 30 ? 'line 30: meet me at the Café <Lumière>' : i % 4 === 0 ? `line ${i} batch` : `line ${i}`);
  }
  await post(withoutAna, 'Carl, the café is closed');

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url + '/');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  const field = page.getByLabel('Search messages');
  const results = page.getByRole('list', { name: 'Search results' });

  // Any case, by the beginning of words, in Ana's conversations only; the text is shown as
  // typed, with the words asked for marked.
  await field.fill('CAFÉ lumi');
  await expect(results.locator('.found')).toHaveCount(1);
  await expect(results.locator('.found')).toContainText('line 30: meet me at the Café <Lumière>');
  await expect(results.locator('mark')).toHaveText(['Café', 'Lumi']);
  await expect(results.locator('.found-title')).toHaveText('Bob');

  // Choosing it opens the conversation at that message, focused, with history around it.
  await results.locator('.found').click();
  await expect(results).toHaveCount(0);
  const log = page.getByRole('log', { name: 'Messages' });
  const found = log.locator('.message:focus');
  await expect(found).toContainText('line 30: meet me');
  await expect(found).toBeInViewport();
  await expect(log.getByText('line 119', { exact: true })).toHaveCount(0);

  // A new message meanwhile waits below the unloaded part; scrolling down brings it all.
  await post(withAna, 'newest of all');
  await page.waitForTimeout(500);
  await expect(log.getByText('newest of all')).toHaveCount(0);
  await expect(async () => {
    await log.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(log.getByText('newest of all')).toBeVisible({ timeout: 1000 });
  }).toPass();
  await expect(log.getByText('line 119', { exact: true })).toHaveCount(1);
  // And older pages above, once each.
  await expect(async () => {
    await log.evaluate((el) => (el.scrollTop = 0));
    await expect(log.getByText('line 1', { exact: true })).toHaveCount(1, { timeout: 1000 });
  }).toPass();
  await expect(log.locator('.message')).toHaveCount(121);

  // Many matches: a page, then more on request; nothing twice.
  await field.fill('batch');
  await expect(results.locator('.found')).toHaveCount(20);
  await expect(results.locator('.found').first()).toContainText('line 120 batch');
  await results.getByRole('button', { name: 'More results' }).click();
  await expect(results.locator('.found')).toHaveCount(30);
  await expect(results.getByRole('button', { name: 'More results' })).toHaveCount(0);

  // Nothing found says so; Escape closes the results.
  await field.fill('zzzz');
  await expect(results.getByText('No messages found.')).toBeVisible();
  await field.press('Escape');
  await expect(results).toHaveCount(0);
  await expect(field).toHaveValue('');
});
