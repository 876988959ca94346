// パスキー (WebAuthn) as the second factor, end to end with Chromium's virtual authenticator (CDP
// `WebAuthn.addVirtualAuthenticator`: CTAP2, internal, resident keys, user verification): the
// registration under a name, the logon's second step by passkey, the passkey on the
// administrator's changes, removal, and the registration a `required` contract forces.
//
// A relying party ID must be a host name (browsers refuse IP addresses), so this spec starts a
// server of its own whose public URL is https://localhost:… on a data folder of its own; the
// corporations are made by the server's CLI.
import { expect, test, type CDPSession, type Page, type TestInfo } from "@playwright/test";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  acquireAdminFile, AdminLogonPage, logoff, certificateBrowser, certificateContext, inspect, jsEnabled, settled, watchErrors,
} from "./support";

const PINS = { admin: "Pass1234", confirm: "Pass5678" };
const port = Number(process.env.E2E_PORT ?? "3143") + 10;
const origin = `https://localhost:${port}`;
const certOrigin = `https://localhost:${port + 1}`;
const serverBin = resolve("..", process.env.SERVER_BIN!);

test.use({ baseURL: origin });
test.describe.configure({ mode: "serial" });

let server: ChildProcess | undefined;
let dataDir = "";

test.beforeAll(async ({ playwright }, testInfo) => {
  testInfo.setTimeout(120_000);
  dataDir = mkdtempSync(join(tmpdir(), "bizdirect-e2e-passkeys-"));
  server = spawn(
    serverBin,
    ["--demo", "--data-dir", dataDir, "--addr", `127.0.0.1:${port}`, "--ops-addr", "127.0.0.1:0",
      "--public-url", origin],
    { cwd: "..", stdio: "ignore" },
  );
  const request = await playwright.request.newContext({ ignoreHTTPSErrors: true });
  for (let i = 0; ; i++) {
    const up = await request.get(`https://127.0.0.1:${port}/`).then((r) => r.ok(), () => false);
    if (up) break;
    if (i > 240) throw new Error("the localhost server did not start");
    await new Promise((done) => setTimeout(done, 250));
  }
  await request.dispose();
});

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((done) => server!.once("exit", done));
    server.kill("SIGTERM");
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

function serverCli(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(serverBin, [...args, "--data-dir", dataDir], {
    cwd: "..",
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
}

/** A new corporation with known PINs and the given second-factor policy; returns its contract ID. */
function newCorporation(policy: "optional" | "required"): string {
  const contractId = `3${String(Date.now() % 10_000_000).padStart(7, "0")}${String(randomInt(1000)).padStart(3, "0")}`;
  const out = serverCli(
    ["corp", "create", "--name", `パスキー検証株式会社${contractId.slice(-4)}`, "--contract-id", contractId,
      "--admin-pin-env", "E2E_PK_ADMIN_PIN", "--confirm-pin-env", "E2E_PK_CONFIRM_PIN"],
    { E2E_PK_ADMIN_PIN: PINS.admin, E2E_PK_CONFIRM_PIN: PINS.confirm },
  );
  expect(out).toContain(contractId);
  serverCli(["corp", "set-second-factor", "--contract-id", contractId, "--policy", policy]);
  return contractId;
}

/** Chromium's virtual authenticator on this page: a platform passkey with user verification. */
async function addAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

async function logonWithPin(page: Page, testInfo: TestInfo, contractId: string) {
  const logon = new AdminLogonPage(page);
  await logon.open(testInfo);
  await logon.logon(contractId, PINS.admin);
}

async function registerPasskey(page: Page, testInfo: TestInfo, name: string) {
  await expect(page.getByRole("heading", { level: 1, name: "パスキー登録" })).toBeVisible();
  await settled(page, testInfo);
  await page.getByLabel("パスキーの名前", { exact: true }).fill(name);
  await page.getByRole("button", { name: "パスキーを登録", exact: true }).click();
}

test("a passkey is registered under a name, answers the ID and certificate logons, confirms a change, and is removed", async ({ page, playwright }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "passkeys need JavaScript (the no-js test below)");
  const errors = watchErrors(page);
  const { cdp, id } = await addAuthenticator(page);
  const contractId = newCorporation("optional");

  // Optional and nothing registered: the PIN alone opens the screens, which offer パスキー登録.
  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/admin\/status$/);
  await expect(page.locator("#second-factor")).toHaveText("未登録");
  await settled(page, testInfo);
  await page.locator("#passkeys-link").click();
  await expect(page).toHaveURL(/\/passkeys$/);
  await expect(page.locator("#passkey-none")).toHaveText("登録されているパスキーはありません。");
  await settled(page, testInfo);
  await inspect(page, testInfo, "80-passkeys-none");

  // A name is required before the browser is asked.
  await page.getByRole("button", { name: "パスキーを登録", exact: true }).click();
  await expect(page.locator("#passkey_name-error")).toHaveText("パスキーの名前を入力してください。");
  await expect(page.getByLabel("パスキーの名前", { exact: true })).toHaveAttribute("aria-invalid", "true");
  expect((await cdp.send("WebAuthn.getCredentials", { authenticatorId: id })).credentials).toHaveLength(0);

  await registerPasskey(page, testInfo, "会社のパソコン");
  await expect(page).toHaveURL(/\/passkeys\?done=registered$/);
  await expect(page.getByRole("status").filter({ hasText: "パスキーを登録しました。" })).toBeVisible();
  const row = page.locator("#passkey-list tbody tr");
  await expect(row).toHaveCount(1);
  await expect(row.locator("td").nth(0)).toHaveText("会社のパソコン");
  await expect(row.locator("td").nth(2)).toHaveText("未使用");
  const stored = (await cdp.send("WebAuthn.getCredentials", { authenticatorId: id })).credentials;
  expect(stored).toHaveLength(1);
  await settled(page, testInfo);
  await inspect(page, testInfo, "81-passkeys-registered");
  // The authenticator's exclusion list keeps the same passkey from being registered twice.
  await registerPasskey(page, testInfo, "もう一度");
  await expect(page.locator("#passkey-cancelled")).toBeVisible();
  await expect(row).toHaveCount(1);

  // The next logon asks for the second factor after the PIN: the passkey (no code registered).
  await page.goto("/admin/status");
  await settled(page, testInfo);
  await expect(page.locator("#second-factor")).toHaveText("登録済み");
  await logoff(page);
  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/logon\/code$/);
  await expect(page.getByLabel("ワンタイムパスワード", { exact: true })).toHaveCount(0);
  await settled(page, testInfo);
  await inspect(page, testInfo, "82-logon-passkey");
  await page.getByRole("button", { name: "パスキーで認証", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/status$/);
  await expect(page.getByRole("heading", { level: 1, name: "契約法人ステータス" })).toBeVisible();
  const used = (await cdp.send("WebAuthn.getCredentials", { authenticatorId: id })).credentials;
  expect(used[0].signCount).toBeGreaterThan(stored[0].signCount);
  await page.goto("/passkeys");
  await expect(row.locator("td").nth(2)).not.toHaveText("未使用");

  // A change: 契約法人確認暗証番号 alone is refused; with [パスキーで確認] it is made.
  const fileSettings = async () => {
    await page.goto("/admin/users/file-settings");
    await expect(page.getByRole("heading", { level: 1, name: "外部ファイル送信権限設定変更" })).toBeVisible();
    await settled(page, testInfo);
    await page.getByLabel("送信を利用する", { exact: true }).uncheck();
    await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill(PINS.confirm);
  };
  await fileSettings();
  await page.getByRole("button", { name: "OK", exact: true }).click();
  await expect(page.locator("#passkey-error")).toHaveText("[パスキーで確認]を押して、パスキーで確認してください。");
  await settled(page, testInfo);
  await inspect(page, testInfo, "83-file-settings-passkey-missing");
  await page.getByRole("button", { name: "パスキーで確認", exact: true }).click();
  await expect(page.locator("#passkey-status")).toHaveText("パスキーで確認しました。[OK]を押してください。");
  await page.getByRole("button", { name: "OK", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/users\?done=file_settings$/);
  await expect(page.locator("#file-settings")).toHaveText("登録 利用する / 承認 利用する / 送信 利用しない");

  // The certificate logon (電子証明書方式) asks for the passkey too, on the certificate listener's
  // origin: the same relying party. The passkey is the one registered above, copied into the
  // certificate context's own virtual authenticator (as a synced passkey would be there).
  expect(serverCli(["cert", "issue-admin", "--contract-id", contractId])).toContain("管理者の電子証明書を発行しました");
  const p12 = await acquireAdminFile(page, testInfo, contractId, PINS);
  const browser = await certificateBrowser(playwright.chromium, testInfo);
  try {
    const holder = await (await certificateContext(browser, p12, certOrigin)).newPage();
    const copy = await addAuthenticator(holder);
    const [credential] = (await cdp.send("WebAuthn.getCredentials", { authenticatorId: id })).credentials;
    await copy.cdp.send("WebAuthn.addCredential", { authenticatorId: copy.id, credential });
    await holder.goto(`${certOrigin}/cert/logon`);
    await settled(holder, testInfo);
    await holder.getByLabel("契約法人暗証番号", { exact: true }).fill(PINS.admin);
    await holder.getByRole("button", { name: "ログオン", exact: true }).click();
    await expect(holder).toHaveURL(new RegExp(`^${certOrigin}/logon/code$`));
    await settled(holder, testInfo);
    await holder.getByRole("button", { name: "パスキーで認証", exact: true }).click();
    await expect(holder).toHaveURL(new RegExp(`^${certOrigin}/admin/status$`));
    await expect(holder.locator("#certificate-state")).toHaveText("利用中");
  } finally {
    await browser.close();
  }

  // A removed passkey answers nothing; with none left under `optional`, the logon has no second step.
  await page.goto("/passkeys");
  await settled(page, testInfo);
  await page.getByRole("button", { name: "削除 会社のパソコン" }).click();
  await expect(page).toHaveURL(/\/passkeys\?done=removed$/);
  await expect(page.locator("#passkey-none")).toBeVisible();
  await page.goto("/admin/status");
  await settled(page, testInfo);
  await logoff(page);
  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/admin\/status$/);
  expect(errors).toEqual([]);
});

test("required: a passkey registered right after the PIN opens the session", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "passkeys need JavaScript (the no-js test below)");
  const errors = watchErrors(page);
  await addAuthenticator(page);
  const contractId = newCorporation("required");

  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/otp\/register$/);
  await settled(page, testInfo);
  await page.locator("#use-passkey-link").click();
  await expect(page).toHaveURL(/\/passkeys$/);
  await expect(page.locator("#passkey-required")).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "84-passkeys-required");
  // Still no session meanwhile.
  await registerPasskey(page, testInfo, "スマートフォン");
  await expect(page).toHaveURL(/\/admin\/status$/);
  await expect(page.locator("#second-factor")).toHaveText("登録済み");

  await logoff(page);
  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/logon\/code$/);
  await settled(page, testInfo);
  await page.getByRole("button", { name: "パスキーで認証", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/status$/);
  expect(errors).toEqual([]);
});

test("without JavaScript the pages say passkeys need it and point to the one-time password", async ({ page }, testInfo) => {
  test.skip(jsEnabled(testInfo), "the no-js project");
  const contractId = newCorporation("required");
  await logonWithPin(page, testInfo, contractId);
  await expect(page).toHaveURL(/\/otp\/register$/);
  await page.locator("#use-passkey-link").click();
  await expect(page).toHaveURL(/\/passkeys$/);
  await expect(page.locator("#passkey-needs-js")).toHaveText(
    "パスキーのご利用にはJavaScriptが必要です。JavaScriptをお使いにならない場合は、ワンタイムパスワードをご利用ください。",
  );
  await expect(page.getByRole("button", { name: "パスキーを登録", exact: true })).toBeDisabled();
  await inspect(page, testInfo, "85-passkeys-no-js");
  await page.locator("#use-otp-link").click();
  await expect(page).toHaveURL(/\/otp\/register$/);
  await expect(page.locator("#otp-secret")).toBeVisible();
});
