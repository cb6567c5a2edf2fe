/**
 * The Fleet screen against a real hub (started by tests/integration/test_console.py, which uploaded two
 * agent releases and rolled them out to a real agent under its launcher first): the PC updated to the
 * good version (done) and back from the crashing one (rolled back, with the launcher's reason), the
 * fleet's versions, and the screen in three languages.
 */
import { expect, test } from "@playwright/test";

import { chooseLanguage, env, shot, signIn, watchCsp } from "./helpers";

const OWNER_PASSWORD = env("ICAFE_E2E_OWNER_PASSWORD");
const PC = env("ICAFE_E2E_FLEET_PC");
const GOOD = env("ICAFE_E2E_FLEET_GOOD");
const GOOD_ROLLOUT = env("ICAFE_E2E_FLEET_GOOD_ROLLOUT");
const BAD_ROLLOUT = env("ICAFE_E2E_FLEET_BAD_ROLLOUT");
// The hub's own counts (the test's stack has other tests' PCs too).
const TOTAL = env("ICAFE_E2E_FLEET_TOTAL");
const WEAK = env("ICAFE_E2E_FLEET_WEAK");

test.setTimeout(120_000);

test("a technician sees the fleet's versions and each rollout's PCs", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await page.getByRole("link", { name: "Fleet" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Fleet: agent versions and updates" })).toBeVisible();

  // The crashing version was rolled back by the PC itself, with why; the good one is installed.
  const rolledBack = page.getByTestId(`target-${BAD_ROLLOUT}-${PC}`);
  await expect(rolledBack).toHaveAttribute("data-state", "rolled_back");
  await expect(rolledBack).toHaveText(`${PC}: rolled back`);
  await rolledBack.hover();
  await expect(page.getByRole("tooltip")).toContainText("exited with code 1 before it came online");
  const done = page.getByTestId(`target-${GOOD_ROLLOUT}-${PC}`);
  await expect(done).toHaveAttribute("data-state", "done");
  await expect(page.getByTestId(`versions-${GOOD}`)).toHaveText(`${GOOD}: 1`);
  await expect(page.getByTestId(`release-${GOOD}`)).toBeVisible();
  await page.mouse.move(0, 0);
  await expect(page.getByRole("tooltip")).toHaveCount(0);
  await expect(page.getByTestId("fleet-total")).toHaveText(`PCs: ${TOTAL}`);
  await expect(page.getByTestId("hardening-weak")).toHaveText(`weak: ${WEAK}`);
  await shot(page, "fleet-en");

  await chooseLanguage(page, "Русский");
  await expect(page.getByRole("heading", { level: 1, name: "Парк ПК: версии агента и обновления" })).toBeVisible();
  await expect(page.getByTestId(`target-${BAD_ROLLOUT}-${PC}`)).toHaveText(`${PC}: откат`);
  await expect(page.getByTestId("hardening-weak")).toHaveText(`слабая: ${WEAK}`);
  await shot(page, "fleet-ru");
  await chooseLanguage(page, "O'zbekcha");
  await expect(page.getByRole("heading", { level: 1, name: "Kompyuterlar parki: agent versiyalari va yangilanishlar" })).toBeVisible();
  await expect(page.getByTestId(`target-${GOOD_ROLLOUT}-${PC}`)).toHaveText(`${PC}: tayyor`);
  await shot(page, "fleet-uz");
  await chooseLanguage(page, "English");
  await csp.expectNone();
});
