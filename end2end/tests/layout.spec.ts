// The layout at phone, tablet, laptop and wide-screen widths, light and dark, with a check for
// each defect a new user found (positions and computed colours, not pixels). Screenshots of
// every width are kept in test-results/ for a person to look at.
import { test, expect } from './fixtures';
import type { Page, TestInfo } from '@playwright/test';
import { png } from './png';
import { register, say, signUp } from './people';

const WIDTHS = [375, 768, 1280, 1920] as const;
const heightOf = (width: number) => (width === 1920 ? 1080 : width === 375 ? 740 : 800);

async function box(page: Page, selector: string) {
  const found = await page.locator(selector).first().boundingBox();
  if (!found) throw new Error(`${selector} is not laid out`);
  return found;
}

/** The colour a CSS colour value (such as `var(--danger)`) computes to on this page. */
async function computed(page: Page, value: string) {
  return page.evaluate((value) => {
    const probe = document.createElement('span');
    probe.style.color = value;
    document.body.append(probe);
    const color = getComputedStyle(probe).color;
    probe.remove();
    return color;
  }, value);
}

async function keep(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
}

test('a new account is told how to start, on a phone and on a wide screen', async ({ browser, server }, testInfo) => {
  for (const width of [375, 1920]) {
    const context = await browser.newContext({ viewport: { width, height: heightOf(width) } });
    const page = await context.newPage();
    await register(page.request, server.url, `New${width}`);
    await page.goto(server.url + '/');
    await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
    const hint = await page.evaluate(() => {
      const after = (selector: string, pseudo: string) => {
        const el = document.querySelector(selector);
        return el && getComputedStyle(el, pseudo).display !== 'none' ? getComputedStyle(el, pseudo).content : '';
      };
      return { list: after('.chats', '::after'), pane: after('.messages', '::before') };
    });
    expect(hint.list).toContain('Find someone by name');
    if (width === 1920) {
      expect(hint.pane).toContain('find someone with the search');
      // The app fills a wide screen instead of sitting in a card in the middle of it.
      const frame = await box(page, '.frame');
      expect(frame.width).toBe(1920);
      expect(frame.height).toBe(1080);
      const sidebar = await box(page, '.sidebar');
      expect(sidebar.width).toBeLessThanOrEqual(380);
    }
    if (width === 375) {
      // "Log out" sits at the far end of the bar, not in its middle.
      const logout = await box(page, 'button.logout');
      expect(375 - (logout.x + logout.width)).toBeLessThanOrEqual(16);
    }
    await keep(page, testInfo, `empty-${width}`);
    await context.close();
  }
});

test('sign-in and sign-up errors are in the error colour', async ({ page, server }) => {
  await page.goto(server.url + '/login');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  await page.getByLabel('Email').fill('nobody@example.com');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const error = page.getByText('Wrong email or password.');
  await expect(error).toBeVisible();
  const danger = await computed(page, 'var(--danger)');
  await expect(error).toHaveCSS('color', danger);

  await page.goto(server.url + '/register');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  await page.getByLabel('Display name').fill('Ana');
  await page.getByLabel('Email').fill('ana@example.com');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Sign up' }).click();
  const fieldError = page.locator('#field-password-error');
  await expect(fieldError).not.toBeEmpty();
  await expect(fieldError).toHaveCSS('color', danger);
});

test('images sit on their sender\'s side, captions fit, and hover differs from the open conversation', async ({ browser, server }, testInfo) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  await signUp(browser, server.url, 'Cy');
  // Two conversations, so one can be open while the pointer is over the other.
  for (const name of ['Cy', 'Bob']) {
    await ana.getByLabel('Search users').fill(name.toLowerCase());
    await ana.getByRole('button', { name, exact: true }).click();
    // A new conversation opens once the server has made it.
    await expect(ana.locator('.chat-info .chat-name')).toHaveText(name);
    await say(ana, `Hi ${name}`);
  }
  const addButton = async () => {
    await ana.getByLabel('Search users').fill('cy');
    // Making a group is said in words, not hidden behind a bare "+".
    const add = ana.getByRole('button', { name: 'Add to a group: Cy' });
    await expect(add).toHaveText('Add to a group');
    await ana.getByLabel('Search users').fill('');
  };
  await addButton();

  await ana.getByLabel('Attach file').setInputFiles({ name: 'wide.png', mimeType: 'image/png', buffer: png(300, 200) });
  await ana.getByLabel('Message', { exact: true }).fill('Look');
  await ana.getByLabel('Message', { exact: true }).press('Enter');
  const log = ana.getByRole('log', { name: 'Messages' });
  await expect(log.locator('.message.own img')).toBeVisible();
  await expect(log.locator('.message.own .message-state').last()).not.toHaveText('Sending...');

  for (const width of WIDTHS) {
    for (const colorScheme of ['light', 'dark'] as const) {
      await ana.setViewportSize({ width, height: heightOf(width) });
      await ana.emulateMedia({ colorScheme });
      if (width <= 600 && !(await log.isVisible())) {
        await ana.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Bob/ }).click();
      }
      await expect(log.locator('.message.own img')).toBeVisible();
      const row = await box(ana, '.message.own:has(img)');
      const image = await box(ana, '.message.own img');
      const caption = await box(ana, '.message.own:has(img) p');
      const avatar = await box(ana, '.message.own:has(img) .message-info');
      // Own image on own side: against the avatar column, not in the middle or on the left.
      expect(avatar.x - (image.x + image.width)).toBeLessThanOrEqual(24);
      expect(image.x + image.width).toBeGreaterThan(row.x + row.width / 2);
      // The caption bubble is as wide as its text needs, never twice the image.
      expect(caption.width).toBeLessThan(image.width);
      expect(caption.x + caption.width).toBeCloseTo(image.x + image.width, -1);
      await keep(ana, testInfo, `chat-${width}-${colorScheme}`);
    }
  }

  // Hover and selection look different.
  await ana.setViewportSize({ width: 1280, height: 800 });
  await ana.emulateMedia({ colorScheme: 'light' });
  const items = ana.getByRole('list', { name: 'Conversations' });
  const open = items.locator('.chat-item.selected button');
  const other = items.locator('.chat-item:not(.selected) button');
  await other.hover();
  const [openBg, hoverBg] = await Promise.all(
    [open, other].map((l) => l.evaluate((el) => getComputedStyle(el).backgroundColor)),
  );
  expect(hoverBg).not.toBe(openBg);
  expect(hoverBg).not.toBe('rgba(0, 0, 0, 0)');
  await bob.close();
});
