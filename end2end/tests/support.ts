// Shared helpers and page objects for the specs.
import { expect, type Page, type TestInfo } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

export const DEMO = {
  contractId: "10000000001",
  corporation: "デモ株式会社",
  adminPin: "Admin1234",
  confirmPin: "Confirm1234",
};

/** True in the project that runs with JavaScript (and so with the WASM). */
export function jsEnabled(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** Collects page errors; a broken WASM shows up only here. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  return errors;
}

/** After a full page load: with JavaScript, wait until the WASM has hydrated the page. */
export async function settled(page: Page, testInfo: TestInfo) {
  if (jsEnabled(testInfo)) {
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  }
}

/**
 * Takes a screenshot and runs axe-core, failing on any serious or critical violation. axe needs
 * JavaScript in the page, so it runs in the js project (same server-rendered markup, hydrated).
 */
export async function inspect(page: Page, testInfo: TestInfo, name: string) {
  if (jsEnabled(testInfo)) {
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
  }
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

export class AdminLogonPage {
  constructor(private page: Page) {}
  async open(testInfo: TestInfo, query = "") {
    await this.page.goto(`/admin/logon${query}`);
    await settled(this.page, testInfo);
  }
  contractId() { return this.page.getByLabel("契約法人ID", { exact: true }); }
  pin() { return this.page.getByLabel("契約法人暗証番号", { exact: true }); }
  async logon(contractId: string, pin: string) {
    await this.contractId().fill(contractId);
    await this.pin().fill(pin);
    await this.page.getByRole("button", { name: "ログオン", exact: true }).click();
  }
  error() { return this.page.locator("#logon-error"); }
}

/** Logs the demo administrator on and lands on 契約法人ステータス. */
export async function logonAsDemoAdmin(page: Page, testInfo: TestInfo) {
  const logon = new AdminLogonPage(page);
  await logon.open(testInfo);
  await logon.logon(DEMO.contractId, DEMO.adminPin);
  await expect(page).toHaveURL(/\/admin\/status$/);
  await settled(page, testInfo);
}

/** Types `text` into the PIN field labelled `label` with its software keyboard. */
export async function typeWithSoftKeyboard(page: Page, label: string, text: string) {
  const field = page.locator(".field").filter({ has: page.getByLabel(label, { exact: true }) });
  await field.getByRole("button", { name: "ソフトウェアキーボードを開く" }).click();
  const keyboard = field.getByRole("group", { name: `ソフトウェアキーボード (${label})` });
  await expect(keyboard).toBeVisible();
  for (const ch of text) {
    const upper = ch >= "A" && ch <= "Z";
    const lower = ch >= "a" && ch <= "z";
    const shift = keyboard.getByRole("button", { name: "大文字/小文字" });
    const pressed = (await shift.getAttribute("aria-pressed")) === "true";
    if ((upper && !pressed) || (lower && pressed)) await shift.click();
    const name = upper ? `${ch} 大文字` : lower ? `${ch} 小文字` : ch;
    await keyboard.getByRole("button", { name, exact: true }).click();
  }
  await keyboard.getByRole("button", { name: "閉じる" }).click();
  await expect(keyboard).toBeHidden();
}
