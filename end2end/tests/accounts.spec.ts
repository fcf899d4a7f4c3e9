// Getting in and out as a person does: sign up with an avatar, log out, sign in.
import { test, expect } from './fixtures';
import zlib from 'node:zlib';

/** A small, valid PNG made here, so the test carries no binary fixture. */
function png(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([200, (x * 255) / width, (y * 255) / height], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('sign up with an avatar, log out, and sign in again', async ({ page, server }) => {
  await page.goto(server.url + '/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();

  await page.getByRole('link', { name: 'Register' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome to LetUsChat!' })).toBeVisible();
  await page.getByLabel('Display name').fill('Ana Lima');
  await page.getByLabel('Email').fill('ana@example.com');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByLabel('Avatar').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(300, 200) });
  await expect(page.getByAltText('Avatar preview')).toBeVisible();
  await page.getByRole('button', { name: 'Sign up' }).click();

  // In the chat, with the name and the uploaded avatar in the navbar.
  await expect(page).toHaveURL(server.url + '/');
  const account = page.getByRole('navigation', { name: 'Account' });
  await expect(account.getByText('Ana Lima')).toBeVisible();
  const avatar = account.locator('img.avatar');
  await expect(avatar).toHaveAttribute('src', /^\/uploads\/avatar-.*\.(png|jpg)$/);
  const src = await avatar.getAttribute('src');
  const served = await page.request.get(server.url + src);
  expect(served.status()).toBe(200);
  expect(served.headers()['x-content-type-options']).toBe('nosniff');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto(server.url + '/');
  await expect(page).toHaveURL(/\/login$/);

  await page.getByLabel('Email').fill('ana@example.com');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Wrong email or password.')).toBeVisible();
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(server.url + '/');
  await expect(page.getByRole('navigation', { name: 'Account' }).getByText('Ana Lima')).toBeVisible();
});

test('sign-up errors appear next to their fields', async ({ page, server }) => {
  await page.request.post(server.url + '/api/auth/register', {
    data: { display_name: 'First', email: 'taken@example.com', password: 'correct horse battery' },
  });
  await page.context().clearCookies();
  await page.goto(server.url + '/register');
  await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  await page.getByLabel('Display name').fill('Second');
  await page.getByLabel('Email').fill('TAKEN@example.com');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByText('An account with this email already exists.')).toBeVisible();
  await expect(page).toHaveURL(/\/register$/);
});
