// People for the tests: accounts made through the API, and signed-in pages in contexts of their own.
import { expect } from './fixtures';
import type { APIRequestContext, Browser, Page } from '@playwright/test';

export const PASSWORD = 'correct horse battery';

/** Signs `name` up through the API (`api` then holds their session cookie). */
export async function register(api: APIRequestContext, url: string, name: string, email = `${name.toLowerCase()}@example.com`) {
  const response = await api.post(url + '/api/auth/register', { data: { display_name: name, email, password: PASSWORD } });
  expect(response.status()).toBe(201);
  return (await response.json()) as { user: { id: number }; token: string };
}

/** A new browser context signed up as `name`, on the chat page once it is live. `before` runs
 *  before the page opens (to route requests, say). */
export async function signUp(
  browser: Browser,
  url: string,
  name: string,
  options: { colorScheme?: 'light' | 'dark'; before?: (page: Page) => Promise<void> } = {},
): Promise<Page> {
  const context = await browser.newContext({ colorScheme: options.colorScheme });
  const page = await context.newPage();
  await register(page.request, url, name);
  if (options.before) await options.before(page);
  await page.goto(url + '/');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  return page;
}

/** Types a message into the open conversation and sends it with Enter. */
export async function say(page: Page, text: string) {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/** Ana opens the conversation with Bob and greets him; Bob opens it too. */
export async function converse(ana: Page, bob: Page) {
  await ana.getByLabel('Search users').fill('bob');
  await ana.getByRole('button', { name: 'Bob', exact: true }).click();
  await say(ana, 'Hi Bob');
  await bob.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Ana/ }).click();
  await expect(bob.getByRole('log', { name: 'Messages' }).getByText('Hi Bob')).toBeVisible();
}

/** Waits until the page's live connection is up (the header says nothing about it). */
export async function connected(page: Page) {
  await expect(page.getByRole('status').filter({ hasText: /Connecting\.\.\.|Reconnecting\.\.\./ })).toHaveCount(0);
}
