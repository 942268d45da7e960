import { expect, test } from '@playwright/test';
import { login, nav, shot } from './helpers';

test('an agency user cannot open a case without consent: it is "not found"', async ({ page }) => {
  await login(page, 'hokatsu1.agency');
  // The demo's hoarding household (case 3) refused consent; hokatsu_1 is not on its team.
  await page.goto('cases/3');
  await expect(page.getByRole('alert')).toContainText('見つかりません');
  await expect(page.getByText('戸倉 正')).toHaveCount(0);
  await shot(page, '11-agency-not-found');
});

test('a user without the admin role sees no admin menu; admin and auditor see theirs and no case content', async ({ page }) => {
  await login(page, 'koreifukushi.staff');
  await expect(nav(page).getByRole('link', { name: 'ケース一覧' })).toBeVisible();
  await expect(nav(page).getByRole('link', { name: '管理' })).toHaveCount(0);
  await expect(nav(page).getByRole('link', { name: '監査ログ' })).toHaveCount(0);
  await page.goto('admin');
  await expect(page.getByText('この画面を使う権限がありません。')).toBeVisible();

  await page.getByRole('button', { name: 'ログアウト' }).click();
  await login(page, 'admin');
  await expect(nav(page).getByRole('link', { name: 'ケース一覧' })).toHaveCount(0);
  await nav(page).getByRole('link', { name: '管理' }).click();
  await expect(page.getByRole('table', { name: '利用者' })).toContainText('coordinator.east');
  await shot(page, '12-admin-users');
  await page.getByRole('tab', { name: '部署・支援関係機関' }).click();
  await expect(page.getByRole('table', { name: '部署・支援関係機関' })).toContainText('高齢福祉課');
  await shot(page, '13-admin-orgs');

  await page.getByRole('button', { name: 'ログアウト' }).click();
  await login(page, 'auditor');
  await expect(nav(page).getByRole('link', { name: '管理' })).toHaveCount(0);
  await nav(page).getByRole('link', { name: '監査ログ' }).click();
  await expect(page.getByRole('table', { name: '監査ログ' }).getByRole('row').nth(1)).toBeVisible();
  await shot(page, '14-audit-log');
});
