// Light and dark: the page follows `prefers-color-scheme`, and every piece of text on the
// sign-in page and the chat screen stands out from what is behind it (WCAG AA contrast).
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';
import { say, signUp } from './people';

type Shortfall = { text: string; ratio: number; needed: number };

/** Every visible text whose contrast with its background is below WCAG AA (4.5:1, or 3:1 when
 *  large). Disabled controls are exempt, as in WCAG. */
async function shortfalls(page: Page): Promise<Shortfall[]> {
  return page.evaluate(() => {
    const rgba = (css: string) => {
      const [r, g, b, a = 1] = css.match(/[\d.]+/g)!.map(Number);
      return { r, g, b, a };
    };
    const luminance = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const lin = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const over = (top: ReturnType<typeof rgba>, below: ReturnType<typeof rgba>) => ({
      r: top.r * top.a + below.r * (1 - top.a),
      g: top.g * top.a + below.g * (1 - top.a),
      b: top.b * top.a + below.b * (1 - top.a),
      a: 1,
    });
    // The colour behind an element: its own and its ancestors' backgrounds, layered.
    const background = (el: Element | null): ReturnType<typeof rgba> => {
      if (!el) return { r: 255, g: 255, b: 255, a: 1 };
      const own = rgba(getComputedStyle(el).backgroundColor);
      if (own.a >= 1) return own;
      const below = background(el.parentElement);
      return own.a === 0 ? below : over(own, below);
    };
    const found: Shortfall[] = [];
    for (const el of document.body.querySelectorAll('*')) {
      const text = [...el.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent!.trim())
        .join(' ')
        .trim();
      if (!text || (el as HTMLElement).closest(':disabled')) continue;
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (!box.width || !box.height || style.visibility === 'hidden' || el.closest('.visually-hidden')) continue;
      const fg = over(rgba(style.color), background(el));
      const bg = background(el);
      const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      const needed = large ? 3 : 4.5;
      if (ratio < needed) found.push({ text: text.slice(0, 40), ratio: Math.round(ratio * 100) / 100, needed });
    }
    return found;
  });
}

/** The luminance of the page's own background, 0 (black) to 1 (white). */
async function pageLuminance(page: Page): Promise<number> {
  return page.evaluate(() => {
    const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/[\d.]+/g)!.map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  });
}

for (const scheme of ['light', 'dark'] as const) {
  test(`every text is readable in the ${scheme} scheme`, async ({ browser, server }, testInfo) => {
    const visitor = await (await browser.newContext({ colorScheme: scheme })).newPage();
    await visitor.goto(server.url + '/login');
    await expect(visitor.locator('html[data-hydrated="true"]')).toBeAttached();
    // A failed sign-in, so the error text is on the page too.
    await visitor.getByLabel('Email').fill('nobody@example.com');
    await visitor.getByLabel('Password').fill('not the password');
    await visitor.getByRole('button', { name: 'Sign in' }).click();
    await expect(visitor.getByRole('alert').filter({ hasText: /./ }).first()).toBeVisible();
    if (scheme === 'dark') expect(await pageLuminance(visitor)).toBeLessThan(0.25);
    else expect(await pageLuminance(visitor)).toBeGreaterThan(0.5);
    expect(await shortfalls(visitor), 'texts below AA contrast on the sign-in page').toEqual([]);

    const ana = await signUp(browser, server.url, 'Ana', { colorScheme: scheme });
    const bob = await signUp(browser, server.url, 'Bob', { colorScheme: scheme });
    await ana.getByLabel('Search users').fill('bob');
    await ana.getByRole('button', { name: 'Bob', exact: true }).click();
    await say(ana, 'Hello Bob');
    await bob.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Ana/ }).click();
    await say(bob, 'Hi Ana');
    // Ana's screen now has both kinds of message, the list with a last message and a time,
    // "Seen", and search results.
    const log = ana.getByRole('log', { name: 'Messages' });
    await expect(log.getByText('Hi Ana')).toBeVisible();
    await expect(log.getByText('Seen')).toBeVisible();
    await ana.getByLabel('Search users').fill('b');
    await expect(ana.getByRole('list', { name: 'Search results' })).toBeVisible();

    await ana.setViewportSize({ width: 1280, height: 800 });
    await ana.screenshot({ path: testInfo.outputPath(`chat-${scheme}-1280.png`) });
    expect(await shortfalls(ana), 'texts below AA contrast on the chat screen').toEqual([]);
  });
}
