// Running a server that takes people by invitation: the admin makes an invite link on the admin
// page, a newcomer signs up with it, and the admin disables them again.
import { test, expect } from './fixtures';
import { PASSWORD, register } from './people';

test.use({ serverEnv: { LETUSCHAT_REGISTRATION: 'invite' } });

test('an admin invites someone, who signs up with the link and is then disabled', async ({ browser, server }) => {
  const ana = await (await browser.newContext()).newPage();
  await register(ana.request, server.url, 'Ana'); // the first account: the admin
  await ana.goto(server.url + '/');
  await expect(ana.locator('html[data-hydrated="true"]')).toBeAttached();
  await ana.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Admin' }).click();
  await expect(ana).toHaveURL(server.url + '/admin');
  await expect(ana.getByRole('heading', { name: 'Admin', level: 1 })).toBeVisible();
  await expect(ana.getByText('Sign-up needs an invite link.')).toBeVisible();

  await ana.getByLabel('Uses').fill('1');
  await ana.getByRole('button', { name: 'Create invite link' }).click();
  const link = ana.getByRole('table', { name: 'Invitations' }).getByRole('textbox');
  await expect(link).toHaveValue(/\/register\?invite=/);
  const invite = await link.inputValue();

  // Without the link, the sign-up page says what is missing.
  const bob = await (await browser.newContext()).newPage();
  await bob.goto(server.url + '/register');
  await expect(bob.getByText('Sign-up on this server needs an invitation.')).toBeVisible();
  await expect(bob.getByRole('button', { name: 'Sign up' })).toHaveCount(0);

  await bob.goto(invite);
  await expect(bob.locator('html[data-hydrated="true"]')).toBeAttached();
  await expect(bob.getByText('You have been invited to this server.')).toBeVisible();
  await bob.getByLabel('Display name').fill('Bob');
  await bob.getByLabel('Email').fill('bob@example.com');
  await bob.getByLabel('Password').fill(PASSWORD);
  await bob.getByRole('button', { name: 'Sign up' }).click();
  await expect(bob).toHaveURL(server.url + '/');
  await expect(bob.getByRole('navigation', { name: 'Account' }).getByText('Bob')).toBeVisible();
  await expect(bob.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Admin' })).toHaveCount(0);

  // The link is used up; Ana sees Bob and disables him: his open page leaves the chat.
  await ana.reload();
  await expect(ana.getByRole('table', { name: 'Invitations' }).getByText('1 of 1')).toBeVisible();
  await ana.getByRole('button', { name: 'Disable Bob' }).click();
  await expect(ana.getByRole('button', { name: 'Enable Bob' })).toBeVisible();
  await expect(bob).toHaveURL(/\/login/);

  await bob.getByLabel('Email').fill('bob@example.com');
  await bob.getByLabel('Password').fill(PASSWORD);
  await bob.getByRole('button', { name: 'Sign in' }).click();
  await expect(bob.getByText("This account has been disabled by the server's administrator.")).toBeVisible();
});
