// Getting in and out as a person does: sign up with an avatar, log out, sign in.
import { test, expect } from './fixtures';
import { png } from './png';

test('sign up with an avatar, log out, and sign in again', async ({ page, server }) => {
  await page.goto(server.url + '/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();

  await page.getByRole('link', { name: 'Register' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome to LetUsChat!' })).toBeVisible();
  await page.getByLabel('Display name').fill('Ana Lima');
  await page.getByLabel('Email').fill('ana@example.com');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByLabel('Avatar').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(300, 200) });
  await expect(page.getByAltText('Avatar preview')).toBeVisible();
  await page.getByRole('button', { name: 'Sign up' }).click();

  // In the chat, with the name and the uploaded avatar in the navbar.
  await expect(page).toHaveURL(server.url + '/');
  const account = page.getByRole('navigation', { name: 'Account' });
  await expect(account.getByText('Ana Lima')).toBeVisible();
  const avatar = account.locator('img.avatar');
  await expect(avatar).toHaveAttribute('src', /^\/uploads\/avatar-.*\.(png|jpg)$/);
  const src = await avatar.getAttribute('src');
  const served = await page.request.get(server.url + src);
  expect(served.status()).toBe(200);
  expect(served.headers()['x-content-type-options']).toBe('nosniff');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto(server.url + '/');
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel('Email').fill('ana@example.com');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Wrong email or password.')).toBeVisible();
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(server.url + '/');
  await expect(page.getByRole('navigation', { name: 'Account' }).getByText('Ana Lima')).toBeVisible();
});

test('sign-up errors appear next to their fields', async ({ page, server }) => {
  await page.request.post(server.url + '/api/auth/register', {
    data: { display_name: 'First', email: 'taken@example.com', password: 'correct horse battery' },
  });
  await page.context().clearCookies();
  await page.goto(server.url + '/register');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  await page.getByLabel('Display name').fill('Second');
  await page.getByLabel('Email').fill('TAKEN@example.com');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByText('An account with this email already exists.')).toBeVisible();
  await expect(page).toHaveURL(/\/register$/);
});
