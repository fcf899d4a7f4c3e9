// Reading comfort (issue 14, point 4): links, groups of messages, days, a field that grows,
// and times in the reader's own language and time zone.
import { test, expect } from './fixtures';
import type { Browser, Page } from '@playwright/test';
import { PASSWORD, converse, register, say, signUp } from './people';

const log = (page: Page) => page.getByRole('log', { name: 'Messages' });
const DAY = 86_400_000;

/** Bob again, in a browser that speaks German in Tokyo and whose clock is `ahead` ms later. */
async function bobInTokyo(browser: Browser, url: string, ahead = 0): Promise<Page> {
  const context = await browser.newContext({ locale: 'de-DE', timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  const login = await page.request.post(url + '/api/auth/login', {
    data: { email: 'bob@example.com', password: PASSWORD },
  });
  expect(login.status()).toBe(200);
  if (ahead) await page.clock.setSystemTime(Date.now() + ahead);
  await page.goto(url + '/');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  await page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Ana/ }).click();
  await expect(log(page).locator('.message').first()).toBeVisible();
  return page;
}

test('links open in a new tab, and markup is shown as typed', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  await converse(ana, bob);

  await say(ana, 'Look: https://example.com/a?b=1&c=2. <b>bold</b> javascript:alert(1)');
  const message = log(bob).locator('.message').filter({ hasText: 'Look:' });
  const link = message.getByRole('link', { name: 'https://example.com/a?b=1&c=2' });
  await expect(link).toHaveAttribute('href', 'https://example.com/a?b=1&c=2');
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  // One link only, the sentence's full stop outside it, and the tags as text.
  await expect(message.getByRole('link')).toHaveCount(1);
  await expect(message.locator('p')).toHaveText('Look: https://example.com/a?b=1&c=2. <b>bold</b> javascript:alert(1)');
  await expect(message.locator('b')).toHaveCount(0);
});

test('messages group by person and minutes, under a day separator', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  await converse(ana, bob);
  await say(ana, 'second');
  await say(ana, 'third');
  await expect(log(bob).getByText('third')).toBeVisible();
  await say(bob, 'an answer');
  await expect(log(ana).getByText('an answer')).toBeVisible();

  for (const page of [ana, bob]) {
    const messages = log(page).locator('.message');
    await expect(messages).toHaveCount(4);
    // The first of a group shows the avatar and time; the rest sit under it.
    await expect(messages.nth(0)).not.toHaveClass(/grouped/);
    await expect(messages.nth(1)).toHaveClass(/grouped/);
    await expect(messages.nth(2)).toHaveClass(/grouped/);
    await expect(messages.nth(3)).not.toHaveClass(/grouped/);
    await expect(messages.nth(1).locator('.time')).toBeHidden();
    await expect(messages.nth(3).locator('.time')).toBeVisible();
    const first = await messages.nth(0).boundingBox();
    const second = await messages.nth(1).boundingBox();
    // Closer together than separate messages are.
    expect(second!.y - (first!.y + first!.height)).toBeLessThan(10);
    // One separator, above the first message.
    await expect(log(page).locator('.day')).toHaveText(['Today']);
  }
});

test('times and days are in the reader\'s language and time zone', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  await converse(ana, bob);
  const list = await (await bob.request.get(server.url + '/api/conversations')).json();
  const sent = new Date(list.conversations[0].last_message.created_at);
  const tokyo = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('de-DE', { ...options, timeZone: 'Asia/Tokyo' }).format(sent);

  // Today in Tokyo: the clock time there, in the sidebar (written in UTC by the server, then
  // redrawn) and beside the message.
  const today = await bobInTokyo(browser, server.url);
  const clock = tokyo({ hour: '2-digit', minute: '2-digit' });
  await expect(today.locator('.chat-time')).toHaveText(clock);
  await expect(log(today).locator('.message .time')).toHaveText(clock);
  await expect(log(today).locator('.day')).toHaveText(['Today']);

  // A day later, the same message is yesterday's; three days later, a German date.
  const tomorrow = await bobInTokyo(browser, server.url, DAY);
  await expect(log(tomorrow).locator('.day')).toHaveText(['Yesterday']);
  await expect(tomorrow.locator('.chat-time')).toHaveText(tokyo({ month: 'short', day: 'numeric' }));
  const later = await bobInTokyo(browser, server.url, 3 * DAY);
  await expect(log(later).locator('.day')).toHaveText([
    tokyo({ weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }),
  ]);
});

test('the message field grows with its text, up to a limit', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  await register((await browser.newContext()).request, server.url, 'Bob');
  await ana.getByLabel('Search users').fill('bob');
  await ana.getByRole('button', { name: 'Bob', exact: true }).click();
  const field = ana.getByLabel('Message', { exact: true });
  await field.fill('one line');
  const one = (await field.boundingBox())!.height;
  await field.fill('1\n2\n3\n4');
  const four = (await field.boundingBox())!.height;
  expect(four).toBeGreaterThan(one * 3);
  await field.fill(Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n'));
  const many = (await field.boundingBox())!.height;
  expect(many).toBeGreaterThan(four);
  // It stops growing and scrolls instead; the conversation stays in view above it.
  expect(many).toBeLessThan(one * 10);
  expect(await field.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
  // Sending empties it, and it is one line high again.
  await field.press('Enter');
  await expect(field).toHaveValue('');
  expect((await field.boundingBox())!.height).toBe(one);
});
