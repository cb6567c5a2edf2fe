/**
 * Inventory against a real hub (started by tests/integration/test_console_inventory.py): the owner
 * receives a delivery at a unit cost, writes goods off with a reason, raises a product's low-stock level
 * and sees it highlighted, finds the write-off among the movements, and counts the shelf in a stocktake
 * whose difference is posted under the counter's name; the stock page in three languages.
 */
import { expect as baseExpect, test } from "@playwright/test";

import { chooseLanguage, env, shot, signIn, watchCsp } from "./helpers";

const OWNER_PASSWORD = env("ICAFE_E2E_OWNER_PASSWORD");
const BAR = env("ICAFE_E2E_STOCK_PRODUCT");
const LOW = env("ICAFE_E2E_LOW_PRODUCT");

test.describe.configure({ mode: "serial" });
// The machine running these may be busy with other suites: give each step time rather than fail on load.
test.setTimeout(240_000);
const expect = baseExpect.configure({ timeout: 30_000 });

test("receive, write off, low stock, movements and a stocktake", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page.getByTestId("feed-state")).toBeVisible();
  await page.getByRole("link", { name: "Inventory" }).click();
  await expect(page).toHaveURL(/\/inventory$/);

  await expect(page.getByTestId("stock-value")).toBeVisible();
  // Already at its low-stock level (set up through the API): highlighted, and counted in the header.
  const lowRow = page.getByRole("row").filter({ hasText: LOW });
  await expect(lowRow.getByTestId("tone-low")).toBeVisible();
  await expect(page.getByTestId("low-count")).toHaveText("Low on stock: 1");

  // A delivery: checked before sending, then 6 at 2 500 each.
  await page.getByTestId("receive").click();
  await page.getByTestId("receive-submit").click();
  await expect(page.getByText("Required").first()).toBeVisible();
  await page.getByRole("combobox", { name: "Product" }).fill(BAR);
  await page.getByRole("option", { name: BAR }).click();
  await page.locator('input[name="quantity"]').fill("6");
  await page.locator('input[name="unit_cost"]').fill("2 500");
  await page.locator('input[name="note"]').fill("Invoice 42");
  await page.getByTestId("receive-submit").click();
  await expect(page.getByTestId("inventory-done")).toHaveText(/Received: 1 lines/);
  const barRow = page.getByRole("row").filter({ hasText: BAR });
  await expect(barRow.getByRole("gridcell", { name: "6", exact: true })).toBeVisible();
  await expect(barRow.getByText(/15\s000 so'm/)).toBeVisible();
  await expect(barRow.getByTestId("tone-ok")).toBeVisible();

  // A write-off needs a reason; the hub refuses more than is on hand, in its own words.
  await barRow.getByTestId("write-off").click();
  await page.locator('input[name="quantity"]').fill("9");
  await page.locator('input[name="reason"]').fill("Dropped");
  await page.getByTestId("write-off-submit").click();
  await expect(page.getByTestId("form-error")).toContainText("only 6");
  await page.locator('input[name="quantity"]').fill("1");
  await page.getByTestId("write-off-submit").click();
  await expect(page.getByTestId("inventory-done")).toHaveText(/Written off: 1/);
  await expect(barRow.getByRole("gridcell", { name: "5", exact: true })).toBeVisible();

  // Its low-stock level raised above what is left: now it is low too.
  await barRow.getByTestId("settings").click();
  await page.locator('input[name="low_stock"]').fill("5");
  await page.getByTestId("settings-submit").click();
  await expect(barRow.getByTestId("tone-low")).toBeVisible();
  await expect(page.getByTestId("low-count")).toHaveText("Low on stock: 2");
  await shot(page, "inventory-stock-en");

  // The movements, filtered by kind (kept in the URL).
  await page.getByTestId("tab-movements").click();
  await page.getByRole("combobox", { name: "Movement" }).click();
  await page.getByRole("option", { name: "Written off" }).click();
  await expect(page).toHaveURL(/kind=written_off/);
  const writeOff = page.getByRole("row").filter({ hasText: "Dropped" });
  await expect(writeOff).toContainText(BAR);
  await expect(writeOff).toContainText("-1");
  await shot(page, "inventory-movements-en");

  // A stocktake: 4 on the shelf where the record says 5.
  await page.getByTestId("tab-stocktakes").click();
  await page.getByTestId("stocktake-open").click();
  await page.locator('input[name="counted_by"]').fill("Dilnoza Karimova");
  await page.getByTestId("stocktake-start").click();
  await expect(page.getByTestId("sheet-state")).toHaveText("Counting");
  await page.getByRole("textbox", { name: BAR }).fill("4");
  await page.getByTestId("save-counts").click();
  await expect(page.getByTestId("sheet-message")).toHaveText("Counts saved");
  await expect(page.getByRole("row").filter({ hasText: BAR })).toContainText("-1");
  await shot(page, "inventory-stocktake-en");
  await page.getByTestId("post-stocktake").click();
  await page.getByTestId("confirm-post").click();
  await expect(page.getByTestId("sheet-state")).toHaveText("Posted");
  await expect(page.getByTestId("sheet-message")).toHaveText("Posted: 1 differences");

  await page.getByTestId("tab-stock").click();
  await expect(page.getByRole("row").filter({ hasText: BAR }).getByRole("gridcell", { name: "4", exact: true })).toBeVisible();
  for (const [code, name] of [
    ["ru", "Русский"],
    ["uz", "O'zbekcha"],
  ] as const) {
    await chooseLanguage(page, name);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(code === "ru" ? "Склад" : "Ombor");
    await shot(page, `inventory-stock-${code}`);
  }
  await chooseLanguage(page, "English");
  await csp.expectNone();
});
