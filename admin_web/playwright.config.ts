import { defineConfig } from "@playwright/test";

/**
 * The console's end-to-end tests run against a real hub on the local stack with real agents; they are
 * started by tests/integration/test_console.py, which passes the URL and the accounts in ICAFE_E2E_*.
 * The browser is Debian's Chromium (`make system-deps`), never a download of Playwright's own.
 */
export default defineConfig({
  testDir: "e2e",
  timeout: 120_000,
  expect: { timeout: 10_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [["list"]],
  outputDir: process.env.ICAFE_E2E_OUTPUT ?? "test-results",
  use: {
    baseURL: process.env.ICAFE_E2E_URL,
    locale: "en-GB",
    viewport: { width: 1280, height: 800 },
    trace: "off",
    // An action that cannot happen fails on its own line, not as the whole test's timeout.
    actionTimeout: 20_000,
    navigationTimeout: 30_000,
    launchOptions: {
      executablePath: process.env.ICAFE_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
});
