// An image sent in a conversation, and the chat at phone, tablet and desktop widths.
import { test, expect } from './fixtures';
import { png } from './png';
import { signUp } from './people';

test('an image is sent with a preview and progress, and seen by the other person', async ({ browser, server }, testInfo) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  await ana.getByLabel('Search users').fill('bob');
  await ana.getByRole('button', { name: 'Bob', exact: true }).click();

  await ana.getByLabel('Attach file').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png(320, 200) });
  await expect(ana.getByAltText('Image to send')).toBeVisible();
  await ana.getByLabel('Message', { exact: true }).fill('Look at this');
  await ana.getByRole('button', { name: 'Send' }).click();
  await expect(ana.getByAltText('Image to send')).toHaveCount(0);

  const bobItem = bob.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Ana/ });
  await bobItem.click();
  const image = bob.getByRole('log', { name: 'Messages' }).getByRole('img', { name: 'Image' });
  await expect(image).toBeVisible();
  await expect(image).toHaveAttribute('src', /^\/uploads\/[0-9a-f]+\.png$/);
  const link = bob.getByRole('log', { name: 'Messages' }).getByRole('link');
  await expect(link).toHaveAttribute('href', /^\/uploads\//);

  // Desktop: list and chat side by side.
  await bob.setViewportSize({ width: 1280, height: 800 });
  await expect(bob.getByRole('list', { name: 'Conversations' })).toBeVisible();
  await bob.screenshot({ path: testInfo.outputPath('chat-1280.png') });
  // Tablet: still both, each wide enough to use, side by side.
  await bob.setViewportSize({ width: 768, height: 1024 });
  const list = await bob.getByRole('list', { name: 'Conversations' }).boundingBox();
  const log = await bob.getByRole('log', { name: 'Messages' }).boundingBox();
  expect(list && log).toBeTruthy();
  expect(list!.width).toBeGreaterThanOrEqual(240);
  expect(log!.width).toBeGreaterThanOrEqual(400);
  expect(list!.x + list!.width).toBeLessThanOrEqual(log!.x);
  await expect(bob.getByLabel('Message', { exact: true })).toBeVisible();
  await expect(bob.getByRole('button', { name: 'Log out' })).toBeVisible();
  await bob.screenshot({ path: testInfo.outputPath('chat-768.png') });
  // Phone: the open conversation alone, with a way back to the list.
  await bob.setViewportSize({ width: 375, height: 740 });
  await expect(bob.getByRole('list', { name: 'Conversations' })).toBeHidden();
  await bob.screenshot({ path: testInfo.outputPath('chat-375.png') });
  await bob.getByRole('button', { name: 'Back to conversations' }).click();
  await expect(bob.getByRole('list', { name: 'Conversations' })).toBeVisible();
  await expect(bob.getByRole('log', { name: 'Messages' })).toBeHidden();
  await bob.screenshot({ path: testInfo.outputPath('list-375.png') });
});
