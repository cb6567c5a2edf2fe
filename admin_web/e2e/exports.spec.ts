/**
 * Exports in the browser against a real hub (started by tests/integration/test_console_exports.py): the
 * owner exports the payment history filtered to one member as XLSX and PDF, the member list as CSV and
 * the audit log as XLSX from each list's Export menu, and the takings report as CSV from its tab (with the
 * page's range and grouping); a toast follows each job from the hub's WebSocket events to its download. The files are saved where the runner reads them back against the API.
 */
import { expect, test, type Page } from "@playwright/test";
import { join } from "node:path";

import { chooseLanguage, env, shot, signIn, watchCsp } from "./helpers";

const OWNER_PASSWORD = env("ICAFE_E2E_OWNER_PASSWORD");
const MEMBER_ID = env("ICAFE_E2E_EXPORT_MEMBER_ID");
const MEMBER_LOGIN = env("ICAFE_E2E_EXPORT_MEMBER_LOGIN");
const DOWNLOADS = env("ICAFE_E2E_DOWNLOADS");

test.describe.configure({ mode: "serial" });
// Seven exports, each a job on the hub, on a machine that may be busy with other work.
test.setTimeout(240_000);

/** Export the page's list as `format`: the toast goes to done, its download is saved as `name`. */
async function exportAs(page: Page, format: "csv" | "xlsx" | "pdf", name: string, screenshot?: string): Promise<void> {
  const started = page.waitForResponse((response) => response.url().endsWith("/api/v1/exports") && response.request().method() === "POST");
  await page.getByTestId("export-menu").click();
  await page.getByTestId(`export-${format}`).click();
  const answer = await started;
  expect(answer.status()).toBe(202);
  const { id } = (await answer.json()) as { id: string };
  const toast = page.locator(`[data-testid="export-toast"][data-export-id="${id}"]`);
  await expect(toast).toBeVisible();
  await expect(toast).toHaveAttribute("data-state", "done", { timeout: 30_000 });
  if (screenshot) await shot(page, screenshot);
  const download = page.waitForEvent("download");
  await toast.getByTestId("export-download").click();
  await (await download).saveAs(join(DOWNLOADS, name));
  await toast.getByRole("button", { name: /close|закрыть|yopish/i }).click();
  await expect(toast).toHaveCount(0);
}

test("the owner exports payments, members and the audit log from their lists", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page.getByTestId("feed-state")).toBeVisible();

  // The payment history filtered to one member: the export has the list's filters.
  await page.goto(`/payments?member=${MEMBER_ID}`);
  await expect(page.locator(".MuiDataGrid-row")).toHaveCount(6, { timeout: 30_000 });
  await page.getByTestId("export-menu").click();
  await expect(page.getByTestId("export-xlsx")).toBeVisible();
  await shot(page, "exports-menu-en");
  await page.keyboard.press("Escape");
  await exportAs(page, "xlsx", "payments.xlsx", "exports-done-en");
  await exportAs(page, "pdf", "payments.pdf");

  await page.goto(`/members?q=${MEMBER_LOGIN}`);
  await expect(page.locator(".MuiDataGrid-row")).toHaveCount(1, { timeout: 30_000 });
  await exportAs(page, "csv", "members.csv");

  await page.goto("/audit?action=export.create");
  await exportAs(page, "xlsx", "audit.xlsx");
  await csp.expectNone();
});

test("the toasts speak the user's language", async ({ page }) => {
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page.getByTestId("feed-state")).toBeVisible();
  await page.goto(`/payments?member=${MEMBER_ID}`);
  await expect(page.locator(".MuiDataGrid-row")).toHaveCount(6, { timeout: 30_000 });
  for (const [language, name, ready] of [
    ["ru", "Русский", "Готово: 6 строк"],
    ["uz", "O'zbekcha", "Tayyor: 6 qator"],
  ] as const) {
    await chooseLanguage(page, name);
    await page.getByTestId("export-menu").click();
    await page.getByTestId("export-xlsx").click();
    const toast = page.getByTestId("export-toast");
    await expect(toast).toHaveAttribute("data-state", "done", { timeout: 30_000 });
    await expect(toast).toContainText(ready);
    await shot(page, `exports-done-${language}`);
    await toast.getByRole("button", { name: /закрыть|yopish/i }).click();
    await expect(toast).toHaveCount(0);
  }
  await chooseLanguage(page, "English");
});

test("a report exports from its tab with the page's range and grouping", async ({ page }) => {
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page.getByTestId("feed-state")).toBeVisible();
  await page.goto("/reports/takings?group=week");
  await page.getByRole("button", { name: "30 days" }).click();
  await expect(page).toHaveURL(/from=\d{4}-\d{2}-\d{2}.*to=/);
  await expect(page.getByTestId("takings-by-method")).toBeVisible({ timeout: 30_000 });
  for (const [language, name] of [
    ["ru", "Русский"],
    ["uz", "O'zbekcha"],
    ["en", "English"],
  ] as const) {
    await chooseLanguage(page, name);
    await page.getByTestId("export-menu").click();
    await expect(page.getByTestId("export-pdf")).toBeVisible();
    await shot(page, `report-export-menu-${language}`);
    await page.keyboard.press("Escape");
    await expect(page.locator(".MuiMenu-root")).toHaveCount(0);
  }
  await exportAs(page, "csv", "report-takings.csv");
});
