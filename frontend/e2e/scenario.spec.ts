import { expect, test, type Page } from '@playwright/test';
import { login, logout, nav, shot } from './helpers';

async function choose(page: Page, scope: ReturnType<Page['locator']> | Page, label: string, option: string | RegExp) {
  await scope.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: typeof option === 'string' }).click();
}

/**
 * The つなぐ loop end to end against the real API: a coordinator opens an 8050 household with
 * consent and refers it to 高齢福祉課, which accepts; the coordinator writes a plan and puts it on
 * a 重層的支援会議, whose decision approves it; then a monitoring record is added.
 */
test('8050 household: intake, referral, acceptance, plan, meeting approval, monitoring', async ({ page }) => {
  test.setTimeout(150_000);
  const stamp = String(Date.now()).slice(-5);
  const son = `国分寺 正夫${stamp}`;
  const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Tokyo' });
  const nextYear = `${Number(today.slice(0, 4)) + 1}-03-31`;

  await login(page, 'coordinator.east');
  await shot(page, '02-dashboard-coordinator');

  // Intake: household, members, categories and consent in one form.
  await nav(page).getByRole('link', { name: '相談受付（新規）' }).click();
  await expect(page.getByRole('heading', { name: '相談受付（新規ケース）' })).toBeVisible();
  await choose(page, page, '相談経路', '民生委員から');
  await page.getByLabel('主訴（相談内容）').fill('80代の母と50代の長男の二人暮らし。長男は長くひきこもっている。');
  await choose(page, page, '町名', '本町');
  await page.getByRole('combobox', { name: '課題の分類' }).click();
  await page.getByRole('option', { name: '8050', exact: true }).click();
  await page.getByRole('option', { name: '介護', exact: true }).click();
  await page.keyboard.press('Escape');
  const m1 = page.getByRole('group', { name: '世帯員 1' });
  await m1.getByLabel('氏名').fill(son);
  await m1.getByLabel('ふりがな').fill('こくぶんじ まさお');
  await m1.getByLabel('生年月日').fill('1973-05-10');
  await choose(page, m1, '本人同意', '同意あり');
  await m1.getByLabel('有効期限').fill(nextYear);
  await m1.getByLabel('経緯・理由').fill('訪問時に書面で同意');
  await page.getByRole('button', { name: '世帯員を追加' }).click();
  const m2 = page.getByRole('group', { name: '世帯員 2' });
  await m2.getByLabel('氏名').fill(`国分寺 トメ${stamp}`);
  await m2.getByLabel('続柄').fill('母');
  await shot(page, '04-intake');
  await page.getByRole('button', { name: '受付を登録' }).click();

  await expect(page.getByRole('heading', { name: /^ケース \d{4}-\d{4}$/ })).toBeVisible();
  const caseUrl = page.url();
  const caseNumber = (await page.getByRole('heading', { name: /^ケース / }).textContent())!.replace('ケース ', '').trim();
  await expect(page.getByTestId('consent-banner')).toContainText('本人同意あり');
  await expect(page.getByTestId('consent-banner')).toContainText('支援チームの全員');
  await expect(page.getByTestId('consent-banner')).toContainText(/令和\d+年3月31日まで/);
  await shot(page, '05-case');

  // Refer to 高齢福祉課.
  await page.getByRole('tab', { name: 'つなぎ' }).click();
  const form = page.getByRole('form', { name: 'つなぐ（紹介する）' });
  await choose(page, form, 'つなぎ先', '高齢福祉課');
  await form.getByLabel('理由').fill('母の介護保険サービスの調整をお願いしたい');
  await form.getByLabel('共有する概要').fill('80代の母（要介護認定なし）と50代の長男。母の物忘れが進んでいる。');
  await form.getByRole('button', { name: 'つなぐ（紹介する）' }).click();
  await expect(page.getByRole('table', { name: 'つなぎ' }).getByRole('row', { name: /高齢福祉課/ })).toContainText('回答待ち');
  await logout(page);

  // 高齢福祉課 accepts it from its inbox (If-Match with the referral's ETag).
  await login(page, 'koreifukushi.staff');
  await nav(page).getByRole('link', { name: 'つなぎ' }).click();
  const row = page.getByRole('row', { name: new RegExp(caseNumber) });
  await expect(row).toBeVisible();
  await shot(page, '06-referral-inbox');
  await row.getByRole('link').click();
  await expect(page.getByTestId('referral-status')).toHaveText('回答待ち');
  await page.getByLabel(/メモ/).fill('担当者が母と面談します');
  await shot(page, '07-referral');
  await page.getByRole('button', { name: '受け入れる' }).click();
  await expect(page.getByTestId('referral-status')).toHaveText('受け入れ');
  // The closed loop so far: sent by the coordinator, accepted with the note.
  const history = page.getByRole('list', { name: 'つなぎの経過' });
  await expect(history.getByRole('listitem')).toHaveCount(2);
  await expect(history.getByRole('listitem').last()).toContainText('担当者が母と面談します');
  await expect(history.getByRole('listitem').last()).toContainText('高齢福祉課');
  await logout(page);

  // The coordinator writes the plan and proposes it.
  await login(page, 'coordinator.east');
  await page.goto(caseUrl);
  await page.getByRole('tab', { name: '支援プラン' }).click();
  await page.getByRole('link', { name: '支援プランを作成' }).click();
  await page.getByLabel('アセスメントの要約').fill('長男の社会的孤立と母の介護が重なる8050世帯。');
  await page.getByLabel('目標 1').fill('母が安心して在宅生活を続けられる');
  await page.getByLabel('目標 2').fill('長男が週1回、外出できる');
  await page.getByLabel('支援内容 1').fill('介護保険の申請支援と見守り');
  await choose(page, page, '担当', '高齢福祉課');
  // Without a lead the server refuses the plan, and says so next to the items.
  await page.getByRole('button', { name: 'プランを作成' }).click();
  await expect(page.getByRole('alert').filter({ hasText: '主担当' })).toBeVisible();
  await page.getByRole('checkbox', { name: '主担当' }).check();
  await page.getByRole('button', { name: 'プランを作成' }).click();
  await expect(page.getByRole('heading', { name: '支援プラン 第1版' })).toBeVisible();
  await expect(page.getByTestId('plan-status')).toHaveText('下書き');
  const planUrl = page.url();
  await page.getByRole('button', { name: '会議に提案する' }).click();
  await expect(page.getByTestId('plan-status')).toHaveText('会議に提案中');

  // A 重層的支援会議 today (ad hoc), with the plan on its agenda; its decision approves the plan.
  await nav(page).getByRole('link', { name: '会議' }).click();
  await expect(page.getByTestId('regular-date').first()).toBeVisible();
  await shot(page, '08-meetings-calendar');
  await page.getByRole('button', { name: '会議を設定', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: '会議を設定' });
  await expect(dialog.getByRole('combobox', { name: '種類' })).toHaveText('重層的支援会議');
  await dialog.getByLabel('開催日').fill(today);
  await dialog.getByLabel('場所').fill('福祉センター 会議室');
  await dialog.getByRole('button', { name: '会議を設定', exact: true }).click();
  await expect(page.getByRole('heading', { name: '重層的支援会議（臨時）' })).toBeVisible();
  const agenda = page.getByRole('form', { name: '議題を追加' });
  await choose(page, agenda, 'ケース', new RegExp(caseNumber));
  await choose(page, agenda, '支援プラン', /第1版/);
  await agenda.getByLabel('概要').fill('支援プランの検討と役割分担');
  await agenda.getByRole('button', { name: '議題を追加' }).click();
  await expect(page.getByRole('table', { name: '議題' })).toContainText(caseNumber);
  const decision = page.getByRole('form', { name: '決定を記録' });
  await expect(decision.getByRole('combobox', { name: '決定の種類' })).toHaveText('プランの承認（支援決定）');
  await decision.getByRole('button', { name: '決定を記録' }).click();
  await expect(page.getByRole('table', { name: '決定事項' })).toContainText('プランの承認');
  // A role assignment becomes an item of the approved plan.
  await choose(page, decision, '決定の種類', '役割分担');
  await choose(page, decision, '機関・部署', '高齢福祉課');
  await decision.getByLabel(/^役割/).fill('母の見守り');
  await decision.getByLabel('支援内容（プランに追加）').fill('月1回の訪問による母の見守り');
  await decision.getByLabel('頻度').fill('月1回');
  await choose(page, decision, '事業の区分', /地域づくり/);
  await decision.getByRole('button', { name: '決定を記録' }).click();
  await expect(decision.getByTestId('decision-saved')).toContainText(/支援プラン #\d+ に支援内容を追加しました/);
  await expect(page.getByRole('table', { name: '決定事項' })).toContainText('月1回の訪問による母の見守り');
  await shot(page, '09-meeting');

  // Approved: monitoring starts; a monitoring record is added.
  await page.goto(planUrl);
  await expect(page.getByTestId('plan-status')).toHaveText('モニタリング中');
  await expect(page.getByText(/承認した会議/)).toBeVisible();
  const monitoring = page.getByRole('form', { name: 'モニタリングを記録' });
  await monitoring.getByLabel('内容').fill('母の介護保険申請が済み、訪問介護が始まった。');
  await monitoring.getByRole('button', { name: 'モニタリングを記録' }).click();
  await expect(page.getByRole('table', { name: 'モニタリング記録' })).toContainText('訪問介護が始まった');
  await expect(page.getByLabel('支援内容 2')).toHaveValue('月1回の訪問による母の見守り');
  await shot(page, '10-plan');
});
