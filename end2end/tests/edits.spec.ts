// Messages people change (issue 13): edit in place, delete, reply and react, seen live by the
// other person, caught up by a tab that was offline meanwhile, and put back when refused.
import { test, expect } from './fixtures';
import type { Locator, Page } from '@playwright/test';
import { connected, converse, say, signUp } from './people';

const log = (page: Page) => page.getByRole('log', { name: 'Messages' });
const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
/** The message whose own text is `text` (a reply quoting it is another message). */
const bubble = (page: Page, text: string) =>
  log(page).locator('.message').filter({ has: page.locator('.message-content > p', { hasText: exactly(text) }) });

async function react(message: Locator, page: Page, emoji: string) {
  await message.getByRole('button', { name: 'React' }).click();
  await page.getByRole('group', { name: 'Choose a reaction' }).getByRole('button', { name: emoji }).click();
}

test('edit, delete, reply and react reach the other person live', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  await converse(ana, bob);

  // Ana fixes a typo in place: Enter saves; Escape leaves an edit without changing anything.
  await say(ana, 'See you at noom');
  await expect(log(bob).getByText('See you at noom')).toBeVisible();
  await bubble(ana, 'See you at noom').getByRole('button', { name: 'Edit' }).click();
  const field = ana.getByLabel('Edit message');
  await expect(field).toBeFocused();
  await field.fill('See you at noon');
  await field.press('Enter');
  await expect(log(bob).getByText('See you at noon', { exact: true })).toBeVisible();
  await expect(log(bob).getByText('See you at noom')).toHaveCount(0);
  const edited = bubble(bob, 'See you at noon').getByText('(edited)');
  await expect(edited).toBeVisible();
  await expect(edited).toHaveAttribute('title', /^Edited /);
  await bubble(ana, 'See you at noon').getByRole('button', { name: 'Edit' }).click();
  await ana.getByLabel('Edit message').fill('never mind');
  await ana.getByLabel('Edit message').press('Escape');
  await expect(ana.getByLabel('Edit message')).toHaveCount(0);
  await expect(log(ana).getByText('See you at noon', { exact: true })).toBeVisible();

  // Bob answers that message: the bar says whom he answers, and both see the quote.
  await bubble(bob, 'See you at noon').getByRole('button', { name: 'Reply' }).click();
  await expect(bob.getByText('Replying to Ana')).toBeVisible();
  await expect(bob.getByLabel('Message', { exact: true })).toBeFocused();
  await say(bob, 'Noon works');
  await expect(bob.getByText('Replying to Ana')).toHaveCount(0);
  const quote = bubble(ana, 'Noon works').locator('button.quote');
  await expect(quote).toContainText('Ana');
  await expect(quote).toContainText('See you at noon');
  await quote.click();
  await expect(log(ana).locator('.message:focus')).toContainText('See you at noon');

  // Reactions: who reacted is in the button's name; choosing it again takes one's own back.
  await react(bubble(bob, 'See you at noon'), bob, '👍');
  const chip = bubble(ana, 'See you at noon').getByRole('button', { name: '👍 by Bob' });
  await expect(chip).toHaveText('👍 1');
  await expect(chip).toHaveAttribute('aria-pressed', 'false');
  await chip.click();
  const both = bubble(bob, 'See you at noon').getByRole('button', { name: '👍 by Bob, Ana' });
  await expect(both).toHaveText('👍 2');
  await both.click();
  await expect(bubble(ana, 'See you at noon').getByRole('button', { name: '👍 by Ana' })).toHaveText('👍 1');

  // Only one's own messages can be edited or deleted; a deleted one leaves a placeholder.
  await expect(bubble(bob, 'Hi Bob').getByRole('button', { name: 'Delete' })).toHaveCount(0);
  await expect(bubble(bob, 'Hi Bob').getByRole('button', { name: 'Edit' })).toHaveCount(0);
  await bubble(ana, 'Hi Bob').getByRole('button', { name: 'Delete' }).click();
  await expect(log(bob).getByText('Message deleted')).toBeVisible();
  await expect(log(bob).getByText('Hi Bob')).toHaveCount(0);
  await expect(log(ana).getByText('Message deleted')).toBeVisible();
});

test('a tab that was offline catches up on edits, deletions, replies and reactions', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  await converse(ana, bob);
  await say(ana, 'Lunch at 12?');
  await say(ana, 'Bring the slides');
  await expect(log(bob).getByText('Bring the slides')).toBeVisible();
  await connected(bob);

  await bob.context().setOffline(true);
  await expect(bob.getByRole('status').filter({ hasText: 'Reconnecting...' })).toBeVisible();
  await bubble(ana, 'Lunch at 12?').getByRole('button', { name: 'Edit' }).click();
  await ana.getByLabel('Edit message').fill('Lunch at 1?');
  await ana.getByLabel('Edit message').press('Enter');
  await bubble(ana, 'Bring the slides').getByRole('button', { name: 'Delete' }).click();
  await react(bubble(ana, 'Hi Bob'), ana, '🎉');
  await bubble(ana, 'Lunch at 1?').getByRole('button', { name: 'Reply' }).click();
  await say(ana, 'Or 2');
  await expect(bubble(ana, 'Or 2')).toBeVisible();
  await expect(log(ana).getByText('Sending...')).toHaveCount(0);

  await bob.context().setOffline(false);
  await connected(bob);
  await expect(bubble(bob, 'Lunch at 1?')).toBeVisible();
  await expect(log(bob).getByText('Lunch at 12?')).toHaveCount(0);
  await expect(log(bob).getByText('Bring the slides')).toHaveCount(0);
  await expect(log(bob).getByText('Message deleted')).toBeVisible();
  await expect(bubble(bob, 'Hi Bob').getByRole('button', { name: '🎉 by Ana' })).toHaveText('🎉 1');
  await expect(bubble(bob, 'Or 2').locator('button.quote')).toContainText('Lunch at 1?');
  // The list's last message follows too.
  await expect(bob.getByRole('list', { name: 'Conversations' })).toContainText('Or 2');
});

test('a change the server refuses is put back, with the reason', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  await converse(ana, bob);
  // A text message cannot be edited down to nothing: the server says so.
  await bubble(ana, 'Hi Bob').getByRole('button', { name: 'Edit' }).click();
  await ana.getByLabel('Edit message').fill('   ');
  await ana.getByLabel('Edit message').press('Enter');
  await expect(ana.getByRole('alert')).toHaveText('Could not edit the message: Write something, or keep an image or a file.');
  await expect(log(ana).getByText('Hi Bob', { exact: true })).toBeVisible();
  await expect(bubble(ana, 'Hi Bob').getByText('(edited)')).toHaveCount(0);
  await expect(log(bob).getByText('Hi Bob', { exact: true })).toBeVisible();
});
