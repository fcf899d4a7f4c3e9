// Before the WASM arrives (or without JavaScript at all) the server-rendered forms still work:
// the browser posts them url-encoded to the same server functions and follows the redirect.
import { test, expect } from './fixtures';

test('sign up, log out and sign in with JavaScript turned off', async ({ browser, server }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();

  await page.goto(server.url + '/register');
  await page.getByLabel('Display name').fill('Noscript');
  await page.getByLabel('Email').fill('noscript@example.com');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(server.url + '/');
  await expect(page.getByRole('navigation', { name: 'Account' }).getByText('Noscript')).toBeVisible();

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);

  // A wrong password comes back to the sign-in page with its message.
  await page.getByLabel('Email').fill('noscript@example.com');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/login\?/);
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong email or password.' })).toBeVisible();

  await page.getByLabel('Email').fill('noscript@example.com');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(server.url + '/');
  await expect(page.getByRole('navigation', { name: 'Account' }).getByText('Noscript')).toBeVisible();
  await context.close();
});
