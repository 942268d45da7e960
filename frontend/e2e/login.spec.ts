import { expect, test } from '@playwright/test';
import { login, logout, nav, PASSWORD, shot } from './helpers';

test('a wrong password is refused with the server message; the right one logs in and out', async ({ page }) => {
  await page.goto('');
  await expect(page).toHaveURL(/\/app\/login$/);
  await expect(page.getByRole('heading', { name: 'ログイン' })).toBeVisible();
  await shot(page, '01-login');
  await page.getByLabel('ユーザー名').fill('coordinator.east');
  await page.getByLabel('パスワード').fill('wrong-password-123');
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('ユーザー名またはパスワードが正しくありません');

  await page.getByLabel('パスワード').fill(PASSWORD);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page.getByTestId('current-user')).toContainText('東部 コーディネーター');
  await expect(nav(page).getByRole('link', { name: 'ケース一覧' })).toBeVisible();
  await expect(nav(page).getByRole('link', { name: '管理' })).toHaveCount(0);
  await logout(page);
  // The tokens are gone: a protected page sends us back to the log-in.
  await page.goto('cases');
  await expect(page).toHaveURL(/\/app\/login$/);
});

test('the case list searches by kana and shows Japanese era dates', async ({ page }) => {
  await login(page, 'coordinator.east');
  await nav(page).getByRole('link', { name: 'ケース一覧' }).click();
  await expect(page.getByRole('heading', { name: 'ケース一覧' })).toBeVisible();
  await page.getByLabel('氏名（漢字・かな）').fill('こくぶ');
  await page.getByRole('button', { name: '検索' }).click();
  await expect(page).toHaveURL(/q=/);
  const row = page.getByRole('row', { name: /国分 一郎/ });
  await expect(row).toBeVisible();
  await expect(row).toContainText(/令和\d+年\d+月\d+日/);
  await shot(page, '03-case-list');
});
