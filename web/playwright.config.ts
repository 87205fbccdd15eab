import { defineConfig } from '@playwright/test';

// End to end in Debian's Chromium (Playwright cannot download browsers here) against a real
// node and PostgreSQL started by e2e/global-setup.ts. One project per language: the app must
// pick German from the browser's language by itself.
export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  // One browser at a time: two side by side were slower on 2 cores. (Each journey has its own
  // tenant, domain and DNS names, so more workers would be safe where cores allow.)
  workers: 1,
  // A whole journey is one test (its steps depend on each other); generous for a loaded machine.
  timeout: 360_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    headless: true,
    launchOptions: { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'en', use: { locale: 'en-US' } },
    // The API document does not depend on the language: checked once.
    { name: 'de', use: { locale: 'de-DE' }, testIgnore: /api-drift/ },
  ],
});
