// Nothing moves when the WASM takes over the server-rendered page: the Cumulative Layout Shift
// that Chromium reports across loading and hydration is zero, on the sign-in page and the chat.
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';

/** Starts recording layout shifts before anything on the page runs. */
async function recordShifts(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { shifts: { value: number; nodes: string[] }[] };
    w.shifts = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as unknown as {
        value: number;
        hadRecentInput: boolean;
        sources?: { node?: Node }[];
      }[]) {
        if (entry.hadRecentInput) continue;
        const nodes = (entry.sources ?? []).map((s) => {
          const el = s.node as Element | undefined;
          return el?.outerHTML?.slice(0, 120) ?? String(s.node?.nodeName);
        });
        w.shifts.push({ value: entry.value, nodes });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
}

/** The shifts recorded so far, once two more frames have been laid out. */
async function shifts(page: Page) {
  return page.evaluate(async () => {
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    return (window as unknown as { shifts: { value: number; nodes: string[] }[] }).shifts;
  });
}

for (const width of [1280, 375]) {
  test(`the sign-in page and the chat do not shift as they hydrate (${width} px)`, async ({ page, server }) => {
    await page.setViewportSize({ width, height: 800 });
    await recordShifts(page);
    await page.goto(server.url + '/login');
    await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
    expect(await shifts(page), 'layout shifts on /login').toEqual([]);

    // The chat with a conversation in the list (its avatar, last message, time and unread
    // count), loaded afresh and hydrated, with the live connection up.
    const other = await page.context().browser()!.newContext();
    await other.request.post(server.url + '/api/auth/register', {
      data: { display_name: 'Bob', email: 'bob@example.com', password: 'correct horse battery' },
    });
    const me = await page.request.post(server.url + '/api/auth/register', {
      data: { display_name: 'Ana', email: 'ana@example.com', password: 'correct horse battery' },
    });
    expect(me.status()).toBe(201);
    const bobId = (await (await other.request.get(server.url + '/api/me')).json()).id;
    const conversation = await (
      await page.request.post(server.url + '/api/conversations', { data: { member_ids: [bobId] } })
    ).json();
    const sent = await other.request.post(server.url + `/api/conversations/${conversation.id}/messages`, {
      data: { client_id: crypto.randomUUID(), text: 'Hello Ana' },
    });
    expect(sent.status()).toBe(201);
    await other.close();

    await page.goto(server.url + '/');
    await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
    const item = page.getByRole('list', { name: 'Conversations' }).getByRole('listitem');
    await expect(item).toContainText('Hello Ana');
    // "Connecting..." gives way once the live connection is up.
    await expect(page.locator('.link-status')).toHaveCount(0);
    expect(await shifts(page), 'layout shifts on /').toEqual([]);
  });
}
