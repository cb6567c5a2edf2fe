/**
 * Money and the back office against a real hub (started by tests/integration/test_console.py,
 * test_money_in_a_browser): the owner adds a product and previews a tariff's price; a cashier opens a
 * shift, sells the product for cash and closes the shift blind; a manager with 2FA refunds the sale with
 * a TOTP code; a cashier cannot open the staff page; every screen in three languages.
 */
import { expect, test } from "@playwright/test";

import { chartSize, downloadChart } from "./charts";
import { chooseLanguage, env, nextTotp, shot, signIn, watchCsp } from "./helpers";

const OWNER_PASSWORD = env("ICAFE_E2E_OWNER_PASSWORD");
const CASHIER = env("ICAFE_E2E_TILL");
const CASHIER_PASSWORD = env("ICAFE_E2E_TILL_PASSWORD");
const MANAGER = env("ICAFE_E2E_REFUNDER");
const MANAGER_PASSWORD = env("ICAFE_E2E_REFUNDER_PASSWORD");
const MANAGER_SECRET = env("ICAFE_E2E_REFUNDER_TOTP_SECRET");
const MANAGER_RECOVERY = env("ICAFE_E2E_REFUNDER_RECOVERY_CODE");
const PC = env("ICAFE_E2E_MONEY_PC");

const PRODUCT = "Green tea 0.5 l";
const LANGUAGES = [
  ["en", "English"],
  ["ru", "Русский"],
  ["uz", "O'zbekcha"],
] as const;

test.describe.configure({ mode: "serial" });

test("the owner adds a product and sees the hub's price of a session across the night window", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page.getByTestId("feed-state")).toBeVisible();

  await page.goto("/products");
  await page.getByTestId("add-product").click();
  // Checked before sending: nothing typed yet.
  await page.getByTestId("save-product").click();
  await expect(page.getByText("Required").first()).toBeVisible();
  await page.locator('input[name="name"]').fill(PRODUCT);
  await page.locator('input[name="price"]').fill("6 000");
  await page.locator('input[name="category"]').fill("Drinks");
  await page.getByTestId("save-product").click();
  await expect(page.getByRole("gridcell", { name: PRODUCT })).toBeVisible();
  // The hub refuses a second product of the same name: its words appear next to the name.
  await page.getByTestId("add-product").click();
  await page.locator('input[name="name"]').fill(PRODUCT);
  await page.locator('input[name="price"]').fill("1");
  await page.getByTestId("save-product").click();
  await expect(page.getByText(/already called/)).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();

  // A session of 60 minutes from 21:30 on the branch's clock (Tashkent): 30 min at the standard rate,
  // 30 min in the night window, priced by the hub.
  await page.goto("/tariffs");
  const asked = page.waitForResponse((response) => response.url().includes("/quote?") && response.url().includes("minutes=60"));
  await page.locator('input[name="quote_start"]').fill("2026-12-01T21:30");
  await page.getByTestId("preset-60").click();
  const answer = (await (await asked).json()) as { total: number; lines: unknown[] };
  await expect(page.getByTestId("quote-total")).toHaveText(/10\s000 so'm/);
  expect(answer.total).toBe(1_000_000);
  expect(answer.lines).toHaveLength(2);
  // The same question asked of the hub directly gives the same answer the page shows.
  const token = await page.evaluate(() => (JSON.parse(localStorage.getItem("icafe.session") ?? "{}") as { access: string }).access);
  const url = new URL((await asked).url());
  const direct = await page.request.get(`/api/v1/tariffs/standard/quote?${url.searchParams.toString()}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(((await direct.json()) as { total: number }).total).toBe(answer.total);
  await expect(page.getByRole("cell", { name: "night" })).toBeVisible();
  await shot(page, "tariffs-preview-en");
  await csp.expectNone();
});

test("a cashier opens a shift, sells a product for cash, prints the receipt, and closes the shift blind", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, CASHIER, CASHIER_PASSWORD);
  await expect(page.getByTestId("feed-state")).toBeVisible();

  // The staff page is not in a cashier's menu, and its address says plainly that the role may not.
  await expect(page.getByRole("link", { name: "Staff" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Sale" })).toBeVisible();
  await page.goto("/users");
  await expect(page.getByTestId("forbidden")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Not available to your role" })).toBeVisible();
  await shot(page, "forbidden-users-en");

  // Cash needs an open shift: the sale screen says so.
  await page.goto("/pos");
  await expect(page.getByTestId("need-shift")).toBeVisible();
  await page.goto("/shift");
  await page.getByTestId("open-shift").click();
  await expect(page.getByText("Required")).toBeVisible();
  await page.locator('input[name="opening_float"]').fill("200 000");
  await page.getByTestId("open-shift").click();
  await expect(page.getByTestId("close-shift")).toBeVisible();
  // Blind: nothing expected is shown while the shift is open.
  await expect(page.getByText("Expected", { exact: true })).toHaveCount(0);
  await expect(page.getByTestId("shift-summary")).toHaveCount(0);

  await page.goto("/pos");
  const tile = page.getByRole("button", { name: new RegExp(`^${PRODUCT}`) });
  await tile.click();
  await tile.click();
  await expect(page.getByTestId("cart-total")).toHaveText(/12\s000 so'm/);
  await shot(page, "pos-cart-en");
  await page.getByTestId("pay").click();
  await expect(page.getByTestId("paid")).toContainText("receipt main-");
  await expect(page.getByTestId("cart-total")).toHaveText(/^0 so'm$/);

  // The receipt, fetched with the token, in the browser's PDF viewer (A4 and 80 mm).
  await page.getByTestId("print-receipt").click();
  await expect(page.getByTestId("pdf-frame")).toBeVisible();
  await page.getByTestId("layout-a4").click();
  await expect(page.getByTestId("pdf-frame")).toBeVisible();
  await shot(page, "receipt-en");
  await page.getByRole("button", { name: "Close" }).click();

  await page.goto("/shift");
  await page.locator('input[name="counted_cash"]').fill("211 000");
  await page.locator('input[name="counted_card"]').fill("0");
  await page.getByTestId("close-shift").click();
  await expect(page.getByText("Close the shift with these figures?")).toBeVisible();
  await page.getByTestId("confirm-close-shift").click();
  // Now the hub's expected figures: the float and the sale, 1 000 so'm short.
  const cash = page.getByTestId("shift-method-cash");
  await expect(cash).toContainText("212 000 so'm");
  await expect(cash).toContainText("211 000 so'm");
  await expect(cash).toContainText("-1 000 so'm");
  await expect(cash).toContainText("short");
  await shot(page, "shift-closed-en");
  await page.getByTestId("shift-report").click();
  await expect(page.getByTestId("pdf-frame")).toBeVisible();
  await page.getByRole("button", { name: "Close" }).click();
  await csp.expectNone();
});

test("a manager refunds the sale with a reason and a TOTP code", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, MANAGER, MANAGER_PASSWORD);
  // A recovery code signs in: the TOTP steps stay free for the refund (the hub takes each code once).
  await page.locator('input[name="code"]').fill(MANAGER_RECOVERY);
  await page.locator('button[type="submit"]').click();
  await expect(page.getByTestId("feed-state")).toBeVisible();

  // A cash refund is paid out of the manager's own drawer: their shift opens first.
  await page.goto("/shift");
  await page.locator('input[name="opening_float"]').fill("100 000");
  await page.getByTestId("open-shift").click();
  await expect(page.getByTestId("close-shift")).toBeVisible();

  await page.goto(`/payments?staff=${CASHIER}&purpose=sale`);
  await expect(page.locator('input[name="staff"]')).toHaveValue(CASHIER);
  const row = page.locator(".MuiDataGrid-row").filter({ hasText: "12 000 so'm" });
  await expect(row).toHaveCount(1);
  await row.click();
  await expect(page.getByTestId("refundable")).toContainText("12 000 so'm");
  await page.getByTestId("refund").click();

  // Checked before sending; then the hub's refusals next to their fields.
  await page.locator('input[name="amount"]').fill("20 000");
  await page.getByTestId("refund-submit").click();
  await expect(page.getByText("More than is allowed here")).toBeVisible();
  await expect(page.locator('input[name="totp"]')).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator('input[name="reason"]')).toHaveAttribute("aria-invalid", "true");
  await page.locator('input[name="amount"]').fill("5 000");
  await page.locator('input[name="reason"]').fill("the customer returned one tea");
  await page.locator('input[name="totp"]').fill("000000");
  await page.getByTestId("refund-submit").click();
  await expect(page.getByText("The code or password is wrong, or the code was already used")).toBeVisible();
  // A wrong code is the form's business, not the role's: no "your role may not" notice.
  await expect(page.getByTestId("fault-notice")).toHaveCount(0);
  await shot(page, "refund-en");
  await page.locator('input[name="totp"]').fill(nextTotp(MANAGER_SECRET));
  await page.getByTestId("refund-submit").click();
  await expect(page.getByTestId("refunded")).toContainText("Refunded 5 000 so'm");
  await expect(page.getByTestId("refundable")).toContainText("7 000 so'm");
  await page.getByRole("button", { name: "Close" }).click();

  // The history shows the refund, and exports what it shows as CSV (fetched with the token).
  await page.goto(`/payments?staff=${MANAGER}&kind=refund`);
  await expect(page.locator(".MuiDataGrid-row").filter({ hasText: "-5 000 so'm" })).toHaveCount(1);
  const download = page.waitForEvent("download");
  await page.getByTestId("export-csv").click();
  const csv = await (await download).createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of csv) chunks.push(chunk as Buffer);
  const rows = Buffer.concat(chunks).toString("utf8").trim().split("\n");
  expect(rows[0]).toContain("receipt,time_utc,kind");
  expect(rows).toHaveLength(2);
  expect(rows[1]).toContain(",refund,sale,cash,500000,");

  // Managers see every shift with its summary; the cashier's closed one is there.
  await page.goto("/shifts");
  await expect(page.locator(".MuiDataGrid-row").filter({ hasText: CASHIER })).toHaveCount(1);
  await csp.expectNone();
});

test("vouchers are sold and checked by code; staff, audit log and a PC's page for the owner", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page.getByTestId("feed-state")).toBeVisible();

  // Selling a voucher for cash needs the owner's open shift (another test may have opened it).
  await page.goto("/shift");
  await expect(page.getByTestId("open-shift").or(page.getByTestId("close-shift"))).toBeVisible();
  if (await page.getByTestId("open-shift").isVisible()) {
    await page.locator('input[name="opening_float"]').fill("0");
    await page.getByTestId("open-shift").click();
    await expect(page.getByTestId("close-shift")).toBeVisible();
  }
  await page.goto("/vouchers");
  await page.locator('input[name="voucher_value"]').fill("30 000");
  await page.getByTestId("sell-voucher").click();
  const code = (await page.getByTestId("voucher-code").textContent()) ?? "";
  expect(code.length).toBeGreaterThan(4);
  await page.locator('input[name="check_code"]').fill(code);
  await page.getByTestId("check-voucher").click();
  await expect(page.getByTestId("voucher-check")).toContainText("30 000 so'm");
  await shot(page, "vouchers-sold-en");

  await page.goto("/users");
  await expect(page.getByRole("gridcell", { name: CASHIER })).toBeVisible();
  await page.getByTestId(`user-actions-${CASHIER}`).click();
  await page.getByRole("menuitem", { name: "Reset password…" }).click();
  await page.getByTestId("apply-user-change").click();
  await expect(page.locator('textarea[name="reason"]')).toHaveAttribute("aria-invalid", "true");
  await page.locator('textarea[name="reason"]').fill("forgot it at the end of the shift");
  await page.locator('input[name="password"]').fill(OWNER_PASSWORD);
  await page.getByTestId("apply-user-change").click();
  await expect(page.getByTestId("one-time-password")).toBeVisible();
  await shot(page, "users-reset-en");
  await page.getByRole("button", { name: "Close" }).click();
  await expect(page.getByRole("row", { name: new RegExp(CASHIER) })).toContainText("Must change password");

  await page.goto("/audit?action=payment.refund");
  await expect(page.locator(".MuiDataGrid-row")).toHaveCount(1);
  await page.getByTestId("verify-audit").click();
  await expect(page.getByTestId("audit-verified")).toHaveAttribute("data-ok", "true");

  // From the map: a PC's menu leads to its page (telemetry chart, command history).
  await page.goto("/pcs");
  // The map and its open menu redraw with every live update; on a loaded machine a click can land while
  // the menu moves and miss its item (the menu stays open): it is clicked again, as a person would.
  await expect(async () => {
    if (!(await page.getByTestId("menu-details").isVisible())) {
      await page.getByTestId(`pc-tile-${PC}`).click({ button: "right" });
    }
    await page.getByTestId("menu-details").click({ timeout: 3_000 });
    await expect(page).toHaveURL(new RegExp(`/pcs/${PC}$`), { timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("telemetry-chart")).toBeVisible();
  await expect(page.getByTestId("pc-status")).toHaveText("Online");
  // Its chart downloads like the reports' (e2e/charts.ts): twice its width, the CPU line in its colour.
  const telemetryCard = page.locator(".MuiPaper-root").filter({ has: page.getByTestId("telemetry-chart") });
  const telemetry = await downloadChart(page, telemetryCard, "rgb(30, 136, 229)", "chart-telemetry-en");
  expect(telemetry.png.width).toBe(2 * Math.ceil((await chartSize(telemetryCard)).width));
  expect(telemetry.svg.shapes).toBeGreaterThanOrEqual(1);
  expect(telemetry.svg.texts).toEqual(expect.arrayContaining([`CPU and memory ${PC}`, "CPU %"]));
  // A line's legend mark is stroked, not filled: the file's legend still has the line's colour.
  expect(telemetry.svg.legend).toEqual(["rgb(30, 136, 229)", "rgb(11, 110, 79)"]);
  await csp.expectNone();
});

test("every money and back-office screen in three languages", async ({ page }) => {
  test.setTimeout(150_000);
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page.getByTestId("feed-state")).toBeVisible();
  const screens: [string, string, string][] = [
    ["pos", "/pos", "cart-total"],
    ["shift", "/shift", "close-shift"],
    ["payments", "/payments", "payments-grid"],
    ["vouchers", "/vouchers", "sell-voucher"],
    ["shifts", "/shifts", "shifts-grid"],
    ["tariffs", "/tariffs", "quote-total"],
    ["products", "/products", "add-product"],
    ["settings", "/settings", "save-settings"],
    ["users", "/users", "add-user"],
    ["audit", "/audit", "verify-audit"],
    ["pc-detail", `/pcs/${PC}`, "telemetry-chart"],
  ];
  for (const [language, label] of LANGUAGES) {
    await chooseLanguage(page, label);
    for (const [name, path, ready] of screens) {
      await page.goto(path);
      await expect(page.getByTestId(ready)).toBeVisible();
      // Nothing still loading (grids, the chart, the preview).
      await expect(page.locator('[role="progressbar"]')).toHaveCount(0);
      await shot(page, `${name}-${language}`);
    }
  }
  await chooseLanguage(page, "English");
  await csp.expectNone();
});
