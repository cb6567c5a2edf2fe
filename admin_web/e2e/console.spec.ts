/**
 * The console against a real hub with real agents (started by tests/integration/test_console.py).
 * Screenshots of each screen in each language go to ICAFE_E2E_SCREENSHOTS, to be looked at.
 */
import { expect, test } from "@playwright/test";

import { chooseLanguage, env, nextTotp, shot, signIn, watchCsp } from "./helpers";

const OWNER_PASSWORD = env("ICAFE_E2E_OWNER_PASSWORD");
const PCS: string[] = JSON.parse(env("ICAFE_E2E_PCS")) as string[];
const AGENT_PIDS: Record<string, number> = JSON.parse(env("ICAFE_E2E_AGENT_PIDS")) as Record<string, number>;

test.describe.configure({ mode: "serial" });

test("the owner signs in without 2FA; the map shows the PCs online and a killed PC offline with no reload", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/pcs");
  await expect(page).toHaveURL(/\/login\?next=%2Fpcs$/);
  await expect(page.getByRole("heading", { name: "Sign in to icafe" })).toBeVisible();
  await shot(page, "login-en");
  await signIn(page, "admin", "wrong password");
  await expect(page.getByRole("alert")).toContainText("Wrong username or password.");
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page).toHaveURL(/\/pcs$/);
  await expect(page.getByTestId("feed-state")).toHaveAttribute("data-state", "live");
  for (const pc of PCS) await expect(page.getByTestId(`pc-tile-${pc}`)).not.toHaveAttribute("data-status", "offline");
  await expect(page.getByTestId("branch-name")).not.toBeEmpty();
  await expect(page.getByTestId(`pc-tile-${PCS[0]}`)).toHaveAttribute("data-status", "in_session");
  await expect(page.getByTestId(`pc-tile-${PCS[0]}`).getByTestId("time-left")).toContainText("left");
  await shot(page, "map-en");

  // The same page, never reloaded: a marker on window survives only if it is.
  await page.evaluate(() => {
    (window as unknown as { icafeMarker: number }).icafeMarker = 1;
  });
  const victim = PCS[PCS.length - 1] ?? "";
  process.kill(AGENT_PIDS[victim] ?? 0, "SIGKILL");
  // The bar: offline on screen within 3 s of the agent dying.
  await expect(page.getByTestId(`pc-tile-${victim}`)).toHaveAttribute("data-status", "offline", { timeout: 3000 });
  expect(await page.evaluate(() => (window as unknown as { icafeMarker?: number }).icafeMarker)).toBe(1);

  // A count in the legend selects those PCs; the same count again lets them go.
  await page.getByTestId("legend-offline").click();
  await expect(page.getByTestId("selection-count")).toHaveAttribute("data-count", "1");
  await expect(page.getByTestId(`pc-tile-${victim}`)).toHaveAttribute("aria-selected", "true");
  await page.getByTestId("legend-offline").click();
  await expect(page.getByTestId("selection-bar")).toHaveCount(0);

  // Russian, then Uzbek: the whole screen, money included ("сум", "so'm").
  await chooseLanguage(page, "Русский");
  await expect(page.getByRole("heading", { name: "Карта ПК" })).toBeVisible();
  await expect(page.getByTestId("legend-offline")).toContainText("Не в сети");
  await expect(page.getByTestId(`pc-tile-${PCS[0]}`)).toContainText("Осталось");
  await shot(page, "map-ru");
  await chooseLanguage(page, "O'zbekcha");
  await expect(page.getByRole("heading", { name: "Kompyuterlar xaritasi" })).toBeVisible();
  await expect(page.getByTestId(`pc-tile-${PCS[0]}`)).toContainText("qoldi");
  await shot(page, "map-uz");

  // The language is remembered for this user: still Uzbek after a new page load.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Kompyuterlar xaritasi" })).toBeVisible();
  await chooseLanguage(page, "English");

  await page.getByTestId("user-menu").click();
  await page.getByTestId("logout").click();
  await expect(page.getByTestId("signed-out")).toContainText("You logged out.");
  await csp.expectNone();
});

test("a session ended elsewhere shows 'signed out' and leads back to the page the user was on", async ({ page, request }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page.getByTestId("feed-state")).toHaveAttribute("data-state", "live");
  await page.goto("/account");
  // End this browser's session from outside (as a logout in another place would).
  const token = await page.evaluate(() => (JSON.parse(localStorage.getItem("icafe.session") ?? "{}") as { access: string }).access);
  const logout = await request.post("/api/v1/auth/logout", { headers: { Authorization: `Bearer ${token}` } });
  expect(logout.status()).toBe(200);
  // No reload: the hub closes the live feed, the console's refresh is refused, and the page says so.
  await expect(page.getByTestId("signed-out")).toBeVisible({ timeout: 30_000 });
  await expect(page).toHaveURL(/from=%2Faccount/);
  for (const [language, name] of [["en", "English"], ["ru", "Русский"], ["uz", "O'zbekcha"]] as const) {
    await chooseLanguage(page, name);
    await shot(page, `signed-out-${language}`);
  }
  await chooseLanguage(page, "English");
  await page.getByRole("link", { name: "Sign in again" }).click();
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page).toHaveURL(/\/account$/);
  await csp.expectNone();
});

test("a console left without input warns, then logs out on the hub and leads back to the page the user was on", async ({ page, request }) => {
  const csp = await watchCsp(page);
  await page.clock.install(); // the page's clock, moved forward below: the hub's stays real
  await page.goto("/login");
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page.getByTestId("feed-state")).toHaveAttribute("data-state", "live");
  await page.goto("/payments?method=cash");
  await expect(page.getByTestId("feed-state")).toHaveAttribute("data-state", "live");
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("icafe.session") ?? "{}") as { access: string; idleS?: number });
  // The hub's idle limit (ICAFE_STAFF_SESSION_IDLE_S, 30 min by default), from the sign-in's answer.
  expect(stored.idleS).toBe(1800);
  const idleMs = (stored.idleS ?? 0) * 1000;

  await page.clock.fastForward(idleMs - 30_000);
  const warning = page.getByTestId("idle-warning");
  await expect(warning).toBeVisible();
  await expect(warning).toContainText(/0:[0-3]\d/);
  await shot(page, "idle-warning-en");
  await warning.getByTestId("idle-stay").click();
  await expect(warning).toBeHidden();

  // Input started the count again: the same wait is no longer enough to warn.
  await page.clock.fastForward(idleMs - 90_000);
  await expect(page.getByTestId("idle-warning")).toBeHidden();
  await page.clock.fastForward(60_000);
  await expect(page.getByTestId("idle-warning")).toBeVisible();
  await page.clock.fastForward(31_000);
  await expect(page).toHaveURL(/\/signed-out\?reason=idle&from=%2Fpayments%3Fmethod%3Dcash$/);
  await expect(page.getByTestId("signed-out")).toContainText("nobody used the console");
  // Logged out on the hub too, not only forgotten by the browser.
  const me = await request.get("/api/v1/auth/me", { headers: { Authorization: `Bearer ${stored.access}` } });
  expect(me.status()).toBe(401);
  for (const [language, name] of [["ru", "Русский"], ["uz", "O'zbekcha"], ["en", "English"]] as const) {
    await chooseLanguage(page, name);
    await shot(page, `signed-out-idle-${language}`);
  }
  await page.getByRole("link", { name: "Sign in again" }).click();
  await signIn(page, "admin", OWNER_PASSWORD);
  await expect(page).toHaveURL(/\/payments\?method=cash$/);
  // And it stays signed in: the idle sign-out before does not end the new session (on the hub either).
  await expect(page.getByTestId("feed-state")).toHaveAttribute("data-state", "live");
  const renewed = await page.evaluate(() => (JSON.parse(localStorage.getItem("icafe.session") ?? "{}") as { access: string }).access);
  const again = await request.get("/api/v1/auth/me", { headers: { Authorization: `Bearer ${renewed}` } });
  expect(again.status()).toBe(200);
  await expect(page).toHaveURL(/\/payments\?method=cash$/);
  await expect(page.getByTestId("idle-warning")).toBeHidden();
  await csp.expectNone();
});

test("a manager signs in with the TOTP step", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  for (const [language, name] of [["ru", "Русский"], ["uz", "O'zbekcha"]] as const) {
    await chooseLanguage(page, name);
    await shot(page, `login-${language}`);
  }
  await chooseLanguage(page, "English");
  await signIn(page, env("ICAFE_E2E_MANAGER"), env("ICAFE_E2E_MANAGER_PASSWORD"));
  await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
  await shot(page, "2fa-en");
  await page.locator('input[name="code"]').fill("000000");
  await page.locator('button[type="submit"]').click();
  await expect(page.getByRole("alert")).toContainText("The code is wrong or was already used.");
  for (const [language, name] of [["ru", "Русский"], ["uz", "O'zbekcha"]] as const) {
    await chooseLanguage(page, name);
    await shot(page, `2fa-${language}`);
  }
  await chooseLanguage(page, "English");
  await page.locator('input[name="code"]').fill(nextTotp(env("ICAFE_E2E_MANAGER_TOTP_SECRET")));
  await page.locator('button[type="submit"]').click();
  await expect(page).toHaveURL(/\/pcs$/);
  await expect(page.getByTestId("feed-state")).toHaveAttribute("data-state", "live");
  await csp.expectNone();
});

test("a manager without 2FA enrols with the QR code and sees the recovery codes once", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  await signIn(page, env("ICAFE_E2E_ENROL"), env("ICAFE_E2E_ENROL_PASSWORD"));
  await expect(page).toHaveURL(/\/welcome/);
  await expect(page.getByRole("img", { name: "QR code for the authenticator app" })).toBeVisible();
  await shot(page, "enrol-en");
  const secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
  await page.locator('input[name="code"]').fill(nextTotp(secret));
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
  await shot(page, "recovery-codes-en");
  await page.getByRole("button", { name: "I have saved them" }).click();
  await expect(page).toHaveURL(/\/pcs$/);
  await csp.expectNone();
});

test("a cashier with a one-time password must change it first", async ({ page }) => {
  const csp = await watchCsp(page);
  await page.goto("/login");
  const temporary = env("ICAFE_E2E_CASHIER_PASSWORD");
  await signIn(page, env("ICAFE_E2E_CASHIER"), temporary);
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await page.locator('input[name="current_password"]').fill(temporary);
  await page.locator('input[name="new_password"]').fill("a new cashier passphrase 42");
  await page.locator('input[name="repeat_password"]').fill("a new cashier passphrase 41");
  await expect(page.getByText("The two new passwords differ.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Save password" })).toBeDisabled();
  await page.locator('input[name="repeat_password"]').fill("a new cashier passphrase 42");
  await shot(page, "change-password-en");
  await page.getByRole("button", { name: "Save password" }).click();
  await expect(page).toHaveURL(/\/pcs$/);
  await expect(page.getByTestId(`pc-tile-${PCS[0]}`)).toBeVisible();
  await csp.expectNone();
});
