// Shared helpers and page objects for the specs.
import { expect, type Browser, type BrowserType, type Page, type TestInfo } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/** ログオフ, back on the top page. */
export async function logoff(page: Page) {
  await page.getByRole("button", { name: "ログオフ" }).click();
  await expect(page).toHaveURL(/\/$/);
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

/** The password the specs protect certificate files with. */
export const FILE_PASSWORD = "correct-horse-9";

/**
 * The browser for contexts that hold a client certificate: the project's Chromium, speaking
 * HTTP/1.1 only. Playwright 1.65 presents client certificates through a proxy of its own, and
 * when one of its HTTP/2 connections to the server fails (one still opening while a context
 * closes), it can abort the whole test worker (SIGABRT, Node's "Assertion failed:
 * is_write_in_progress()"): microsoft/playwright#41105. Its HTTP/1.1 error path has no such race.
 * The server's HTTP/2 is exercised by every other spec.
 */
export async function certificateBrowser(browserType: BrowserType, testInfo: TestInfo) {
  const base = testInfo.project.use.launchOptions ?? {};
  return browserType.launch({ ...base, args: [...(base.args ?? []), "--disable-http2"] });
}

/** A context presenting the certificate of `p12` (protected by FILE_PASSWORD) to `certOrigin`. */
export async function certificateContext(browser: Browser, p12: string, certOrigin = process.env.E2E_CERT_ORIGIN!) {
  return browser.newContext({
    ignoreHTTPSErrors: true,
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
    clientCertificates: [{ origin: certOrigin, pfxPath: p12, passphrase: FILE_PASSWORD }],
  });
}

/**
 * 電子証明書取得 of an administrator whose certificate the bank issued (`server cert issue-admin`),
 * in the page (the key made by its WASM), the file saved; returns its path.
 */
export async function acquireAdminFile(page: Page, testInfo: TestInfo, contractId: string, pins: { admin: string; confirm: string }) {
  await page.goto("/admin/acquire");
  await settled(page, testInfo);
  await page.getByLabel("契約法人ID", { exact: true }).fill(contractId);
  await page.getByLabel("契約法人暗証番号", { exact: true }).fill(pins.admin);
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill(pins.confirm);
  await page.getByRole("button", { name: "次へ" }).click();
  await page.getByLabel("証明書ファイルのパスワード", { exact: true }).fill(FILE_PASSWORD);
  await page.getByLabel("証明書ファイルのパスワード（再入力）", { exact: true }).fill(FILE_PASSWORD);
  await page.getByLabel(/^標準/).check();
  await page.getByRole("button", { name: "取得", exact: true }).click();
  await expect(page.locator("#acquired")).toBeVisible();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "証明書ファイルを保存" }).click();
  const file = await download;
  const path = join(mkdtempSync(join(tmpdir(), "bizdirect-p12-")), file.suggestedFilename());
  await file.saveAs(path);
  return path;
}
