// The page is rendered on the server, then the WASM hydrates it: only a live page enables "Send"
// as the user types.
import { test, expect } from './fixtures';

test('the server-rendered page hydrates and reacts to typing', async ({ page, server }) => {
  // Signed in through the API: the browser context shares the session cookie.
  const other = await page.request.post(server.url + '/api/auth/register', {
    data: { display_name: 'Other Person', email: 'other@example.com', password: 'correct horse battery' },
  });
  expect(other.status()).toBe(201);
  const signUp = await page.request.post(server.url + '/api/auth/register', {
    data: { display_name: 'Hydra', email: 'hydra@example.com', password: 'correct horse battery' },
  });
  expect(signUp.status()).toBe(201);
  const html = await (await page.request.get(server.url + '/')).text();
  expect(html).toContain('LetUsChat');
  expect(html).toContain('aria-label="Message"');
  expect(html).toContain('Hydra');

  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  const wasm = page.waitForResponse((r) => /\/pkg\/.*\.wasm$/.test(r.url()));

  await page.goto(server.url + '/');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();

  // Only the live page searches and enables "Send" as the user types.
  const send = page.getByRole('button', { name: 'Send' });
  await expect(send).toBeDisabled();
  await page.getByLabel('Search users').fill('oth');
  await page.getByRole('button', { name: 'Other Person', exact: true }).click();
  const message = page.getByLabel('Message', { exact: true });
  await expect(message).toBeEnabled();
  await message.fill('hello');
  await expect(send).toBeEnabled();
  await message.fill('   ');
  await expect(send).toBeDisabled();

  // The WASM came compressed, under a hashed name browsers may keep for a year.
  const headers = (await wasm).headers();
  expect(['br', 'gzip']).toContain(headers['content-encoding']);
  expect(headers['cache-control']).toContain('max-age=31536000');
  expect(headers['cache-control']).toContain('immutable');

  expect(problems).toEqual([]);
});
