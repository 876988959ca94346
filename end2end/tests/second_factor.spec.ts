// ワンタイムパスワード (TOTP, RFC 6238) as the administrator's second factor, end to end: the
// registration a `required` contract forces after the PIN, ワンタイムパスワード入力 at the next logon
// (a code good once), the code on the administrator's changes, and the bank's reset by the CLI.
// Each test sets up a corporation of its own by the server's CLI (never the demo corporation),
// and computes codes as an authenticator app would, from the secret the page shows.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { createHmac, randomInt } from "node:crypto";
import { resolve } from "node:path";
import {
  acquireAdminFile, AdminLogonPage, logoff, certificateBrowser, certificateContext, inspect, jsEnabled, settled, watchErrors,
} from "./support";

const PINS = { admin: "Totp1234", confirm: "Totp5678" };
const WRONG_CODE = "ワンタイムパスワードが正しくありません。認証アプリに表示されている新しい値を入力してください。";

// ---- TOTP as the authenticator apps compute it ----------------------------------------------

const STEP_SECS = 30;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 without padding (spaces, as in the page's groups of four, are ignored). */
function base32Decode(text: string): Buffer {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text.replace(/[\s=]/g, "").toUpperCase()) {
    const value = BASE32.indexOf(ch);
    if (value < 0) throw new Error(`not base32: ${ch}`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** RFC 4226 HOTP with RFC 6238's time step as the counter: HMAC-SHA-1, dynamic truncation, 6 digits. */
function codeAt(secret: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const word = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(word % 1_000_000).padStart(6, "0");
}

function stepOf(unixSeconds: number): number {
  return Math.floor(unixSeconds / STEP_SECS);
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * An authenticator app holding one secret. The server takes the code of the current step or of
 * one step either side, but each step only once and only later than the last one it took: so
 * every code handed out is of the earliest step the server still takes, which lets a test use
 * three codes in a row without waiting for the clock (and waits for it only when it must).
 */
class Authenticator {
  private last = Number.NEGATIVE_INFINITY;
  constructor(private readonly secret: Buffer) {}

  static fromShown(shown: string): Authenticator {
    return new Authenticator(base32Decode(shown));
  }

  /** The next code the server accepts (typed at once after this returns). */
  async next(): Promise<string> {
    for (;;) {
      const now = Date.now() / 1000;
      const current = stepOf(now);
      // Near the step's end, the previous step would drop out of the window on the way.
      const late = now - current * STEP_SECS > STEP_SECS - 8;
      const step = Math.max(this.last + 1, late ? current : current - 1);
      if (step <= current + 1) {
        this.last = step;
        return codeAt(this.secret, step);
      }
      await sleep((current + 1) * STEP_SECS * 1000 - Date.now() + 250);
    }
  }

  /** Six digits that are no step's code anywhere near now. */
  wrong(): string {
    const current = stepOf(Date.now() / 1000);
    const near = new Set([-2, -1, 0, 1, 2].map((d) => codeAt(this.secret, current + d)));
    let n = (Number(codeAt(this.secret, current)) + 500_000) % 1_000_000;
    while (near.has(String(n).padStart(6, "0"))) n = (n + 1) % 1_000_000;
    return String(n).padStart(6, "0");
  }
}

// ---- the bank's CLI, on the running server's data --------------------------------------------

function serverCli(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(resolve("..", process.env.SERVER_BIN!), [...args, "--data-dir", process.env.E2E_DATA_DIR!], {
    cwd: "..",
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
}

/** An 11-digit contract ID no other test (or project) of this run uses. */
function freshContractId(): string {
  return `2${String(Date.now() % 10_000_000).padStart(7, "0")}${String(randomInt(1000)).padStart(3, "0")}`;
}

function setPolicy(contractId: string, policy: "off" | "optional" | "required") {
  expect(serverCli(["corp", "set-second-factor", "--contract-id", contractId, "--policy", policy]))
    .toContain(`ワンタイムパスワードを ${policy} にしました`);
}

/** A new corporation with known PINs and the given second-factor policy; returns its contract ID. */
function newCorporation(policy: "optional" | "required"): string {
  const contractId = freshContractId();
  const out = serverCli(
    ["corp", "create", "--name", `ワンタイム検証株式会社${contractId.slice(-4)}`, "--contract-id", contractId,
      "--admin-pin-env", "E2E_OTP_ADMIN_PIN", "--confirm-pin-env", "E2E_OTP_CONFIRM_PIN"],
    { E2E_OTP_ADMIN_PIN: PINS.admin, E2E_OTP_CONFIRM_PIN: PINS.confirm },
  );
  expect(out).toContain(contractId);
  setPolicy(contractId, policy);
  return contractId;
}

// ---- page objects --------------------------------------------------------------------------

/** The ワンタイムパスワード field's own message (not the form's general one). */
function codeError(page: Page) {
  return page.locator(".field-error#otp-error");
}

function codeField(page: Page) {
  return page.getByLabel("ワンタイムパスワード", { exact: true });
}

/** ワンタイムパスワード利用登録 (`/otp/register`). */
class OtpRegisterPage {
  constructor(private page: Page) {}
  heading() { return this.page.getByRole("heading", { level: 1, name: "ワンタイムパスワード利用登録" }); }
  requiredNote() { return this.page.locator("#otp-required"); }
  /** The secret as shown (base32 in groups of four), checked for its shape. */
  async shownSecret(): Promise<string> {
    const secret = this.page.locator("#otp-secret");
    await expect(secret).toHaveText(/^[A-Z2-7]{4}( [A-Z2-7]{4}){7}$/); // 160 bits
    return (await secret.innerText()).trim();
  }
  async register(code: string) {
    await codeField(this.page).fill(code);
    await this.page.getByRole("button", { name: "登録", exact: true }).click();
  }
}

/** ワンタイムパスワード入力 (`/logon/code`). */
class LogonCodePage {
  constructor(private page: Page) {}
  heading() { return this.page.getByRole("heading", { level: 1, name: "ワンタイムパスワード入力" }); }
  async verify(code: string) {
    await codeField(this.page).fill(code);
    await this.page.getByRole("button", { name: "認証", exact: true }).click();
  }
}

async function logonWithPin(page: Page, testInfo: TestInfo, contractId: string) {
  const logon = new AdminLogonPage(page);
  await logon.open(testInfo);
  await logon.logon(contractId, PINS.admin);
}

/** Logs on under `required` without a factor and registers one; returns the app holding it. */
async function logonAndRegister(page: Page, testInfo: TestInfo, contractId: string): Promise<{ app: Authenticator; secret: string }> {
  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/otp\/register$/);
  const register = new OtpRegisterPage(page);
  await expect(register.heading()).toBeVisible();
  const secret = await register.shownSecret();
  const app = Authenticator.fromShown(secret);
  await settled(page, testInfo);
  await register.register(await app.next());
  await expect(page).toHaveURL(/\/admin\/status$/);
  await expect(page.locator("#second-factor")).toHaveText("登録済み");
  await settled(page, testInfo);
  return { app, secret };
}

// ---- tests ---------------------------------------------------------------------------------

test("the TOTP helper agrees with RFC 6238 and RFC 4648", () => {
  const rfcSecret = Buffer.from("12345678901234567890", "ascii");
  expect(codeAt(rfcSecret, stepOf(59))).toBe("287082");
  expect(codeAt(rfcSecret, stepOf(1_111_111_109))).toBe("081804");
  expect(codeAt(rfcSecret, stepOf(2_000_000_000))).toBe("279037");
  expect(base32Decode("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ").equals(rfcSecret)).toBe(true);
});

test("required: registration before any screen, then the code at each logon, each code once", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const contractId = newCorporation("required");

  // The right PIN leads to the registration, not to the screens.
  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/otp\/register$/);
  const register = new OtpRegisterPage(page);
  await expect(register.heading()).toBeVisible();
  await expect(register.requiredNote()).toBeVisible();
  const qr = page.getByRole("img", { name: "QRコード（認証アプリで読み取ってください）" });
  await expect(qr).toBeVisible();
  await expect(qr.locator("svg")).toHaveCount(1);
  await expect(page.locator("#otp-account")).toHaveText(contractId);
  const shown = await register.shownSecret();
  await settled(page, testInfo);
  await inspect(page, testInfo, "70-otp-register");

  // Meanwhile there is no session: 契約法人ステータス sends the visitor to the logon page.
  await page.goto("/admin/status");
  await expect(page).toHaveURL(/\/admin\/logon$/);
  // The waiting logon goes on, and a reload shows the same secret (the app may have scanned it).
  await page.goto("/otp/register");
  await settled(page, testInfo);
  expect(await register.shownSecret()).toBe(shown);
  const app = Authenticator.fromShown(shown);

  await register.register(app.wrong());
  await expect(codeError(page)).toHaveText(WRONG_CODE);
  await expect(codeField(page)).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#otp-secret")).toHaveText(/\S/);
  await settled(page, testInfo);
  await inspect(page, testInfo, "71-otp-register-wrong");

  await register.register(await app.next());
  await expect(page).toHaveURL(/\/admin\/status$/);
  await expect(page.getByRole("heading", { level: 1, name: "契約法人ステータス" })).toBeVisible();
  await expect(page.locator("#second-factor")).toHaveText("登録済み");
  await expect(page.locator("#otp-register-link")).toHaveCount(0);
  await settled(page, testInfo);
  await inspect(page, testInfo, "72-status-otp-registered");

  // The next logon asks for the code after the PIN.
  await logoff(page);
  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/logon\/code$/);
  const code = new LogonCodePage(page);
  await expect(code.heading()).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "73-logon-code");
  await page.goto("/admin/status");
  await expect(page).toHaveURL(/\/admin\/logon$/);
  await page.goto("/logon/code");
  await settled(page, testInfo);
  await code.verify(app.wrong());
  await expect(codeError(page)).toHaveText(WRONG_CODE);
  await expect(codeField(page)).toHaveAttribute("aria-invalid", "true");
  await settled(page, testInfo);
  await inspect(page, testInfo, "74-logon-code-wrong");
  const used = await app.next();
  await code.verify(used);
  await expect(page).toHaveURL(/\/admin\/status$/);
  await expect(page.locator("#second-factor")).toHaveText("登録済み");

  // The same code again (as if seen over a shoulder) is refused on a new logon.
  await logoff(page);
  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/logon\/code$/);
  await settled(page, testInfo);
  await code.verify(used);
  await expect(codeError(page)).toHaveText(WRONG_CODE);
  await page.goto("/admin/status");
  await expect(page).toHaveURL(/\/admin\/logon$/);
  expect(errors).toEqual([]);
});

test("the administrator's change needs the code beside 契約法人確認暗証番号", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const contractId = newCorporation("required");
  const { app } = await logonAndRegister(page, testInfo, contractId);

  // The code is taken from the app only once the form is filled, as a person would.
  const submit = async (code?: () => string | Promise<string>) => {
    await page.goto("/admin/users/file-settings");
    await expect(page.getByRole("heading", { level: 1, name: "外部ファイル送信権限設定変更" })).toBeVisible();
    await settled(page, testInfo);
    await page.getByLabel("送信を利用する", { exact: true }).uncheck();
    await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill(PINS.confirm);
    await expect(codeField(page)).toBeVisible();
    if (code) await codeField(page).fill(await code());
    await page.getByRole("button", { name: "OK", exact: true }).click();
  };
  const unchanged = async () => {
    await page.goto("/admin/users");
    await expect(page.locator("#file-settings")).toHaveText("登録 利用する / 承認 利用する / 送信 利用する");
  };

  // The right confirmation PIN alone is not enough.
  await submit();
  await expect(codeError(page)).toHaveText("ワンタイムパスワードを入力してください。");
  await expect(codeField(page)).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#admin_confirm_pin-error")).toHaveText("");
  await settled(page, testInfo);
  await inspect(page, testInfo, "75-file-settings-code-missing");
  await unchanged();

  await submit(() => app.wrong());
  await expect(codeError(page)).toHaveText(WRONG_CODE);
  await unchanged();

  await submit(() => app.next());
  await expect(page).toHaveURL(/\/admin\/users\?done=file_settings$/);
  await expect(page.locator("#outcome")).toHaveText("外部ファイル送信権限設定を変更しました。");
  await expect(page.locator("#file-settings")).toHaveText("登録 利用する / 承認 利用する / 送信 利用しない");
  expect(errors).toEqual([]);
});

test("the bank's reset ends the administrator's sessions; the next logon registers again", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const contractId = newCorporation("required");
  const before = await logonAndRegister(page, testInfo, contractId);

  expect(serverCli(["corp", "reset-second-factor", "--contract-id", contractId]))
    .toContain("管理者のワンタイムパスワードの登録を解除しました");
  await page.reload();
  await expect(page).toHaveURL(/\/admin\/logon$/);

  // Under `required` the next logon goes to the registration again, with a new secret.
  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/otp\/register$/);
  const register = new OtpRegisterPage(page);
  await expect(register.requiredNote()).toBeVisible();
  const secret = await register.shownSecret();
  expect(secret).not.toBe(before.secret);
  await settled(page, testInfo);

  // Under `optional` the administrator gets in without one, sees 未登録 and the way to register.
  setPolicy(contractId, "optional");
  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/admin\/status$/);
  await expect(page.locator("#second-factor")).toContainText("未登録");
  const registerLink = page.locator("#otp-register-link");
  await expect(registerLink).toHaveText("ワンタイムパスワード利用登録");
  await settled(page, testInfo);
  await inspect(page, testInfo, "76-status-otp-none");
  // Without a factor, the changes ask for no code.
  await page.goto("/admin/users/file-settings");
  await expect(page.getByLabel("契約法人確認暗証番号", { exact: true })).toBeVisible();
  await settled(page, testInfo);
  await expect(codeField(page)).toHaveCount(0);
  await page.goto("/admin/status");
  await settled(page, testInfo);

  await registerLink.click();
  await expect(page).toHaveURL(/\/otp\/register$/);
  await expect(register.heading()).toBeVisible();
  expect(await register.shownSecret()).toBe(secret);
  await expect(register.requiredNote()).toHaveCount(0);
  await settled(page, testInfo);
  await register.register(await Authenticator.fromShown(secret).next());
  await expect(page).toHaveURL(/\/admin\/status\?done=otp$/);
  await expect(page.getByRole("status").filter({ hasText: "ワンタイムパスワードを登録しました。" })).toBeVisible();
  await expect(page.locator("#second-factor")).toHaveText("登録済み");
  expect(errors).toEqual([]);
});

test("the certificate logon asks for the code after the certificate and the PIN", async ({ page, playwright }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "the certificate's key is made by the page's WASM");
  const errors = watchErrors(page);
  const contractId = newCorporation("required");
  const { app } = await logonAndRegister(page, testInfo, contractId);
  expect(serverCli(["cert", "issue-admin", "--contract-id", contractId])).toContain("管理者の電子証明書を発行しました");
  const p12 = await acquireAdminFile(page, testInfo, contractId, PINS);
  const browser = await certificateBrowser(playwright.chromium, testInfo);
  try {
    const holder = await (await certificateContext(browser, p12)).newPage();
    const certOrigin = process.env.E2E_CERT_ORIGIN!;
    await holder.goto(`${certOrigin}/cert/logon`);
    await settled(holder, testInfo);
    await holder.getByLabel("契約法人暗証番号", { exact: true }).fill(PINS.admin);
    await holder.getByRole("button", { name: "ログオン", exact: true }).click();
    await expect(holder).toHaveURL(new RegExp(`^${certOrigin}/logon/code$`));
    const code = new LogonCodePage(holder);
    await expect(code.heading()).toBeVisible();
    await settled(holder, testInfo);
    await code.verify(app.wrong());
    await expect(codeError(holder)).toHaveText(WRONG_CODE);
    await code.verify(await app.next());
    await expect(holder).toHaveURL(new RegExp(`^${certOrigin}/admin/status$`));
    await expect(holder.locator("#certificate-state")).toHaveText("利用中");
  } finally {
    await browser.close();
  }
  expect(errors).toEqual([]);
});
