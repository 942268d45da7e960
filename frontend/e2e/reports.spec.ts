import { expect, test } from '@playwright/test';
import { statSync } from 'node:fs';
import { login, logout, nav, shot } from './helpers';

test('the secretariat runs the statistics report for a fiscal year and downloads the workbook; staff have no reports menu', async ({ page }) => {
  const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Tokyo' });
  const [y, m] = today.split('-').map(Number);
  const fy = m >= 4 ? y : y - 1;
  const era = (year: number) => `令和${year - 2018}年度`;

  await login(page, 'secretariat');
  await nav(page).getByRole('link', { name: '実績報告' }).click();
  await expect(page.getByRole('heading', { name: '実績報告', level: 1 })).toBeVisible();
  await expect(page.getByTestId('report-title')).toHaveText(`${era(fy)} 重層的支援体制整備事業 実績報告`);
  const overview = page.getByRole('table', { name: '実績総括（地区別）' });
  await expect(overview.getByRole('columnheader', { name: '東部' })).toBeVisible();
  await expect(overview.getByRole('rowheader', { name: '新規相談受付件数' })).toBeVisible();
  await expect(page.getByRole('table', { name: '会議の開催状況' })).toContainText('重層的支援会議');
  await expect(page.getByRole('img', { name: /月別の推移/ })).toBeVisible();
  // The demo's 8050 plan names a bakery and a café for 参加支援, and a contact names the son.
  const participation = page.getByRole('group', { name: '参加支援（第2号）' });
  await expect(participation.getByTestId('figure-participation_partners')).toHaveText('参加支援 協力事業所数2');
  await expect(participation.getByTestId('figure-participation_people')).toHaveText('参加支援 実人数1');
  await expect(overview.getByRole('rowheader', { name: 'アウトリーチ 実人数' })).toBeVisible();
  await shot(page, '15-reports');

  // The previous fiscal year: the demo households came later, so no new consultations.
  await page.getByRole('combobox', { name: '年度' }).click();
  await page.getByRole('option', { name: era(fy - 1) }).click();
  await expect(page.getByTestId('report-title')).toHaveText(`${era(fy - 1)} 重層的支援体制整備事業 実績報告`);
  await expect(overview.getByRole('row', { name: /新規相談受付件数/ }).getByRole('cell').last()).toHaveText('0');
  await expect(page.getByRole('table', { name: '月別実績' }).getByRole('columnheader', { name: '4月' })).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Excelで出力（全表）' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.xlsx$/);
  expect(file.suggestedFilename()).toContain(era(fy - 1));
  const path = await file.path();
  expect(statSync(path).size).toBeGreaterThan(0);

  const csv = page.waitForEvent('download');
  await page.getByRole('button', { name: '「月別実績」をCSVで出力' }).click();
  expect((await csv).suggestedFilename()).toMatch(/\.csv$/);
  await logout(page);

  await login(page, 'koreifukushi.staff');
  await expect(nav(page).getByRole('link', { name: 'ケース一覧' })).toBeVisible();
  await expect(nav(page).getByRole('link', { name: '実績報告' })).toHaveCount(0);
  await page.goto('reports');
  await expect(page.getByText('この画面を使う権限がありません。')).toBeVisible();
});
