import { expect, type Page } from "@playwright/test";
import * as OTPAuth from "otpauth";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through tests/integration/test_console.py`);
  return value;
}

export const SHOTS = process.env.ICAFE_E2E_SCREENSHOTS ?? join(tmpdir(), "icafe-console-screenshots");
mkdirSync(SHOTS, { recursive: true });

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * A TOTP code for the next 30 s step: the test set-up may have used the current one (the hub refuses a
 * code twice), and the hub accepts one step either side.
 */
export function nextTotp(secret: string): string {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" });
  return totp.generate({ timestamp: Date.now() + 30_000 });
}

/** Collects CSP violations the page reports; `expectNone` fails the test if there were any. */
export async function watchCsp(page: Page): Promise<{ expectNone: () => Promise<void> }> {
  const messages: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) messages.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`Refused to apply: CSP ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return {
    expectNone: () => {
      expect(messages).toEqual([]);
      return Promise.resolve();
    },
  };
}

export async function chooseLanguage(page: Page, name: "English" | "Русский" | "O'zbekcha"): Promise<void> {
  await page.locator("#language-switch").click();
  await page.getByRole("option", { name }).click();
  // Wait until the menu has faded out, so screenshots show the page, not the closing menu.
  await expect(page.locator(".MuiMenu-root")).toHaveCount(0);
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
}
