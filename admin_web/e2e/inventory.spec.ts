/**
 * Inventory against a real hub (started by tests/integration/test_console_inventory.py): the owner
 * receives a delivery at a unit cost, writes goods off with a reason, raises a product's low-stock level
 * and sees it highlighted, finds the write-off among the movements, and counts the shelf in a stocktake
 * whose difference is posted under the counter's name; a delivery taken in another tab shows here at once
 * (the hub's stock.alert); goods sent to another branch, all lines or none; the stock page and the
 * transfer dialog in three languages.
 */
import { expect as baseExpect, test } from "@playwright/test";

import { chooseLanguage, env, shot, signIn, watchCsp } from "./helpers";

const OWNER_PASSWORD = env("ICAFE_E2E_OWNER_PASSWORD");
const BAR = env("ICAFE_E2E_STOCK_PRODUCT");
const LOW = env("ICAFE_E2E_LOW_PRODUCT");
const NORTH = env("ICAFE_E2E_OTHER_BRANCH"); // another branch's name, to send goods to

test.describe.configure({ mode: "serial" });
// The machine running these may be busy with other suites: give each step time rather than fail on load.
test.setTimeout(240_000);
const expect = baseExpect.configure({ timeout: 30_000 });

test("receive, write off, low stock, movements, a stocktake, live stock alerts and a transfer", async ({ page }) => {
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
  await expect(page.getByTestId("low-stock-badge")).toHaveAttribute("data-count", "2");
  // The open alerts (the two products' and any of the system's) before the cola's is resolved.
  const alertsBadge = async () => Number(await page.getByTestId("alerts-badge").getAttribute("data-count"));
  await expect.poll(alertsBadge).toBeGreaterThanOrEqual(2);
  const openAlerts = await alertsBadge();

  // Live: a delivery of cola taken in another tab lifts it above its level; the hub pushes stock.alert and
  // this page, its count and the menu's badge follow at once (the page's own poll is a minute).
  const other = await page.context().newPage();
  await other.goto("/inventory");
  await other.getByTestId("receive").click();
  await other.getByRole("combobox", { name: "Product" }).fill(LOW);
  await other.getByRole("option", { name: LOW }).click();
  await other.locator('input[name="quantity"]').fill("5");
  await other.getByTestId("receive-submit").click();
  await expect(other.getByTestId("inventory-done")).toBeVisible();
  const live = baseExpect.configure({ timeout: 5_000 });
  await live(lowRow.getByTestId("tone-ok")).toBeVisible();
  await live(lowRow.getByRole("gridcell", { name: "7", exact: true })).toBeVisible();
  await live(page.getByTestId("low-count")).toHaveText("Low on stock: 1");
  await live(page.getByTestId("low-stock-badge")).toHaveAttribute("data-count", "1");
  await live(page.getByTestId("alerts-badge")).toHaveAttribute("data-count", String(openAlerts - 1));
  await other.close();

  // A transfer to the other branch: checked, confirmed, refused whole when a line is short (the hub's
  // words), then sent.
  await page.getByTestId("transfer").click();
  await page.getByRole("combobox", { name: "To branch" }).click();
  await page.getByRole("option", { name: NORTH }).click();
  await page.getByRole("combobox", { name: "Product" }).fill(BAR);
  await page.getByRole("option", { name: BAR }).click();
  await expect(page.getByText("On hand: 4")).toBeVisible();
  await page.locator('input[name="quantity"]').fill("9");
  await page.getByTestId("transfer-add-line").click();
  await page.getByRole("combobox", { name: "Product" }).nth(1).fill(LOW);
  await page.getByRole("option", { name: LOW }).click();
  await page.locator('input[name="quantity"]').nth(1).fill("1");
  await page.locator('input[name="note"]').fill("For the weekend");
  await shot(page, "inventory-transfer-en");
  await page.getByTestId("transfer-review").click();
  await expect(page.getByTestId("transfer-summary")).toContainText(`9 × ${BAR}`);
  await page.getByTestId("transfer-send").click();
  await expect(page.getByTestId("form-error")).toContainText(`only 4 of ${BAR} left`);
  await expect(page.getByTestId("form-error")).toContainText("nothing was moved");
  await shot(page, "inventory-transfer-refused-en");
  await page.getByTestId("transfer-back").click();
  await page.locator('input[name="quantity"]').first().fill("2");
  await page.getByTestId("transfer-review").click();
  await shot(page, "inventory-transfer-confirm-en");
  await page.getByTestId("transfer-send").click();
  await expect(page.getByTestId("inventory-done")).toContainText(`Sent to ${NORTH}`);
  await expect(page.getByTestId("inventory-done")).toContainText(`2 × ${BAR}, 1 × ${LOW}`);
  await expect(page.getByRole("row").filter({ hasText: BAR }).getByRole("gridcell", { name: "2", exact: true })).toBeVisible();
  await expect(lowRow.getByRole("gridcell", { name: "6", exact: true })).toBeVisible();

  for (const [code, name] of [
    ["ru", "Русский"],
    ["uz", "O'zbekcha"],
  ] as const) {
    await chooseLanguage(page, name);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(code === "ru" ? "Склад" : "Ombor");
    await shot(page, `inventory-stock-${code}`);
    await page.getByTestId("transfer").click();
    await page.getByRole("dialog").getByRole("combobox").first().click();
    await page.getByRole("option", { name: NORTH }).click();
    await page.getByRole("dialog").getByRole("combobox").nth(1).fill(LOW);
    await page.getByRole("option", { name: LOW }).click();
    await page.locator('input[name="quantity"]').fill("1");
    await page.getByTestId("transfer-review").click();
    await expect(page.getByTestId("transfer-summary")).toContainText(`1 × ${LOW}`);
    await shot(page, `inventory-transfer-${code}`);
    await page.keyboard.press("Escape");
    await expect(page.getByRole("dialog")).toHaveCount(0);
  }
  await chooseLanguage(page, "English");
  await csp.expectNone();
});
