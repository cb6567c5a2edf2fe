/**
 * Reports in the browser against a real hub (started by tests/integration/test_console_reports.py, which
 * took payments, a refund and ended sessions first): the dashboard shows today's takings and best seller
 * as the API counts them, and a low-stock alert raised while it is open comes in live; each report page
 * answers for the range and grouping in its URL, which survives switching tabs and a reload; each chart
 * downloads as PNG and SVG files that show it; the inventory report shows the stock's value and a product's
 * sales as the API answers them; the pages read in Russian and Uzbek too.
 */
import { expect, test } from "@playwright/test";

import { chartSize, downloadChart } from "./charts";
import { chooseLanguage, env, shot, signIn, watchCsp } from "./helpers";

const OWNER_PASSWORD = env("ICAFE_E2E_OWNER_PASSWORD");
const TODAY = env("ICAFE_E2E_TODAY");
const TAKINGS_MAJOR = env("ICAFE_E2E_TAKINGS_MAJOR"); // today's takings in whole so'm, as digits
const SESSIONS = env("ICAFE_E2E_SESSIONS");
const TOP = { name: env("ICAFE_E2E_TOP_NAME"), units: env("ICAFE_E2E_TOP_UNITS"), major: env("ICAFE_E2E_TOP_MAJOR") };
const STOCK_PRODUCT_ID = env("ICAFE_E2E_STOCK_PRODUCT_ID");
const STOCK_ABOVE_LOW = Number(env("ICAFE_E2E_STOCK_ABOVE_LOW")); // what is on hand above its low-stock level

test.setTimeout(180_000);

const digits = (text: string | null) => (text ?? "").replace(/\D/g, "");

test("the owner reads today on the dashboard and every report for a range", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page.getByTestId("feed-state")).toBeVisible();

  await page.goto("/dashboard");
  await expect(page.getByTestId("dashboard-takings")).not.toHaveText("…");
  expect(digits(await page.getByTestId("dashboard-takings").textContent())).toBe(TAKINGS_MAJOR);
  await expect(page.getByTestId("dashboard-sessions")).toHaveText(SESSIONS);
  await expect(page.getByTestId("dashboard-week").locator("svg").first()).toBeVisible();

  // Today's best seller (sold before the page opened): its units and takings as the API counts them.
  const top = page.getByTestId("dashboard-top-products").locator("tbody tr").first().getByRole("cell");
  await expect(top.nth(0)).toHaveText(TOP.name);
  await expect(top.nth(1)).toHaveText(TOP.units);
  expect(digits(await top.nth(2).textContent())).toBe(TOP.major);

  // Written off down to its low-stock level while the page is open: the product's alert comes in live,
  // on top of the latest and counted as open.
  const alertsCard = page.getByTestId("dashboard-alerts");
  await expect(alertsCard).not.toHaveAttribute("data-open", "");
  const openBefore = Number(await alertsCard.getAttribute("data-open"));
  const token = await page.evaluate(() => (JSON.parse(localStorage.getItem("icafe.session") ?? "{}") as { access: string }).access);
  const writtenOff = await page.request.post("/api/v1/inventory/write-offs", {
    headers: { Authorization: `Bearer ${token}`, "Idempotency-Key": `e2e-dashboard-${Date.now()}` },
    data: { product_id: STOCK_PRODUCT_ID, quantity: STOCK_ABOVE_LOW, reason: "Spilt" },
  });
  expect(writtenOff.status()).toBe(201);
  const latest = alertsCard.getByTestId("dashboard-alert").first();
  await expect(latest).toHaveAttribute("data-kind", "low_stock");
  await expect(latest).toContainText(TOP.name);
  await expect(latest).toContainText("just now");
  await expect(alertsCard).toHaveAttribute("data-open", String(openBefore + 1));
  await shot(page, "reports-dashboard-en");
  // The best seller opens the day's revenue report.
  await top.nth(0).getByRole("link").click();
  await expect(page).toHaveURL(`/reports/revenue?from=${TODAY}&to=${TODAY}&group=day`);
  await expect(page.getByTestId("revenue-net")).toBeVisible();

  await page.goto(`/reports/takings?from=${TODAY}&to=${TODAY}&group=day`);
  await expect(page.getByTestId("takings-total")).toBeVisible();
  expect(digits(await page.getByTestId("takings-total").textContent())).toBe(TAKINGS_MAJOR);
  await expect(page.getByTestId("takings-by-method").locator("tbody tr")).not.toHaveCount(0);
  await expect(page.getByTestId("report-from")).toHaveValue(TODAY);
  await shot(page, "reports-takings-en");

  // The chart downloads as PNG (twice its size on screen, its bar in its colour) and as SVG (the bar's
  // shape in its colour, the title, the day and the legend), named after the title and the day.
  const takingsChart = page.getByTestId("takings-chart");
  const onScreen = await chartSize(takingsChart);
  await takingsChart.getByTestId("chart-download").click();
  await expect(page.getByTestId("chart-download-svg")).toContainText(`takings-by-period_${TODAY}.svg`);
  await shot(page, "reports-chart-download-en");
  await page.keyboard.press("Escape");
  const files = await downloadChart(page, takingsChart, "rgb(30, 136, 229)", "chart-takings-en");
  expect(files.png.name).toBe(`takings-by-period_${TODAY}.png`);
  expect(files.png.width).toBe(2 * Math.ceil(onScreen.width));
  expect(files.png.height).toBeGreaterThan(2 * onScreen.height);
  expect(files.png.seriesPixels).toBeGreaterThan(1000); // one day's bar, drawn at 2x
  expect(files.png.whitePixels).toBeGreaterThan(files.png.pixels / 2);
  expect(files.svg.name).toBe(`takings-by-period_${TODAY}.svg`);
  expect(files.svg.shapes).toBe(1); // the day's bar
  expect(files.svg.texts).toEqual(expect.arrayContaining(["Takings by period", TODAY, "Net"]));
  expect(files.svg.legend).toEqual(["rgb(30, 136, 229)"]);

  // The range stays in the URL as the tabs change, and a reload keeps it.
  await page.getByTestId("report-tab-usage").click();
  await expect(page).toHaveURL(new RegExp(`/reports/usage\\?.*from=${TODAY}`));
  await expect(page.getByTestId("usage-sessions")).toHaveText(SESSIONS);
  await expect(page.getByTestId("usage-heatmap")).toBeVisible();
  // The heatmap is a chart too: its SVG holds a cell per weekday and hour.
  const heatmap = await downloadChart(page, page.getByTestId("usage-heatmap-chart"), "rgb(30, 136, 229)", "chart-heatmap-en");
  expect(heatmap.svg.shapes).toBe(7 * 24);
  await shot(page, "reports-usage-en");
  await page.reload();
  await expect(page.getByTestId("usage-sessions")).toHaveText(SESSIONS);

  await page.getByTestId("report-tab-revenue").click();
  await expect(page.getByTestId("revenue-net")).toBeVisible();
  await shot(page, "reports-revenue-en");
  await page.getByTestId("report-tab-members").click();
  await expect(page.getByTestId("members-top-spend")).toBeVisible();
  await shot(page, "reports-members-en");
  await page.getByTestId("report-tab-staff").click();
  await expect(page.getByTestId("staff-table").locator("tbody tr")).not.toHaveCount(0);
  await shot(page, "reports-staff-en");

  // The inventory report (no grouping): the stock's value now and the product's units sold and takings,
  // as the API answers them for the same days.
  await page.getByTestId("report-tab-inventory").click();
  await expect(page).toHaveURL(new RegExp(`/reports/inventory\\?.*from=${TODAY}`));
  await expect(page.getByTestId("report-group")).toHaveCount(0);
  const inventoryAnswer = await page.request.get(`/api/v1/reports/inventory?from=${TODAY}&to=${TODAY}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(inventoryAnswer.status()).toBe(200);
  const inventory = (await inventoryAnswer.json()) as { totals: { on_hand_value: number }; products: { product_id: string; sold: number; revenue: number }[] };
  const stocked = inventory.products.find((row) => row.product_id === STOCK_PRODUCT_ID);
  expect(stocked?.sold).toBe(Number(TOP.units));
  await expect(page.getByTestId("inventory-stock-value")).toBeVisible();
  expect(digits(await page.getByTestId("inventory-stock-value").textContent())).toBe(String(Math.floor((inventory.totals.on_hand_value + 50) / 100)));
  const productTable = page.getByTestId("inventory-products");
  const headers = await productTable.locator("thead th").allTextContents();
  const stockedCells = productTable.locator("tbody tr", { hasText: TOP.name }).getByRole("cell");
  await expect(stockedCells.nth(headers.indexOf("Units sold"))).toHaveText(TOP.units);
  expect(digits(await stockedCells.nth(headers.indexOf("Takings")).textContent())).toBe(String((stocked?.revenue ?? 0) / 100));
  await expect(page.getByTestId("inventory-low")).toContainText(TOP.name); // written off to its level above
  await shot(page, "reports-inventory-en");

  // Grouping by month from the picker: one row for this month.
  await page.getByTestId("report-tab-takings").click();
  await page.getByRole("button", { name: "This month" }).click();
  await expect(page).toHaveURL(/from=\d{4}-\d{2}-01/);

  await chooseLanguage(page, "Русский");
  await expect(page.getByRole("tab", { name: "Выручка" })).toBeVisible();
  await shot(page, "reports-takings-ru");
  await page.getByTestId("takings-chart").getByTestId("chart-download").click();
  await expect(page.getByTestId("chart-download-png")).toContainText("Изображение PNG");
  await shot(page, "reports-chart-download-ru");
  await page.keyboard.press("Escape");
  await page.goto(`/reports/inventory?from=${TODAY}&to=${TODAY}`);
  await expect(page.getByTestId("inventory-products")).toContainText("Продано, шт.");
  await shot(page, "reports-inventory-ru");
  await page.locator('nav a[href="/dashboard"]').click();
  await expect(page.getByTestId("dashboard-top-products")).toContainText("Продано");
  await expect(page.getByTestId("dashboard-alerts")).toContainText("Мало товара");
  await shot(page, "reports-dashboard-ru");
  await chooseLanguage(page, "O'zbekcha");
  await page.goto("/dashboard");
  await expect(page.getByText("Bugungi tushum")).toBeVisible();
  await expect(page.getByTestId("dashboard-alerts")).toContainText("Tovar kam qoldi");
  await expect(page.getByTestId("dashboard-top-products")).toContainText("Sotildi");
  await shot(page, "reports-dashboard-uz");
  await page.setViewportSize({ width: 800, height: 800 });
  await shot(page, "reports-dashboard-uz-800");
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByTestId("dashboard-week").getByTestId("chart-download").click();
  await expect(page.getByTestId("chart-download-svg")).toContainText("SVG rasm");
  await shot(page, "reports-chart-download-uz");
  await page.keyboard.press("Escape");
  const week = await downloadChart(page, page.getByTestId("dashboard-week"), "rgb(30, 136, 229)", "chart-week-uz");
  expect(week.svg.texts).toEqual(expect.arrayContaining(["Shu haftadagi tushum"]));
  expect(week.svg.legend).toEqual(["rgb(30, 136, 229)", "rgb(198, 40, 40)"]);
  await page.goto(`/reports/inventory?from=${TODAY}&to=${TODAY}`);
  await expect(page.getByTestId("inventory-products")).toContainText("Sotildi, dona");
  await shot(page, "reports-inventory-uz");
  await csp.expectNone();
});
