/**
 * Enrolling PCs from the console against a real hub with its certificate signer (started by
 * tests/integration/test_console_enrollment.py, which ran `icafe enroll` on two "PCs" first and checks
 * the outcome afterwards): the owner makes a batch code (shown once, with the command to run), approves one
 * waiting PC under another name in the VIP zone, rejects the other, and revokes a connected PC with a
 * password confirmation; the screen in three languages.
 */
import { expect, test } from "@playwright/test";
import { writeFileSync } from "node:fs";

import { chooseLanguage, env, shot, signIn, watchCsp } from "./helpers";

const OWNER_PASSWORD = env("ICAFE_E2E_OWNER_PASSWORD");
const [APPROVE, REJECT] = JSON.parse(env("ICAFE_E2E_PENDING")) as [string, string];
const APPROVE_AS = env("ICAFE_E2E_APPROVE_AS");
const REVOKE = env("ICAFE_E2E_REVOKE");

// One long story (three languages at the end) on a machine that may be busy.
test.setTimeout(240_000);

test("a technician enrolls PCs: a code, an approval with zone and name, a rejection, a revocation", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await page.getByRole("link", { name: "Enroll PCs" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Enroll PCs" })).toBeVisible();

  // The two PCs that ran `icafe enroll` wait for approval, with what they told about themselves.
  await expect(page.getByTestId(`pending-${APPROVE}`)).toBeVisible();
  await expect(page.getByTestId(`pending-${REJECT}`)).toBeVisible();
  await expect(page.getByTestId(`pending-${APPROVE}`)).toContainText("From 127.0.0.1");

  // A code is checked before it is asked for, then shown once with the command for the PCs.
  await page.locator('input[name="uses"]').fill("0");
  await page.getByTestId("create-code").click();
  await expect(page.getByText("Out of range")).toBeVisible();
  await page.locator('input[name="uses"]').fill("3");
  await page.getByTestId("create-code").click();
  const code = (await page.getByTestId("enroll-code").textContent()) ?? "";
  expect(code).toMatch(/^[2-9A-Z]{4}(-[2-9A-Z]{4}){3}$/);
  await expect(page.getByTestId("enroll-command")).toHaveText(`icafe enroll --hub ${new URL(page.url()).origin} --code ${code}`);
  writeFileSync(env("ICAFE_E2E_CODE_FILE"), code);
  await expect(page.getByText(`…${code.slice(-4)}`)).toBeVisible();
  await shot(page, "enrollment-code");

  // Approved under another name, in the VIP zone.
  await page.getByTestId(`approve-${APPROVE}`).click();
  const dialog = page.getByRole("dialog");
  await dialog.locator('input[name="approve_pc_id"]').fill("bad name");
  await page.getByTestId("approve-confirm").click();
  await expect(dialog.getByText("Letters, digits, '-' and '_'")).toBeVisible();
  await dialog.locator('input[name="approve_pc_id"]').fill(APPROVE_AS);
  await dialog.getByRole("combobox").click();
  await page.getByRole("option", { name: "VIP" }).click();
  await shot(page, "enrollment-approve");
  await page.getByTestId("approve-confirm").click();
  await expect(page.getByTestId("decided")).toContainText(`${APPROVE_AS} approved: it connects within seconds.`);
  await expect(page.getByTestId(`pending-${APPROVE}`)).toHaveCount(0);

  // Rejected with a reason the PC is told.
  await page.getByTestId(`reject-${REJECT}`).click();
  await page.locator('input[name="reject_reason"]').fill("not one of ours");
  await page.getByTestId("reject-confirm").click();
  await expect(page.getByTestId(`pending-${REJECT}`)).toHaveCount(0);
  await expect(page.getByText("No PC is waiting.")).toBeVisible();

  // Revoked with the owner's password: the broker cuts the PC off at once.
  await page.locator('input[name="revoke_pc_id"]').fill(REVOKE);
  await page.getByTestId("revoke-pc").click();
  await expect(page.getByText("Required").first()).toBeVisible();
  await page.locator('textarea[name="reason"]').fill("the PC was stolen");
  await page.locator('input[name="password"]').fill(OWNER_PASSWORD);
  await page.getByTestId("revoke-pc").click();
  await expect(page.getByTestId("revoked")).toHaveText(`${REVOKE} revoked: disconnected and refused from now on.`);
  await shot(page, "enrollment-en");

  for (const [language, name] of [
    ["ru", "Русский"],
    ["uz", "O'zbekcha"],
  ] as const) {
    await chooseLanguage(page, name);
    await expect(page.getByRole("heading", { level: 1 })).not.toHaveText("Enroll PCs");
    await shot(page, `enrollment-${language}`);
  }
  await chooseLanguage(page, "English");
  await csp.expectNone();
});
