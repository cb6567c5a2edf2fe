/**
 * Reports in the browser against a real hub (started by tests/integration/test_console_reports.py, which
 * took payments, a refund and ended sessions first): the dashboard shows today's takings as the API
 * counts them; each report page answers for the range and grouping in its URL, which survives switching
 * tabs and a reload; each chart downloads as PNG and SVG files that show it; the pages read in Russian
 * and Uzbek too.
 */
import { expect, test } from "@playwright/test";

import { chartSize, downloadChart } from "./charts";
import { chooseLanguage, env, shot, signIn, watchCsp } from "./helpers";

const OWNER_PASSWORD = env("ICAFE_E2E_OWNER_PASSWORD");
const TODAY = env("ICAFE_E2E_TODAY");
const TAKINGS_MAJOR = env("ICAFE_E2E_TAKINGS_MAJOR"); // today's takings in whole so'm, as digits
const SESSIONS = env("ICAFE_E2E_SESSIONS");

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
  await shot(page, "reports-dashboard-en");

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
  await chooseLanguage(page, "O'zbekcha");
  await page.goto("/dashboard");
  await expect(page.getByText("Bugungi tushum")).toBeVisible();
  await shot(page, "reports-dashboard-uz");
  await page.getByTestId("dashboard-week").getByTestId("chart-download").click();
  await expect(page.getByTestId("chart-download-svg")).toContainText("SVG rasm");
  await shot(page, "reports-chart-download-uz");
  await page.keyboard.press("Escape");
  const week = await downloadChart(page, page.getByTestId("dashboard-week"), "rgb(30, 136, 229)", "chart-week-uz");
  expect(week.svg.texts).toEqual(expect.arrayContaining(["Shu haftadagi tushum"]));
  await csp.expectNone();
});
