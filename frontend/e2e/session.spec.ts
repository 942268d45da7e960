import { expect, test } from '@playwright/test';
import { login, PASSWORD } from './helpers';

test('when the session ends, the work on screen is kept and sent after logging in again', async ({ page }) => {
  await login(page, 'coordinator.east');
  await page.goto('cases/1');
  await page.getByRole('tab', { name: '支援経過' }).click();
  const form = page.getByRole('form', { name: '支援経過を記録' });
  await form.getByRole('combobox', { name: '手段' }).click();
  await page.getByRole('option', { name: '電話', exact: true }).click();
  const note = `母から電話。長男の様子に変わりなし。${Date.now()}`;
  await form.getByLabel('内容').fill(note);

  // The server revokes both tokens (as an administrator disabling the account would): the next
  // request gets 401 and the refresh is refused.
  const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('tsunagu.session') ?? '{}'));
  const revoked = await page.request.post('/auth/revoke', {
    form: { token: stored.refreshToken },
    headers: { Authorization: `Bearer ${stored.accessToken}` },
  });
  expect(revoked.status()).toBe(204);

  await form.getByRole('button', { name: '追加' }).click();
  const dialog = page.getByRole('dialog', { name: 'ログインの有効期限が切れました' });
  await expect(dialog).toBeVisible();
  // The form is still there under the dialog, with what was typed.
  await expect(page.locator('form[aria-label="支援経過を記録"] textarea').first()).toHaveValue(note);
  await dialog.getByLabel('パスワード').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'ログインして続ける' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('list', { name: '支援経過' })).toContainText(note);
});

test('a stale edit (412) says someone else changed the case and reloads without losing input', async ({ page, browser }) => {
  await login(page, 'coordinator.east');
  await page.goto('cases/1');
  await page.getByRole('button', { name: 'ケースを編集' }).click();
  const mine = `自分の編集 ${Date.now()}`;
  await page.getByRole('dialog').getByLabel('主訴（相談内容）').fill(mine);

  // Meanwhile a colleague saves the same case.
  const other = await browser.newContext({ baseURL: test.info().project.use.baseURL, viewport: { width: 1366, height: 768 } });
  const page2 = await other.newPage();
  await login(page2, 'secretariat');
  await page2.goto('cases/1');
  await page2.getByRole('button', { name: 'ケースを編集' }).click();
  await page2.getByRole('dialog').getByLabel('主訴（相談内容）').fill(`同僚の編集 ${Date.now()}`);
  await page2.getByRole('dialog').getByRole('button', { name: '保存' }).click();
  await expect(page2.getByRole('dialog')).toHaveCount(0);
  await other.close();

  await page.getByRole('dialog', { name: 'ケースを編集' }).getByRole('button', { name: '保存' }).click();
  const conflict = page.getByRole('dialog', { name: '他の人が先に更新しました' });
  await expect(conflict).toBeVisible();
  await conflict.getByRole('button', { name: '最新の内容を読み込む' }).click();
  await expect(conflict).toHaveCount(0);
  const edit = page.getByRole('dialog', { name: 'ケースを編集' });
  await expect(edit.getByLabel('主訴（相談内容）')).toHaveValue(mine);
  await edit.getByRole('button', { name: '保存' }).click();
  await expect(edit).toHaveCount(0);
  await expect(page.getByText(mine)).toBeVisible();
});

test('the UI switches to English and the API answers in English (Accept-Language)', async ({ page }) => {
  await login(page, 'coordinator.east');
  await page.getByRole('combobox', { name: '表示言語' }).click();
  await page.getByRole('option', { name: 'English' }).click();
  await expect(page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Cases' })).toBeVisible();
  await page.goto('cases/999999');
  await expect(page.getByRole('alert')).toContainText('Not found');
  await page.goto('cases/new');
  await page.getByRole('button', { name: 'Register the intake' }).click();
  // The server's validation message, in English, next to the fields.
  await expect(page.getByRole('alert').first()).toBeVisible();
  await expect(page.locator('.Mui-error').first()).toBeVisible();
});
