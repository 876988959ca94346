// The user side end to end: the administrator reissues → the user acquires in the page (key made
// in the browser, only a CSR sent) → the .p12 opens with openssl and imports into NSS → a new
// browser context logs on with that certificate → the administrator reissues again → the old
// certificate's next request is refused → the new acquisition works. Then the administrator's
// own certificate (issued by the bank's CLI) and its PIN-only logon. And ID logon for users.
import { expect, test, type APIRequestContext, type Browser, type Page, type TestInfo } from "@playwright/test";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  certificateBrowser, certificateContext, DEMO, FILE_PASSWORD, inspect, jsEnabled, logonAsDemoAdmin, settled, watchErrors,
} from "./support";

const CERT_ORIGIN = process.env.E2E_CERT_ORIGIN!;
const USER = { pin: "Pass1234", confirmPin: "Conf5678" };
/** Server functions called directly (as the page would): same-origin, JSON answers. */
const API_HEADERS = { accept: "application/json", origin: new URL(process.env.E2E_BASE_URL!).origin };

/** Registers a user through the administrator's session (provisional PINs, certificate issued). */
async function registerUser(request: APIRequestContext, userId: string, method: "certificate" | "id_pin") {
  const reply = await request.post("/api/save_user", {
    form: {
      user_id: userId, name: `利用者 ${userId}`, email: "", logon_method: method,
      user_pin: USER.pin, user_pin_again: USER.pin, user_confirm_pin: USER.confirmPin, user_confirm_pin_again: USER.confirmPin,
      ...(method === "certificate" ? { issue_certificate: "on" } : {}),
      admin_confirm_pin: DEMO.confirmPin,
    },
    headers: API_HEADERS,
  });
  expect(reply.status(), await reply.text()).toBe(200);
}

/** 変更 with 「現在の電子証明書を失効し、再発行する。」 ticked, through the administrator's session. */
async function reissue(request: APIRequestContext, userId: string) {
  const detail = await (await request.post("/api/get_user", { form: { user: userId }, headers: API_HEADERS })).json();
  const reply = await request.post("/api/save_user", {
    form: {
      user: userId, name: detail.name, email: "", logon_method: "certificate",
      user_pin: "", user_pin_again: "", user_confirm_pin: "", user_confirm_pin_again: "",
      issue_certificate: "on", cert_version: String(detail.cert_version), admin_confirm_pin: DEMO.confirmPin,
    },
    headers: API_HEADERS,
  });
  expect(reply.status(), await reply.text()).toBe(200);
}

type Holder = { path: string; fields: [string, string][]; fileName: RegExp };

/** Goes through 電子証明書取得 in the page and saves the file; returns its path. */
async function acquireInPage(page: Page, testInfo: TestInfo, holder: Holder, profile: "標準" | "互換", shot: string) {
  await page.goto(holder.path);
  await settled(page, testInfo);
  await expect(page.locator("#needs-js")).toHaveCount(0);
  for (const [label, value] of holder.fields) await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByRole("button", { name: "次へ" }).click();
  await expect(page.locator("#acquisition-target")).toBeVisible();
  await page.getByLabel("証明書ファイルのパスワード", { exact: true }).fill("short");
  await page.getByRole("button", { name: "取得", exact: true }).click();
  await expect(page.locator("#file_password-error")).toContainText("8文字以上");
  await page.getByLabel("証明書ファイルのパスワード", { exact: true }).fill(FILE_PASSWORD);
  await expect(page.locator("#file-password-strength")).toContainText(/普通|強い/);
  await page.getByLabel("証明書ファイルのパスワード（再入力）", { exact: true }).fill(FILE_PASSWORD);
  await page.getByLabel(new RegExp(`^${profile}`)).check();
  await inspect(page, testInfo, `${shot}-1-ready`);
  await page.getByRole("button", { name: "取得", exact: true }).click();
  await expect(page.locator("#acquired")).toBeVisible();
  await expect(page.locator("#certificate-details")).toContainText("bizdirect Issuing CA");
  await inspect(page, testInfo, `${shot}-2-acquired`);
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "証明書ファイルを保存" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(holder.fileName);
  const path = join(mkdtempSync(join(tmpdir(), "bizdirect-p12-")), file.suggestedFilename());
  await file.saveAs(path);
  return path;
}

/**
 * openssl (3, no legacy provider) opens the file, and pkilint finds nothing wrong with the
 * certificate in it; returns the private key (PEM).
 */
function opensslOpens(p12: string): string {
  execFileSync("openssl", ["pkcs12", "-in", p12, "-info", "-noout", "-passin", `pass:${FILE_PASSWORD}`], { stdio: "pipe" });
  expect(() => execFileSync("openssl", ["pkcs12", "-in", p12, "-noout", "-passin", "pass:wrong-password"], { stdio: "pipe" }))
    .toThrow();
  const leaf = join(mkdtempSync(join(tmpdir(), "bizdirect-leaf-")), "leaf.pem");
  const bag = execFileSync("openssl", ["pkcs12", "-in", p12, "-clcerts", "-nokeys", "-passin", `pass:${FILE_PASSWORD}`]);
  execFileSync("openssl", ["x509", "-out", leaf], { input: bag }); // without the bag attributes' text
  const pkilint = join(process.env.HOME ?? "", ".cache/bizdirect/venv/bin/lint_pkix_cert");
  expect(execFileSync(pkilint, ["lint", "-s", "WARNING", leaf], { encoding: "utf8" }).trim()).toBe("");
  return execFileSync("openssl", ["pkcs12", "-in", p12, "-nocerts", "-nodes", "-passin", `pass:${FILE_PASSWORD}`]).toString();
}

/** NSS (the store of Chromium and Firefox on Linux) imports the file into a fresh database. */
function nssImports(p12: string) {
  const db = mkdtempSync(join(tmpdir(), "bizdirect-nss-"));
  execFileSync("certutil", ["-N", "-d", `sql:${db}`, "--empty-password"]);
  execFileSync("pk12util", ["-i", p12, "-d", `sql:${db}`, "-W", FILE_PASSWORD], { stdio: "pipe" });
  expect(execFileSync("certutil", ["-L", "-d", `sql:${db}`]).toString()).toContain("bizdirect");
}

/** Every form of the private key that could travel: raw scalar, PKCS#8 / SEC1 DER, as bytes, hex, base64. */
function keyForms(keyPem: string): Buffer[] {
  const pkcs8 = Buffer.from(keyPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const dir = mkdtempSync(join(tmpdir(), "bizdirect-key-"));
  execFileSync("sh", ["-c", `cat > ${dir}/k.pem`], { input: keyPem });
  const sec1 = execFileSync("openssl", ["ec", "-in", join(dir, "k.pem"), "-outform", "DER"], { stdio: ["pipe", "pipe", "pipe"] });
  const scalar = sec1.subarray(7, 39); // SEQUENCE { INTEGER 1, OCTET STRING (32) … }
  const forms = [scalar, pkcs8, sec1].flatMap((b) => [b, Buffer.from(b.toString("hex")), Buffer.from(b.toString("base64"))]);
  return [...forms, Buffer.from("PRIVATE KEY")];
}

function recordBodies(page: Page): Buffer[] {
  const bodies: Buffer[] = [];
  page.on("request", (r) => {
    const body = r.postDataBuffer();
    if (body) {
      bodies.push(body);
      bodies.push(Buffer.from(decodeURIComponent(body.toString("latin1").replace(/\+/g, " "))));
    }
  });
  return bodies;
}

test.describe("certificates made in the page", () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, "the key is made by the page's WASM");
  let holders: Browser;
  test.beforeAll(async ({ playwright }, testInfo) => { holders = await certificateBrowser(playwright.chromium, testInfo); });
  test.afterAll(async () => { await holders?.close(); });

  test("reissue → acquire in the page → certificate logon → reissue → old refused, new works", async ({ page }, testInfo) => {
    const errors = watchErrors(page);
    await logonAsDemoAdmin(page, testInfo);
    const userId = "certj";
    await registerUser(page.request, userId, "certificate");

    const bodies = recordBodies(page);
    const holder: Holder = {
      path: "/user/acquire",
      fields: [["契約法人ID", DEMO.contractId], ["利用者ID", userId], ["利用者暗証番号", USER.pin], ["利用者確認暗証番号", USER.confirmPin]],
      fileName: new RegExp(`^bizdirect-${DEMO.contractId}-${userId}\\.p12$`),
    };
    const first = await acquireInPage(page, testInfo, holder, "標準", "40-acquire");
    const key = opensslOpens(first);
    nssImports(first);
    // No private key material left the browser: not in any request body, in any encoding.
    const csrSent = bodies.some((b) => b.includes("BEGIN CERTIFICATE REQUEST"));
    expect(csrSent).toBe(true);
    for (const form of keyForms(key)) {
      expect(bodies.filter((b) => b.includes(form)).length, `key material ${form.subarray(0, 12).toString("hex")}`).toBe(0);
    }
    const p12Bytes = readFileSync(first);
    expect(bodies.filter((b) => b.includes(p12Bytes.subarray(0, 64))).length).toBe(0);

    // A new browser holding that certificate logs on with the PIN only (provisional PINs → change).
    const holderContext = await certificateContext(holders, first);
    const user = await holderContext.newPage();
    const userErrors = watchErrors(user);
    await user.goto(`${CERT_ORIGIN}/cert/logon`);
    await settled(user, testInfo);
    await expect(user.getByRole("heading", { level: 1, name: "利用者ログオン" })).toBeVisible();
    await expect(user.locator("#certificate-holder")).toContainText(userId);
    await expect(user.getByText("※電子証明書方式でログオンする場合は、IDの入力は不要です。")).toBeVisible();
    await inspect(user, testInfo, "41-cert-logon");
    await user.getByLabel("利用者暗証番号", { exact: true }).fill("Wrong1234");
    await user.getByRole("button", { name: "ログオン", exact: true }).click();
    await expect(user.locator("#logon-error")).toBeVisible();
    await user.getByLabel("利用者暗証番号", { exact: true }).fill(USER.pin);
    await user.getByRole("button", { name: "ログオン", exact: true }).click();
    await expect(user).toHaveURL(/\/user\/pins$/);
    await settled(user, testInfo);
    await inspect(user, testInfo, "42-pin-change");
    await user.getByLabel("利用者暗証番号", { exact: true }).fill("Mine1234");
    await user.getByLabel("利用者暗証番号（再入力）", { exact: true }).fill("Mine1234");
    await user.getByLabel("利用者確認暗証番号", { exact: true }).fill("Mine5678");
    await user.getByLabel("利用者確認暗証番号（再入力）", { exact: true }).fill("Mine5678");
    await user.getByRole("button", { name: "変更", exact: true }).click();
    await expect(user).toHaveURL(/\/user\/status/);
    await expect(user.getByRole("heading", { level: 1, name: "利用者ステータス" })).toBeVisible();
    await expect(user.locator("#certificate-state")).toHaveText("利用中");
    await settled(user, testInfo);
    await inspect(user, testInfo, "43-user-status");

    // The administrator reissues: the old certificate's next request is refused, clearly.
    await reissue(page.request, userId);
    await user.reload();
    await expect(user.locator("#certificate-refused")).toContainText("再発行により失効");
    await inspect(user, testInfo, "44-old-refused");
    await holderContext.close();

    // The new acquisition (compatibility profile this time) works and logs on.
    const second = await acquireInPage(page, testInfo, { ...holder, fields: [
      ["契約法人ID", DEMO.contractId], ["利用者ID", userId], ["利用者暗証番号", "Mine1234"], ["利用者確認暗証番号", "Mine5678"],
    ] }, "互換", "45-reacquire");
    opensslOpens(second);
    nssImports(second);
    // openssl prints the PKCS#12 algorithms on stderr.
    const info = spawnSync("openssl", ["pkcs12", "-in", second, "-info", "-noout", "-passin", `pass:${FILE_PASSWORD}`],
      { encoding: "utf8" });
    expect(info.stderr).toContain("pbeWithSHA1And3-KeyTripleDES-CBC");
    expect(info.stderr).not.toMatch(/rc2/i);
    const again = await certificateContext(holders, second);
    const user2 = await again.newPage();
    await user2.goto(`${CERT_ORIGIN}/cert/logon`);
    await settled(user2, testInfo);
    await user2.getByLabel("利用者暗証番号", { exact: true }).fill("Mine1234");
    await user2.getByRole("button", { name: "ログオン", exact: true }).click();
    await expect(user2.locator("#certificate-state")).toHaveText("利用中");
    await again.close();
    expect(errors).toEqual([]);
    expect(userErrors).toEqual([]);
  });

  test("the administrator's certificate from the bank's CLI, and PIN-only logon", async ({ page }, testInfo) => {
    const cli = resolve("..", process.env.SERVER_BIN!);
    const out = execFileSync(cli, ["cert", "issue-admin", "--contract-id", DEMO.contractId, "--data-dir", process.env.E2E_DATA_DIR!],
      { cwd: "..", encoding: "utf8" });
    expect(out).toContain("管理者の電子証明書を発行しました");
    const p12 = await acquireInPage(page, testInfo, {
      path: "/admin/acquire",
      fields: [["契約法人ID", DEMO.contractId], ["契約法人暗証番号", DEMO.adminPin], ["契約法人確認暗証番号", DEMO.confirmPin]],
      fileName: new RegExp(`^bizdirect-${DEMO.contractId}-admin\\.p12$`),
    }, "標準", "46-admin-acquire");
    opensslOpens(p12);
    const context = await certificateContext(holders, p12);
    const admin = await context.newPage();
    await admin.goto(`${CERT_ORIGIN}/cert/logon`);
    await settled(admin, testInfo);
    await expect(admin.getByRole("heading", { level: 1, name: "管理者ログオン" })).toBeVisible();
    await expect(admin.locator("#certificate-holder")).toContainText("管理者");
    await expect(admin.getByLabel("契約法人ID", { exact: true })).toHaveCount(0);
    await inspect(admin, testInfo, "47-admin-cert-logon");
    await admin.getByLabel("契約法人暗証番号", { exact: true }).fill(DEMO.adminPin);
    await admin.getByRole("button", { name: "ログオン", exact: true }).click();
    await expect(admin).toHaveURL(/\/admin\/status$/);
    await expect(admin.locator("#certificate-state")).toHaveText("利用中");
    await settled(admin, testInfo);
    await inspect(admin, testInfo, "48-admin-status-by-certificate");
    // The rest of the console works on this session.
    await admin.goto(`${CERT_ORIGIN}/admin/users`);
    await expect(admin.getByRole("heading", { level: 2, name: "利用者情報選択" })).toBeVisible();
    await context.close();
  });
});

test("user logon by ID and PIN, first-logon PIN change, and the links to the certificate side", async ({ page }, testInfo) => {
  await logonAsDemoAdmin(page, testInfo);
  const userId = jsEnabled(testInfo) ? "idpinj" : "idpinn";
  await registerUser(page.request, userId, "id_pin");
  await page.context().clearCookies();
  await page.goto("/user/logon");
  await settled(page, testInfo);
  await expect(page.getByRole("link", { name: "電子証明書取得はこちら" })).toHaveAttribute("href", "/user/acquire");
  await expect(page.getByRole("link", { name: "電子証明書を使用したログオンはこちら" }))
    .toHaveAttribute("href", `${CERT_ORIGIN}/cert/logon`);
  await inspect(page, testInfo, "49-user-logon");
  const logon = async (pin: string) => {
    await page.getByLabel("契約法人ID", { exact: true }).fill(DEMO.contractId);
    await page.getByLabel("利用者ID", { exact: true }).fill(userId);
    await page.getByLabel("利用者暗証番号", { exact: true }).fill(pin);
    await page.getByRole("button", { name: "ログオン", exact: true }).click();
  };
  await logon("Wrong1234");
  await expect(page.locator("#logon-error")).toContainText("正しくありません");
  await logon(USER.pin);
  await expect(page).toHaveURL(/\/user\/pins$/);
  // The URL changes first; the screen follows once its module is there (split builds).
  await expect(page.getByRole("heading", { level: 1, name: "暗証番号変更" })).toBeVisible();
  await page.getByLabel("利用者暗証番号", { exact: true }).fill(USER.pin);
  await page.getByLabel("利用者暗証番号（再入力）", { exact: true }).fill(USER.pin);
  await page.getByLabel("利用者確認暗証番号", { exact: true }).fill("Other5678");
  await page.getByLabel("利用者確認暗証番号（再入力）", { exact: true }).fill("Other5678");
  await page.getByRole("button", { name: "変更", exact: true }).click();
  await expect(page.locator("#pins-error, .field-error").filter({ hasText: "現在の暗証番号と異なる" }).first()).toBeVisible();
  // Provisional PINs are replaced without the current ones: the page does not ask for them.
  await expect(page.getByLabel("現在の利用者暗証番号", { exact: true })).toHaveCount(0);
  await page.getByLabel("利用者暗証番号", { exact: true }).fill("Fresh1234");
  await page.getByLabel("利用者暗証番号（再入力）", { exact: true }).fill("Fresh1234");
  await page.getByLabel("利用者確認暗証番号", { exact: true }).fill("Other5678");
  await page.getByLabel("利用者確認暗証番号（再入力）", { exact: true }).fill("Other5678");
  await page.getByRole("button", { name: "変更", exact: true }).click();
  await expect(page).toHaveURL(/\/user\/status/);
  await expect(page.locator("#user-name")).toHaveText(`利用者 ${userId}`);
  await expect(page.getByText("暗証番号を変更しました。")).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "50-user-status-id");
  // Final PINs change only with the current ones; a wrong one is told at its field and changes nothing.
  await page.getByRole("link", { name: "暗証番号変更", exact: true }).click();
  await expect(page.getByLabel("現在の利用者暗証番号", { exact: true })).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "51-user-pin-change-final");
  const changeFinal = async (currentPin: string) => {
    await page.getByLabel("現在の利用者暗証番号", { exact: true }).fill(currentPin);
    await page.getByLabel("現在の利用者確認暗証番号", { exact: true }).fill("Other5678");
    await page.getByLabel("利用者暗証番号", { exact: true }).fill("Later1234");
    await page.getByLabel("利用者暗証番号（再入力）", { exact: true }).fill("Later1234");
    await page.getByLabel("利用者確認暗証番号", { exact: true }).fill("Later5678");
    await page.getByLabel("利用者確認暗証番号（再入力）", { exact: true }).fill("Later5678");
    await page.getByRole("button", { name: "変更", exact: true }).click();
  };
  await changeFinal("Wrong1234");
  await expect(page.locator("#current_user_pin-error")).toHaveText("現在の利用者暗証番号が正しくありません。");
  await expect(page.locator("#current_user_confirm_pin-error")).toHaveText("");
  await changeFinal("Fresh1234");
  await expect(page).toHaveURL(/\/user\/status/);
  await expect(page.getByText("暗証番号を変更しました。")).toBeVisible();
  if (!jsEnabled(testInfo)) {
    await page.goto("/user/acquire");
    await expect(page.locator("#needs-js")).toContainText("JavaScriptを有効にしたブラウザーが必要です");
  }
});
