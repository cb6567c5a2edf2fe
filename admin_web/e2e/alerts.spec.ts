/**
 * The alerts page against a real hub (started by tests/integration/test_console_enrollment.py, which runs
 * a real agent with a paid guest session on it): the page is open when the agent is killed, and the
 * hub's `offline_in_session` alert appears without a reload, counted on the menu's badge; the owner
 * acknowledges it (who and when shown), then resolves it; the page in three languages.
 */
import { expect, test } from "@playwright/test";

import { chooseLanguage, env, shot, signIn, watchCsp } from "./helpers";

const OWNER_PASSWORD = env("ICAFE_E2E_OWNER_PASSWORD");
const PC = env("ICAFE_E2E_ALARM_PC");
const AGENT_PID = Number(env("ICAFE_E2E_AGENT_PID"));

test.setTimeout(120_000);

test("a PC killed in paid time shows up live on the alerts page, is acknowledged, then resolved", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  const navLink = page.locator('nav a[href="/alerts"]');
  await navLink.click();
  await expect(page.getByRole("heading", { level: 1, name: "Alerts" })).toBeVisible();
  await expect(page.getByTestId("feed-state")).toHaveAttribute("data-state", "live");
  // Scheduled backups are off on this hub, and the page says how to turn them on.
  await expect(page.getByTestId("backup-status")).toHaveAttribute("data-state", "off");

  // Only this PC's alerts: not offline yet (its agent's start may have raised others). The badge counts
  // the whole branch's open alerts.
  await page.locator('input[name="pc"]').fill(PC);
  await expect(page).toHaveURL(new RegExp(`pc=${PC}`));
  const list = page.getByTestId("alerts-list");
  await expect(list).toHaveAttribute("data-pc", PC);
  await expect(list).toHaveAttribute("data-fetching", "false");
  const row = page.locator(`[data-kind="offline_in_session"][data-pc="${PC}"]`);
  await expect(row).toHaveCount(0);
  const badge = page.getByTestId("alerts-badge");
  const before = Number(await badge.getAttribute("data-count"));

  // The PC dies with a customer's time running: the hub's alert is pushed and appears by itself.
  process.kill(-AGENT_PID, "SIGKILL");
  await expect(row).toBeVisible({ timeout: 15_000 });
  await expect(row).toHaveAttribute("data-state", "open");
  await expect(row).toContainText("Offline in paid time");
  await expect(row).toContainText(`${PC} went offline during session`);
  await expect(badge).toHaveAttribute("data-count", String(before + 1));
  await expect(row.getByTestId("alert-who")).toHaveCount(0);
  await shot(page, "alerts-en");
  for (const [language, name] of [
    ["ru", "Русский"],
    ["uz", "O'zbekcha"],
  ] as const) {
    await chooseLanguage(page, name);
    await expect(page.getByRole("heading", { level: 1 })).not.toHaveText("Alerts");
    await shot(page, `alerts-${language}`);
  }
  await chooseLanguage(page, "English");

  // Acknowledged: someone is on it. No longer open (the badge drops), still listed, with who and when.
  await row.getByTestId("acknowledge").click();
  await expect(row).toHaveAttribute("data-state", "acknowledged");
  await expect(row.getByTestId("alert-who")).toContainText(/^Acknowledged by admin at .+/);
  await expect(row.getByTestId("acknowledge")).toHaveCount(0);
  await expect(badge).toHaveAttribute("data-count", String(before));

  // The PC's own page lists the alert and leads back here, filtered to that PC.
  await row.getByRole("link", { name: PC }).click();
  await expect(page).toHaveURL(new RegExp(`/pcs/${PC}$`));
  await page.getByTestId("pc-alerts-link").click();
  await expect(page).toHaveURL(new RegExp(`/alerts\\?pc=${PC}$`));
  await expect(row).toHaveAttribute("data-state", "acknowledged");

  // Resolved: gone from the unresolved list, found under Resolved with who resolved it.
  await row.getByTestId("resolve").click();
  await expect(row).toHaveCount(0);
  await page.getByTestId("filter-state").click();
  await page.getByRole("option", { name: "Resolved", exact: true }).click();
  await expect(page.locator(".MuiMenu-root")).toHaveCount(0); // the menu has faded out before the screenshot
  await expect(row).toHaveAttribute("data-state", "resolved");
  await expect(row.getByTestId("alert-who")).toContainText("Resolved by admin at");
  await expect(row.getByRole("button")).toHaveCount(0);
  await shot(page, "alerts-resolved-en");
  await csp.expectNone();
});
