// Files (issue 14, point 3): "Attach file" takes any file; it goes as a card with its name,
// type and size, and downloads under its original name. Images still show inline.
import fs from 'node:fs';
import { test, expect } from './fixtures';
import { png } from './png';
import { signUp } from './people';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
// Quotes, a slash-like character and right-to-left text: shown and downloaded as given.
const NAME = 'تقرير "final" ⁄ v2.pdf';

test('a file goes as a card and downloads under its own name', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  const bob = await signUp(browser, server.url, 'Bob');
  await ana.getByLabel('Search users').fill('bob');
  await ana.getByRole('button', { name: 'Bob', exact: true }).click();

  // Chosen, it shows as a card (no broken image preview first), and can be taken back.
  await ana.getByLabel('Attach file').setInputFiles({ name: NAME, mimeType: 'application/pdf', buffer: PDF });
  const chosen = ana.locator('.attachment .file-card');
  await expect(chosen).toContainText(NAME);
  await expect(chosen).toContainText(`${PDF.length} B`);
  await expect(ana.locator('.attachment img')).toHaveCount(0);
  await ana.getByRole('button', { name: 'Remove file' }).click();
  await expect(chosen).toHaveCount(0);
  await expect(ana.getByRole('button', { name: 'Send' })).toBeDisabled();

  await ana.getByLabel('Attach file').setInputFiles({ name: NAME, mimeType: 'application/pdf', buffer: PDF });
  await ana.getByLabel('Message', { exact: true }).fill('The report');
  await ana.getByRole('button', { name: 'Send' }).click();
  await expect(chosen).toHaveCount(0);
  const own = ana.getByRole('log', { name: 'Messages' }).locator('.message.own a.file-card');
  await expect(own).toContainText(NAME);
  await expect(ana.getByRole('log', { name: 'Messages' }).getByText('Sending...')).toHaveCount(0);

  // Bob sees the card, with the type the server found in the bytes, and downloads the file.
  await bob.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /Ana/ }).click();
  const card = bob.getByRole('log', { name: 'Messages' }).locator('a.file-card');
  await expect(card.locator('.file-name')).toHaveText(NAME);
  await expect(card.locator('.file-meta')).toHaveText(`application/pdf · ${PDF.length} B`);
  await expect(card).toHaveAttribute('href', /^\/uploads\/file-[0-9a-f]+$/);
  const [download] = await Promise.all([bob.waitForEvent('download'), card.click()]);
  expect(fs.readFileSync((await download.path())!)).toEqual(PDF);
  // Under the name as sent: the browser may replace characters a file system cannot hold (the
  // quotes), never the rest.
  expect(download.suggestedFilename()).toMatch(/^تقرير .final. ⁄ v2\.pdf$/);
  // The server's header carries the whole name.
  const response = await bob.request.get(server.url + (await card.getAttribute('href')));
  expect(response.headers()['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent(NAME)}`);
  expect(response.headers()['content-disposition']).toMatch(/^attachment;/);
});

test('an image chosen through "Attach file" still shows inline', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  await signUp(browser, server.url, 'Bob');
  await ana.getByLabel('Search users').fill('bob');
  await ana.getByRole('button', { name: 'Bob', exact: true }).click();
  await ana.getByLabel('Attach file').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png(64, 48) });
  await expect(ana.getByAltText('Image to send')).toBeVisible();
  await expect(ana.locator('.attachment .file-card')).toHaveCount(0);
  await ana.getByRole('button', { name: 'Send' }).click();
  const log = ana.getByRole('log', { name: 'Messages' });
  await expect(log.getByRole('img', { name: 'Image' })).toBeVisible();
  await expect(log.locator('.file-card')).toHaveCount(0);
});

test('a file over 25 MiB is refused with the reason, and nothing is sent', async ({ browser, server }) => {
  const ana = await signUp(browser, server.url, 'Ana');
  await signUp(browser, server.url, 'Bob');
  await ana.getByLabel('Search users').fill('bob');
  await ana.getByRole('button', { name: 'Bob', exact: true }).click();
  const big = Buffer.alloc(25 * 1024 * 1024 + 1, 0x61);
  await ana.getByLabel('Attach file').setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: big });
  await expect(ana.locator('.attachment .file-card')).toContainText('25.0 MB');
  await ana.getByRole('button', { name: 'Send' }).click();
  await expect(ana.getByRole('alert')).toBeVisible();
  await expect(ana.getByRole('log', { name: 'Messages' }).locator('.message')).toHaveCount(0);
});
