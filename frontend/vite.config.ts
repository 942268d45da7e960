/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The API lives at the root of the same origin; the SPA is served under /app/ (api/spa.py).
// In development the vite server forwards the API's paths to a local API (`make run`).
const API_TARGET = process.env.TSUNAGU_API_URL ?? 'http://127.0.0.1:8000';
const API_PATHS = [
  '/auth',
  '/me',
  '/cases',
  '/referrals',
  '/plans',
  '/meetings',
  '/meeting-requests',
  '/meeting-schedules',
  '/departments',
  '/agency-fields',
  '/areas',
  '/support-functions',
  '/code-lists',
  '/towns',
  '/organizations',
  '/issue-categories',
  '/users',
  '/api-clients',
  '/audit-events',
  '/healthz',
  '/readyz',
];
const proxy = Object.fromEntries(API_PATHS.map((p) => [p, { target: API_TARGET, changeOrigin: false }]));

export default defineConfig({
  base: '/app/',
  plugins: [react()],
  server: { port: 5173, strictPort: true, proxy },
  preview: { port: 4173, strictPort: true, proxy },
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
