// The administrator's bulk work, with JavaScript and without: 利用者一括登録 (template, a file with
// errors reported by line, a Shift_JIS file registered with 契約法人確認暗証番号, the provisional
// PINs shown once) and 一括再発行 of the users just registered.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { DEMO, inspect, jsEnabled, logonAsDemoAdmin, settled, watchErrors } from "./support";

/** Japanese Excel's "CSV (comma delimited)": Shift_JIS, CRLF (converted by the system's iconv). */
function shiftJis(text: string): Buffer {
  return execFileSync("iconv", ["-f", "UTF-8", "-t", "SHIFT_JIS"], { input: text });
}

async function send(page: Page, name: string, buffer: Buffer) {
  await page.getByLabel("CSVファイル", { exact: true }).setInputFiles({ name, mimeType: "text/csv", buffer });
  await page.getByRole("button", { name: "内容を確認する" }).click();
}

test("利用者一括登録: a file's errors by line, then all its users at once, PINs shown once; 一括再発行 of them", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  // Each project registers its own users in the one server both projects share.
  const p = jsEnabled(testInfo) ? "bj" : "bn";
  await logonAsDemoAdmin(page, testInfo);
  await page.goto("/admin/users");
  await settled(page, testInfo);
  await page.getByRole("link", { name: "利用者一括登録" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "利用者一括登録" })).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "bulk-01-import");

  // The template: the column names only, UTF-8 with a BOM.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "テンプレート（CSVファイル）をダウンロード" }).click();
  const template = readFileSync(await (await download).path(), "utf8");
  expect(template.startsWith("\ufeff")).toBe(true);
  const header = template.slice(1).trim();
  expect(header.split(",")).toHaveLength(15);
  expect(header.startsWith("利用者ID,利用者名,メールアドレス,ログオン方式,残高照会,")).toBe(true);

  // A file with errors: each by line and column, and nothing registered.
  const off = "-,-,-,-,-,-,-,-,-,-";
  const bad = [header, `${p}01,一人目,,電子証明書方式,${off},○`, `${p}01,重複,,電子証明書方式,${off},○`, `${p}02,,,どれか,${off},x`].join("\r\n");
  await send(page, "errors.csv", Buffer.from(bad, "utf8"));
  await expect(page).toHaveURL(/\/admin\/users\/import\?upload=/);
  await settled(page, testInfo);
  await expect(page.locator("#import-problems-h")).toHaveText("ファイルに誤りがあります。次の点を直して、もう一度送信してください。何も登録していません。");
  const problems = page.locator("#import-problems tbody tr");
  await expect(problems.first().locator("td")).toHaveText(["3", "利用者ID", "2行目と同じ利用者IDです。"]);
  await expect(page.getByRole("cell", { name: "電子証明書を発行するは ○ か - で入力してください。" })).toBeVisible();
  await expect(page.getByRole("button", { name: "登録" })).toHaveCount(0);
  await inspect(page, testInfo, "bulk-02-report-errors");

  // Not a CSV of the template: refused as a whole, in words.
  await send(page, "other.csv", Buffer.from("a,b,c\r\n1,2,3\r\n", "utf8"));
  await expect(page).toHaveURL(/error=columns/);
  await settled(page, testInfo);
  await expect(page.locator("#import-refused")).toHaveText("1行目の列名がテンプレートと違います。テンプレートの列のとおりにしてください。");

  // The corrected file, saved by Excel as Shift_JIS.
  const good = [header, `${p}01,一括 一郎,,電子証明書方式,${off},○`, `${p}02,一括 二郎,,ID・暗証番号方式,○,○,-,-,-,-,-,-,-,-,-`, `${p}03,一括 三郎,,電子証明書方式,${off},○`, ""].join("\r\n");
  await send(page, "利用者.csv", shiftJis(good));
  await settled(page, testInfo);
  await expect(page.locator("#import-summary")).toHaveText("利用者.csv：3名");
  await expect(page.locator("#import-lines tbody tr")).toHaveCount(3);
  await expect(page.locator("#import-lines tbody tr").nth(1).locator("td")).toHaveText(["3", `${p}02`, "一括 二郎", "", "ID・暗証番号方式", "-"]);
  await inspect(page, testInfo, "bulk-03-report-ready");
  // A wrong 契約法人確認暗証番号 registers nothing.
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill("Wrong9999");
  await page.getByRole("button", { name: "登録" }).click();
  await settled(page, testInfo);
  await expect(page.locator("#admin_confirm_pin-error")).toHaveText("契約法人確認暗証番号が正しくありません。");
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill(DEMO.confirmPin);
  await page.getByRole("button", { name: "登録" }).click();
  await expect(page).toHaveURL(/\/admin\/users\/import\?done=/);
  await settled(page, testInfo);
  await expect(page.locator("#outcome")).toHaveText("3名の利用者を登録しました。");
  const pins = page.locator("#import-pins tbody tr");
  await expect(pins).toHaveCount(3);
  await expect(pins.first().locator("td").nth(0)).toHaveText(`${p}01`);
  for (const row of await pins.all()) {
    await expect(row.locator("td").nth(2)).toHaveText(/^[A-Za-z0-9]{10}$/);
    await expect(row.locator("td").nth(3)).toHaveText(/^[A-Za-z0-9]{10}$/);
  }
  await inspect(page, testInfo, "bulk-04-registered");
  // Shown once: the result address shows no PINs a second time.
  await page.reload();
  await settled(page, testInfo);
  await expect(page.locator("#import-gone")).toBeVisible();
  await expect(page.locator("#import-pins")).toHaveCount(0);

  // 一括再発行 of two of them, from 利用者情報選択.
  await page.goto("/admin/users");
  await settled(page, testInfo);
  await expect(page.locator("#users-table, table.users")).toContainText(`${p}03`);
  await page.getByRole("link", { name: "一括再発行" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "一括再発行" })).toBeVisible();
  await settled(page, testInfo);
  await expect(page.locator("#select-all")).toHaveCount(jsEnabled(testInfo) ? 1 : 0);
  const boxes = page.locator('#bulk-users tbody input[type="checkbox"]');
  if (jsEnabled(testInfo)) {
    // すべて選択 ticks every user's box, and clears them again.
    await page.getByLabel("すべて選択").check();
    for (const box of await boxes.all()) await expect(box).toBeChecked();
    await page.getByLabel("すべて選択").uncheck();
    for (const box of await boxes.all()) await expect(box).not.toBeChecked();
  }
  await inspect(page, testInfo, "bulk-05-reissue");
  // Nothing selected: a message, nothing done.
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill(DEMO.confirmPin);
  await page.getByRole("button", { name: "OK", exact: true }).click();
  await settled(page, testInfo);
  await expect(page.locator("#selection-error")).toHaveText("利用者IDを選択してください。");
  await page.getByLabel(`選択 ${p}01 一括 一郎`).check();
  await page.getByLabel(`選択 ${p}03 一括 三郎`).check();
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill(DEMO.confirmPin);
  await page.getByRole("button", { name: "OK", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/users\/reissue\?done=1/);
  await settled(page, testInfo);
  await expect(page.locator("#outcome")).toHaveText("2名の電子証明書を再発行しました。");
  await expect(page.locator("#reissued li")).toHaveText([`${p}01`, `${p}03`]);
  // Ready for the next one: no box ticked, no PIN kept.
  for (const box of await boxes.all()) await expect(box).not.toBeChecked();
  await expect(page.getByLabel("契約法人確認暗証番号", { exact: true })).toHaveValue("");
  await inspect(page, testInfo, "bulk-06-reissued");
  expect(errors).toEqual([]);
});
