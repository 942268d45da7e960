import { expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PASSWORD = 'tsunagu-demo-2026';
export const SCREENSHOTS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts', 'screenshots');
mkdirSync(SCREENSHOTS, { recursive: true });

export async function login(page: Page, username: string): Promise<void> {
  await page.goto('login');
  await page.getByLabel('ユーザー名').fill(username);
  await page.getByLabel('パスワード').fill(PASSWORD);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page.getByTestId('current-user')).toBeVisible();
}

export async function logout(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'ログアウト' }).click();
  await expect(page.getByRole('heading', { name: 'ログイン' })).toBeVisible();
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export function nav(page: Page) {
  return page.getByRole('navigation', { name: 'メニュー' });
}
