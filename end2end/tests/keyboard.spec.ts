// Everything a person does here, done with the keyboard alone: every stop shows where the focus
// is, the tab order follows the screen, and Escape closes the search results.
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';

/** Presses Tab and checks where the focus landed and that it can be seen. */
async function tabTo(page: Page, what: string, expected: ReturnType<Page['getByRole']>) {
  await page.keyboard.press('Tab');
  await expect(expected, `Tab should reach ${what}`).toBeFocused();
  const ring = await expected.evaluate((el) => {
    const style = getComputedStyle(el);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  expect(ring.style, `${what} shows a focus outline`).not.toBe('none');
  expect(ring.width, `${what} shows a focus outline`).toBeGreaterThanOrEqual(2);
}

test('sign in, find a person and send a message with the keyboard only', async ({ browser, page, server }) => {
  // Two accounts made through the API in a context of their own; this page starts signed out.
  const setup = await browser.newContext();
  for (const [name, email] of [['Ana Keys', 'ana@example.com'], ['Bob', 'bob@example.com']]) {
    const response = await setup.request.post(server.url + '/api/auth/register', {
      data: { display_name: name, email, password: 'correct horse battery' },
    });
    expect(response.status()).toBe(201);
  }
  await setup.close();

  await page.goto(server.url + '/login');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  await tabTo(page, 'the email field', page.getByLabel('Email'));
  await page.keyboard.type('ana@example.com');
  await tabTo(page, 'the password field', page.getByLabel('Password'));
  await page.keyboard.type('correct horse battery');
  await tabTo(page, 'the Sign in button', page.getByRole('button', { name: 'Sign in' }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(server.url + '/');
  await expect(page.getByRole('navigation', { name: 'Account' }).getByText('Ana Keys')).toBeVisible();

  // The chat: the account first (Ana, the first account, is the admin), then the search.
  await tabTo(page, 'the Admin link', page.getByRole('link', { name: 'Admin' }));
  await tabTo(page, 'Log out', page.getByRole('button', { name: 'Log out' }));
  const search = page.getByLabel('Search users');
  await tabTo(page, 'the search field', search);

  // Escape closes the results and empties the field.
  await page.keyboard.type('bo');
  const person = page.getByRole('button', { name: 'Bob', exact: true });
  await expect(person).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(search).toHaveValue('');
  await expect(page.getByRole('list', { name: 'Search results' })).toHaveCount(0);
  await expect(search).toBeFocused();

  await page.keyboard.type('bob');
  // The results come from the server: Tab once they are there.
  await expect(person).toBeVisible();
  await tabTo(page, 'the search result', person);
  await page.keyboard.press('Enter');
  // Opened with the keyboard: the focus moves on to the message field.
  const message = page.getByLabel('Message', { exact: true });
  await expect(message).toBeFocused();
  await expect(page.locator('.chat-info .chat-name')).toHaveText('Bob');
  await page.keyboard.type('Typed without a mouse');
  await page.keyboard.press('Enter');
  const log = page.getByRole('log', { name: 'Messages' });
  await expect(log.getByText('Typed without a mouse')).toBeVisible();
  await expect(message).toHaveValue('');
  await expect(log.getByText('Sending...')).toHaveCount(0);

  // Back through the rest of the screen: the history can be scrolled, then the attachment
  // picker; "Send" waits for text.
  await page.keyboard.type('x');
  await tabTo(page, 'the file picker', page.getByLabel('Attach file'));
  await tabTo(page, 'Send', page.getByRole('button', { name: 'Send' }));
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  await expect(message).toBeFocused();
  // The newest message's actions come before the field (the sender's own: Delete last), then
  // the history itself.
  await page.keyboard.press('Shift+Tab');
  await expect(log.getByRole('button', { name: 'Delete' }).last()).toBeFocused();
  for (const name of ['Edit', 'React', 'Reply']) {
    await page.keyboard.press('Shift+Tab');
    await expect(log.getByRole('button', { name }).last()).toBeFocused();
  }
  await page.keyboard.press('Shift+Tab');
  await expect(log).toBeFocused();

  // At the chat's own address (a reload would keep the conversation: its address is /c/ID)
  // nothing is open and the message field is off. A conversation already in the
  // list opens at once from the search: keys pressed straight after choosing it land in the
  // message field, none lost on the way.
  // The server is made slow to answer, so a round trip would show.
  await page.route('**/api/fn/open_conversation', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await route.continue();
  });
  await page.goto(server.url + '/');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  await expect(message).toBeDisabled();
  await search.focus();
  await page.keyboard.type('bob');
  await expect(person).toBeVisible();
  await tabTo(page, 'the search result', person);
  await page.keyboard.press('Enter');
  await page.keyboard.type('Straight on');
  await expect(message).toHaveValue('Straight on');
});
