// The Content-Security-Policy lets the app hydrate and talk to its server (every test fails on a
// violation, see fixtures.ts), and no other site can frame the chat.
import { test, expect } from './fixtures';
import { signUp } from './people';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

test('the app hydrates and chats under its policy, each page with its own nonce', async ({ browser, server }) => {
  const page = await signUp(browser, server.url, 'Ana');
  const first = await page.request.get(server.url + '/login');
  const second = await page.request.get(server.url + '/login');
  const policies = [first, second].map((r) => r.headers()['content-security-policy']);
  expect(policies[0]).toContain("frame-ancestors 'none'");
  expect(policies[0]).not.toEqual(policies[1]);

  // The WebSocket (connect-src 'self') carries what the page sends back to it.
  const other = await signUp(browser, server.url, 'Bob');
  await page.getByLabel('Search users').fill('bob');
  await page.getByRole('button', { name: 'Bob', exact: true }).click();
  await page.getByLabel('Message', { exact: true }).fill('under a policy');
  await page.getByLabel('Message', { exact: true }).press('Enter');
  await expect(other.getByRole('list', { name: 'Conversations' }).getByText('under a policy')).toBeVisible();
});

test('another site cannot frame the chat', async ({ page, server, cspViolations }) => {
  // Another origin on this machine (a public one may not frame a local server at all).
  const site = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<iframe src="${server.url}/login" title="framed"></iframe>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = site.address() as AddressInfo;
    await page.goto(`http://localhost:${port}/`);
    await expect
      .poll(() => cspViolations.some((v) => v.includes('frame-ancestors')), { message: 'the browser refused the frame' })
      .toBe(true);
    const framed = page.frames().find((f) => f !== page.mainFrame());
    expect(await framed?.locator('text=Welcome Back!').count()).toBe(0);
  } finally {
    site.close();
  }
  cspViolations.splice(0);
});
