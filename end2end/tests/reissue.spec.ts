// The seed manual's procedure end to end: 管理者ログオン → 契約法人管理情報変更 ▼ 利用者情報登録/変更 →
// select test01 → [変更] → tick 「現在の電子証明書を失効し、再発行する。」 → 契約法人確認暗証番号 → [OK] →
// ○ in the 電子証明書 column; the revoked certificate's serial is then in the CRL at its URL.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO, inspect, logonAsDemoAdmin, settled } from "./support";

function row(page: Page, userId: string) {
  return page.getByRole("row").filter({ has: page.getByRole("cell", { name: userId, exact: true }) });
}

/** The 電子証明書 cell of test01: ○ on screen (hidden from screen readers), the state in words. */
async function expectCertCell(page: Page, words: string) {
  const cell = row(page, "test01").getByRole("cell", { name: words, exact: true });
  await expect(cell).toBeVisible();
  await expect(cell).toContainText("○");
  await expect(cell).toHaveAttribute("title", words);
}

/** The .eml files the server wrote (no --smtp-url: <data-dir>/mail/), oldest first. */
function mails(): string[] {
  const dir = join(process.env.E2E_DATA_DIR!, "mail");
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".eml")).sort().map((f) => join(dir, f)) : [];
}

/** A message's headers and its body, a base64 body decoded. */
function readMail(path: string): string {
  const raw = readFileSync(path, "utf8");
  const at = raw.search(/\r?\n\r?\n/);
  const [head, body] = [raw.slice(0, at), raw.slice(at).trim()];
  const text = /content-transfer-encoding: base64/i.test(head) ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8") : body;
  return `${head}\n\n${text}`;
}

async function seedProcedure(page: Page, testInfo: TestInfo, shot: string) {
  await page.getByText("契約法人管理情報変更").click();                            // ③
  await page.getByRole("link", { name: "利用者情報登録/変更" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "利用者情報選択" })).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, `${shot}-1-list`);
  await page.getByRole("radio", { name: "選択 test01 テスト01" }).check();          // ④
  await page.getByRole("button", { name: "変更", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "利用者情報変更" })).toBeVisible();
  await settled(page, testInfo);
  await page.getByLabel("現在の電子証明書を失効し、再発行する。").check();           // ⑤
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill(DEMO.confirmPin);
  await inspect(page, testInfo, `${shot}-2-reissue-ticked`);
  await page.getByRole("button", { name: "OK" }).click();
  await expect(page.locator("#outcome")).toContainText("電子証明書の再発行");         // ⑥
  await expectCertCell(page, "発行済み（取得待ち）");
  await settled(page, testInfo);
  await inspect(page, testInfo, `${shot}-3-issued`);
}

test("the seed's reissue procedure, and the old serial in the CRL", async ({ page }, testInfo) => {
  await logonAsDemoAdmin(page, testInfo);
  const before = mails().length;
  await seedProcedure(page, testInfo, "30-first");

  // 電子証明書発行のお知らせ reaches test01's address (here the server's .eml files): the page to
  // go to and the last day, no PIN.
  await expect.poll(() => mails().length).toBe(before + 1);
  const notice = readMail(mails()[before]);
  expect(notice).toContain("To: test01@example.jp");
  expect(notice).toContain(`電子証明書取得: ${new URL(process.env.E2E_BASE_URL!).origin}/user/acquire`);
  expect(notice).toMatch(/取得期限: \d{4}年\d{1,2}月\d{1,2}日/);
  for (const secret of ["User1234", "UserConf1234", DEMO.confirmPin]) expect(notice).not.toContain(secret);
  // …and the administrator finds it in 通知履歴 (契約法人管理情報変更 ▼).
  await page.getByText("契約法人管理情報変更").click();
  await page.getByRole("link", { name: "通知履歴" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "通知履歴" })).toBeVisible();
  const first = page.getByRole("row").nth(1);
  await expect(first).toContainText("test01@example.jp");
  await expect(first).toContainText("電子証明書発行のお知らせ");
  await expect(first).toContainText("送信済み");
  await settled(page, testInfo);
  await inspect(page, testInfo, "32-notices");
  await page.goto("/admin/status");

  // The user fetches the certificate (the in-page acquisition comes with the user side; here a
  // key and CSR made by openssl stand in for the browser's).
  const dir = mkdtempSync(join(tmpdir(), "bizdirect-csr-"));
  const csr = execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
    "-nodes", "-keyout", join(dir, "key.pem"), "-subj", "/CN=test01"]).toString();
  const acquired = await page.request.post("/api/acquire_certificate", {
    form: { contract_id: DEMO.contractId, user_id: "test01", user_pin: "User1234", user_confirm_pin: "UserConf1234", csr },
    headers: { origin: new URL(process.env.E2E_BASE_URL!).origin }, // the page's own origin, as a browser sends it
  });
  expect(acquired.status()).toBe(200);
  const issued: { serial: string; certificate_pem: string } = await acquired.json();
  const serial = issued.serial;
  await page.goto("/admin/users");
  await expectCertCell(page, "利用中");
  await page.goto("/admin/status");
  await settled(page, testInfo);

  // The procedure again: the certificate in use is revoked and a new one awaits acquisition.
  await seedProcedure(page, testInfo, "31-second");
  // The CRL the certificate names (its corporation's) lists it.
  writeFileSync(join(dir, "cert.pem"), issued.certificate_pem);
  const points = execFileSync("openssl", ["x509", "-in", join(dir, "cert.pem"), "-noout", "-ext", "crlDistributionPoints"]).toString();
  const crlPath = new URL(/URI:(\S+)/.exec(points)![1]).pathname;
  expect(crlPath).toMatch(/^\/crl\/c\/\d+\.crl$/);
  const crl = await page.request.get(crlPath);
  expect(crl.status()).toBe(200);
  expect(crl.headers()["content-type"]).toBe("application/pkix-crl");
  writeFileSync(join(dir, "crl.der"), await crl.body());
  const text = execFileSync("openssl", ["crl", "-inform", "DER", "-in", join(dir, "crl.der"), "-noout", "-text"]).toString();
  expect(text.toUpperCase()).toContain(serial.toUpperCase());
  expect(text).toContain("Superseded");
});
