// A group of three made from search results: a title, its members in the header, and messages
// that reach everyone.
import { test, expect } from './fixtures';
import { signUp } from './people';

test('a group of three', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  const cy = await signUp(browser, server.url, 'Cy');

  for (const [query, name] of [['bo', 'Bob'], ['cy', 'Cy']]) {
    await ana.getByLabel('Search users').fill(query);
    await ana.getByRole('button', { name: `Add to a group: ${name}` }).click();
  }
  const builder = ana.getByRole('group', { name: 'New group' });
  await expect(builder.getByText('Bob')).toBeVisible();
  await builder.getByLabel('Group title').fill('Trio');
  await builder.getByRole('button', { name: 'Create group' }).click();
  await expect(ana.locator('.chat-info .chat-name')).toHaveText('Trio');
  await expect(ana.locator('.chat-info .chat-status')).toHaveText('Bob, Cy');

  await ana.getByLabel('Message', { exact: true }).fill('Hi both');
  await ana.getByLabel('Message', { exact: true }).press('Enter');
  for (const page of [bob, cy]) {
    const item = page.getByRole('list', { name: 'Conversations' }).getByRole('listitem').filter({ hasText: 'Trio' });
    await expect(item).toContainText('Hi both');
    await item.getByRole('button').click();
  }
  await cy.getByLabel('Message', { exact: true }).fill('Hello from Cy');
  await cy.getByLabel('Message', { exact: true }).press('Enter');
  for (const page of [ana, bob]) {
    await expect(page.getByRole('log', { name: 'Messages' }).getByText('Hello from Cy')).toBeVisible();
  }
});
