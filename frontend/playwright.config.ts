import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';

// One server for the whole run: the real API with demo data on a fresh SQLite database, serving
// the SPA built by `npm run build`. A free port is chosen once; the workers inherit it.
process.env.TSUNAGU_E2E_PORT ??= execFileSync(process.execPath, [
  '-e',
  "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
])
  .toString()
  .trim();
const PORT = process.env.TSUNAGU_E2E_PORT;
// TSUNAGU_E2E_URL points the tests at a server already running (development only).
const EXTERNAL = process.env.TSUNAGU_E2E_URL;
const BASE = EXTERNAL ?? `http://127.0.0.1:${PORT}`;

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: `${BASE}/app/`,
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    viewport: { width: 1366, height: 768 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: EXTERNAL
    ? undefined
    : {
        command: `npm run build && node scripts/e2e-server.mjs ${PORT}`,
        url: `${BASE}/readyz`,
        timeout: 180_000,
        reuseExistingServer: false,
        stdout: 'ignore',
        stderr: 'pipe',
        // SIGTERM lets scripts/e2e-server.mjs stop the API and remove its temporary database.
        gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
      },
});
