import { expect, test, type Page } from '@playwright/test';
import { login, nav, shot } from './helpers';

async function choose(page: Page, scope: ReturnType<Page['locator']> | Page, label: string, option: string | RegExp) {
  await scope.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: typeof option === 'string' }).click();
}

/**
 * The secretariat's meeting work: the meeting statistics tab, a 支援会議 with a notice sent by
 * post and marked as posted, and a case brought to it by picking the meeting (not typing an id).
 */
test('meeting statistics, a posted notice, and a request that picks an open meeting', async ({ page }) => {
  const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Tokyo' });
  const d = new Date(`${today}T12:00:00+09:00`);
  d.setUTCDate(d.getUTCDate() + 10);
  const later = d.toISOString().slice(0, 10);

  await login(page, 'secretariat');
  await nav(page).getByRole('link', { name: '会議' }).click();
  await page.getByRole('tab', { name: '開催実績' }).click();
  await expect(page.getByRole('heading', { name: '会議の開催実績', level: 1 })).toBeVisible();
  await expect(page.getByRole('table', { name: '種類別の開催回数と検討件数' })).toContainText('支援会議');
  await expect(page.getByRole('table', { name: '関係機関参加状況（分野別・のべ）' })).toContainText('高齢福祉');
  await shot(page, '16-meeting-statistics');

  // The calendar marks the days the city hall is closed (every month but June has a holiday).
  await page.getByRole('tab', { name: '会議カレンダー' }).click();
  if (today.slice(5, 7) === '06') await page.getByRole('button', { name: '次の月' }).click();
  await expect(page.locator('td[data-closed="true"]').first()).toContainText(/祝日|年末年始/);

  // A 支援会議 ten days ahead, with an agency notified by post.
  await page.getByRole('button', { name: '会議を設定', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: '会議を設定' });
  await choose(page, dialog, '種類', '支援会議');
  await dialog.getByLabel('開催日').fill(later);
  await dialog.getByLabel('場所').fill('本庁舎 第1会議室');
  await dialog.getByRole('button', { name: '会議を設定', exact: true }).click();
  await expect(page.getByRole('heading', { name: /^支援会議/ })).toBeVisible();
  const meetingUrl = page.url();
  const attendee = page.getByRole('form', { name: '出席者を追加' });
  await choose(page, attendee, '機関・部署', '高齢福祉課');
  await attendee.getByLabel('氏名').fill('郵送 太郎');
  await choose(page, attendee, '通知方法', '郵送');
  await attendee.getByLabel('住所（郵送）').fill('東京都国分寺市戸倉1-6-1');
  await attendee.getByRole('button', { name: '出席者を追加' }).click();
  const row = page.getByRole('table', { name: '出席者' }).getByRole('row', { name: /郵送 太郎/ });
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: '郵送 太郎への通知を郵送済みにする' }).click();
  const posted = page.getByRole('dialog', { name: '郵送済みにする' });
  await expect(posted.getByLabel('投函日')).toHaveValue(today);
  await posted.getByRole('button', { name: '郵送済みにする' }).click();
  await expect(posted).toHaveCount(0);
  await expect(row).toContainText('送付済み');
  await shot(page, '17-meeting-notice-posted');

  // Case 1 is brought to that meeting: the form lists the meetings open for requests.
  await page.goto('cases/1');
  await page.getByRole('tab', { name: '会議' }).click();
  const request = page.getByRole('form', { name: '会議への検討依頼' });
  await choose(page, request, '会議の種類', '支援会議');
  await request.getByRole('combobox', { name: '会議', exact: true }).click();
  const meetingId = meetingUrl.split('/').pop();
  const options = page.getByRole('option');
  await expect(options.first()).toBeVisible();
  await page.locator(`li[data-value="${meetingId}"]`).click();
  await expect(request.getByTestId('request-deadline')).toContainText(/締切|臨時会議/);
  await request.getByLabel('依頼内容').fill('母の介護と長男のひきこもりについて関係機関で情報を共有したい。');
  await request.getByRole('button', { name: '送信' }).click();
  await expect(request.getByRole('alert').or(request.locator('.MuiAlert-standardSuccess'))).toContainText('検討依頼を送りました');
  const caseMeetings = page.getByRole('table', { name: 'このケースを検討した会議・検討依頼' });
  // The demo case was also reviewed at a 重層的支援会議: the request is the one row still waiting.
  const waiting = caseMeetings.getByRole('row').filter({ hasText: 'スクリーニング待ち' });
  await expect(waiting).toHaveCount(1);
  await expect(waiting).toContainText('支援会議');
  await expect(waiting).not.toContainText('重層的支援会議');
  await shot(page, '18-meeting-request');

  // A change of status keeps its reason, shown in the case's status history.
  await page.getByRole('button', { name: 'ケースを編集' }).click();
  const edit = page.getByRole('dialog', { name: 'ケースを編集' });
  await choose(page, edit, '状態', 'スクリーニング');
  await edit.getByLabel('変更理由').fill('主訴を確認し、スクリーニングへ');
  await edit.getByRole('button', { name: '保存' }).click();
  await expect(edit).toHaveCount(0);
  await page.getByRole('tab', { name: '世帯' }).click();
  const history = page.getByRole('table', { name: '状態の変更履歴' });
  await expect(history.getByRole('row').last()).toContainText('スクリーニング');
  await expect(history.getByRole('row').last()).toContainText('主訴を確認し、スクリーニングへ');
});
