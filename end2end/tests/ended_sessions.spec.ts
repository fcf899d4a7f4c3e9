// A session that ends elsewhere (a log out in another tab, a password changed on another device,
// or while the tab was offline) takes the tab to the sign-in page, which says why in a sentence
// of its own; too many connections are said once instead of being retried again and again.
import { test, expect } from './fixtures';
import { connected, PASSWORD, signUp } from './people';

test('a tab signed out in another tab goes to sign-in and says why', async ({ browser, server }) => {
  const first = await signUp(browser, server.url, 'Ana');
  await connected(first);
  const second = await first.context().newPage();
  await second.goto(server.url + '/');
  await expect(second.locator('html[data-hydrated="true"]')).toBeAttached();
  await connected(second);

  await second.getByRole('button', { name: 'Log out' }).click();

  await expect(first).toHaveURL(server.url + '/login?ended=signed_out');
  await expect(first.getByRole('status')).toHaveText('You were signed out.');
  await expect(first.locator('html[data-hydrated="true"]')).toBeAttached();
  await expect(first.getByRole('button', { name: 'Sign in' })).toBeVisible();
  // The tab that logged out just signs out; it is not told what it did.
  await expect(second).toHaveURL(server.url + '/login');
  await expect(second.getByRole('heading', { name: 'Welcome Back!' })).toBeVisible();
  await expect(second.getByText('You were signed out.')).toHaveCount(0);
});

test('a password changed on another device sends the tab to sign in again', async ({ browser, server, playwright }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  await connected(ana);

  // Ana's phone: a session of its own, which changes the password.
  const phone = await playwright.request.newContext();
  const login = await phone.post(server.url + '/api/auth/login', { data: { email: 'ana@example.com', password: PASSWORD } });
  expect(login.status()).toBe(200);
  const { token } = (await login.json()) as { token: string };
  const changed = await phone.patch(server.url + '/api/me', {
    headers: { Authorization: `Bearer ${token}` },
    data: { password: { current: PASSWORD, new: 'a brand new horse battery' } },
  });
  expect(changed.status()).toBe(200);
  await phone.dispose();

  await expect(ana).toHaveURL(server.url + '/login?ended=password_changed');
  await expect(ana.getByRole('status')).toHaveText('Your password was changed; sign in again.');
});

test('a session that ended while the tab was offline is found when it comes back', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  await connected(ana);
  await ana.context().setOffline(true);
  await expect(ana.getByRole('status').filter({ hasText: 'Reconnecting...' })).toBeVisible();
  // Signed out meanwhile (the browser's cookie goes too): the socket is refused at the upgrade,
  // which tells the page nothing, so it asks whether it is still signed in.
  const out = await ana.request.post(server.url + '/api/auth/logout');
  expect(out.status()).toBe(204);
  await ana.context().setOffline(false);
  await expect(ana).toHaveURL(server.url + '/login?ended=signed_out');
  await expect(ana.getByRole('status')).toHaveText('You were signed out.');
});

test('the sign-in page says why from a fixed list, before any script runs', async ({ browser, server }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();

  await page.goto(server.url + '/login?ended=password_changed');
  await expect(page.getByRole('status')).toHaveText('Your password was changed; sign in again.');
  await page.goto(server.url + '/login?ended=signed_out');
  await expect(page.getByRole('status')).toHaveText('You were signed out.');

  // Words of the address's own are never shown.
  await page.goto(server.url + '/login?ended=' + encodeURIComponent('Your account is locked; call 555-0100'));
  await expect(page.getByRole('heading', { name: 'Welcome Back!' })).toBeVisible();
  await expect(page.getByRole('status')).toHaveCount(0);
  await expect(page.getByText('555-0100')).toHaveCount(0);
  await context.close();
});

test('too many connections is said once, not retried in a loop', async ({ browser, server }) => {
  // The server refuses Ana's socket as it does past the per-person limit.
  let sockets = 0;
  const ana = await signUp(browser, server.url, 'Ana', {
    before: async (page) => {
      await page.clock.install();
      await page.routeWebSocket(/\/ws$/, (ws) => {
        sockets += 1;
        ws.close({ code: 4003, reason: 'too many open connections' });
      });
    },
  });

  const status = ana.getByRole('status');
  await expect(status).toHaveText('Too many open tabs: close one, then reload this page.');
  // Well past any backoff: still one attempt, still the same sentence.
  await ana.clock.fastForward('01:00');
  await ana.waitForTimeout(1_000);
  expect(sockets).toBe(1);
  await expect(status).toHaveText('Too many open tabs: close one, then reload this page.');
});
