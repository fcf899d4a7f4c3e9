// The user search shows the first twenty matches and says when more people match.
import { test, expect } from './fixtures';
import { register } from './people';

test('the search shows twenty matches and says when there are more', async ({ page, request, server }) => {
  // Twenty-one people called Zed, signed up elsewhere; this page signs up as Ana.
  await Promise.all(Array.from({ length: 21 }, (_, i) => register(request, server.url, `Zed ${i + 1}`, `zed${i + 1}@example.com`)));
  await register(page.request, server.url, 'Ana');
  await page.goto(server.url + '/');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  const results = page.getByRole('list', { name: 'Search results' });
  const hint = results.getByText('More people match: type more of the name.');

  await page.getByLabel('Search users').fill('zed');
  await expect(results.getByRole('button', { name: /^Zed \d+$/ })).toHaveCount(20);
  await expect(hint).toBeVisible();

  await page.getByLabel('Search users').fill('zed 1');
  // "Zed 1" and "Zed 10" to "Zed 19".
  await expect(results.getByRole('button', { name: /^Zed \d+$/ })).toHaveCount(11);
  await expect(hint).toHaveCount(0);
});
