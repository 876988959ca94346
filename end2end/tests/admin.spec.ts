// The walking skeleton end to end: top page, 管理者ログオン, 契約法人ステータス, menu, ログオフ,
// wrong PINs, the English switch — each run with JavaScript on (project js) and off (no-js).
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { AdminLogonPage, DEMO, inspect, jsEnabled, settled, watchErrors } from "./support";

test("top page offers both logons and 利用環境", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await page.goto("/");
  await settled(page, testInfo);
  await expect(page.getByRole("link", { name: "管理者ログオン" })).toBeVisible();
  await expect(page.getByRole("link", { name: "利用者ログオン" })).toBeVisible();
  await inspect(page, testInfo, "01-top");
  await page.getByRole("link", { name: "利用環境" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "利用環境" })).toBeVisible();
  await expect(page.getByRole("cell", { name: /Microsoft Edge/ })).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "02-environment");
  await page.goto("/user/logon");
  await settled(page, testInfo);
  await expect(page.getByRole("heading", { level: 1, name: "利用者ログオン" })).toBeVisible();
  await inspect(page, testInfo, "03-user-logon");
  expect(errors).toEqual([]);
});

test("logon → 契約法人ステータス → menu → ログオフ", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await page.goto("/");
  await settled(page, testInfo);
  await page.getByRole("link", { name: "管理者ログオン" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "管理者ログオン" })).toBeVisible();
  await expect(page.getByText("ID・暗証番号方式")).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "04-admin-logon");

  await new AdminLogonPage(page).logon(DEMO.contractId, DEMO.adminPin);
  await expect(page).toHaveURL(/\/admin\/status$/);
  await expect(page.getByRole("heading", { level: 1, name: "契約法人ステータス" })).toBeVisible();
  await expect(page.locator("#corporation-name")).toHaveText(DEMO.corporation);
  await expect(page.locator("#previous-logon")).not.toBeEmpty();
  // ログオン履歴: this logon first, with its method and address.
  const newest = page.locator("#logon-history tbody tr").first();
  await expect(newest.locator("td").nth(1)).toHaveText("ID・暗証番号方式");
  await expect(newest.locator("td").nth(2)).toHaveText("127.0.0.1");
  await expect(page.locator("#failed-logons")).toContainText("前回のログオン以降に失敗したログオン：");
  await settled(page, testInfo);
  await inspect(page, testInfo, "05-status");

  // 「契約法人管理情報変更」 ▼ 「利用者情報登録/変更」, by keyboard as well as by mouse
  const menu = page.getByText("契約法人管理情報変更");
  await menu.focus();
  await page.keyboard.press("Enter");
  const users = page.getByRole("link", { name: "利用者情報登録/変更" });
  await expect(users).toBeVisible();
  await inspect(page, testInfo, "06-status-menu-open");
  await users.click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole("heading", { level: 1, name: "利用者情報登録/変更" })).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "07-users");

  await page.getByRole("button", { name: "ログオフ" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("link", { name: "管理者ログオン" })).toBeVisible();
  // The session is gone on the server: the status page sends us back to the logon.
  await page.goto("/admin/status");
  await expect(page).toHaveURL(/\/admin\/logon$/);
  expect(errors).toEqual([]);
});

test("wrong PIN and unknown ID get one generic message", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const logon = new AdminLogonPage(page);
  const generic = "契約法人IDまたは契約法人暗証番号が正しくありません。";
  await logon.open(testInfo);
  await logon.logon(DEMO.contractId, "Wrong9999");
  await expect(logon.error()).toHaveText(generic);
  await expect(page).toHaveURL(/\/admin\/logon/);
  await settled(page, testInfo);
  await inspect(page, testInfo, "08-wrong-pin");

  await logon.open(testInfo);
  await logon.logon("99999999999", DEMO.adminPin);
  await expect(logon.error()).toHaveText(generic);

  // Letters in the contract ID: a field message, tied to the field for screen readers.
  await logon.open(testInfo);
  await logon.logon("12ab", "x");
  await expect(page.locator("#contract_id-error")).toHaveText("契約法人IDは半角数字で入力してください。");
  await expect(logon.contractId()).toHaveAttribute("aria-invalid", "true");
  await settled(page, testInfo);
  await inspect(page, testInfo, "09-field-error");
  expect(errors).toEqual([]);
});

test("English version one click away, and back", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await page.goto("/");
  await settled(page, testInfo);
  await page.getByRole("link", { name: "English" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("link", { name: "Administrator logon" })).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "10-top-en");

  // The choice sticks while moving around, also through the logon.
  await page.getByRole("link", { name: "Administrator logon" }).click();
  await expect(page.getByLabel("Contract ID")).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "11-logon-en");
  await page.getByLabel("Contract ID").fill(DEMO.contractId);
  await page.getByLabel("Contract PIN").fill("Wrong9999");
  await page.getByRole("button", { name: "Log on" }).click();
  await expect(page.locator("#logon-error")).toHaveText("The contract ID or the contract PIN is not correct.");
  await page.getByLabel("Contract ID").fill(DEMO.contractId);
  await page.getByLabel("Contract PIN").fill(DEMO.adminPin);
  await page.getByRole("button", { name: "Log on" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Corporation status" })).toBeVisible();
  await expect(page.getByText("Corporation management")).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "12-status-en");

  await page.getByRole("link", { name: "日本語" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "ja");
  await expect(page.getByRole("heading", { level: 1, name: "契約法人ステータス" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("admin screens without a session go to the logon page", async ({ page }, testInfo) => {
  for (const path of ["/admin/status", "/admin/users"]) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/admin\/logon$/);
    await expect(page.getByText(DEMO.corporation)).toHaveCount(0);
  }
  test.info().annotations.push({ type: "javascript", description: String(jsEnabled(testInfo)) });
});

test("操作履歴照会 lists this corporation's operations, newest first", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await new AdminLogonPage(page).open(testInfo);
  await new AdminLogonPage(page).logon(DEMO.contractId, DEMO.adminPin);
  await expect(page).toHaveURL(/\/admin\/status$/);
  await page.getByText("契約法人管理情報変更").click();
  await page.getByRole("link", { name: "操作履歴照会" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "操作履歴照会" })).toBeVisible();
  const first = page.getByRole("row").nth(1);
  await expect(first.getByRole("cell", { name: "管理者ログオン" })).toBeVisible();
  await expect(first.getByRole("cell", { name: "成功" })).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "13-audit");

  // The search is a GET form: the filters become the page's query and stay on it.
  await page.getByLabel("操作", { exact: true }).selectOption({ label: "管理者ログオン" });
  await page.getByLabel("結果", { exact: true }).selectOption({ label: "成功" });
  await page.getByRole("button", { name: "検索", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/audit\?.*kind=admin_logon.*outcome=success|\/admin\/audit\?.*outcome=success.*kind=admin_logon/);
  await settled(page, testInfo);
  await expect(page.getByLabel("操作", { exact: true })).toHaveValue("admin_logon");
  const rows = page.locator("table.audit tbody tr");
  await expect(rows.first().locator("td").nth(2)).toHaveText("管理者ログオン");
  // Who and what in words; the raw record is what the CSV file keeps.
  await expect(rows.first().locator("td").nth(1)).toHaveText("管理者");
  await expect(rows.first().locator("td").nth(5)).toHaveText("ログオン方式：ID・暗証番号方式");
  for (const row of await rows.all()) await expect(row.locator("td").nth(4)).toHaveText("成功");
  await inspect(page, testInfo, "14-audit-search");
  // Saved as CSV with the same search: UTF-8 with a BOM, a header, the rows the screen lists.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "CSVファイルで保存" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(new RegExp(`^audit-${DEMO.contractId}-\\d{8}\\.csv$`));
  const text = readFileSync(await file.path(), "utf8");
  expect(text.startsWith("\ufeff")).toBe(true);
  const lines = text.slice(1).split("\r\n").filter((l) => l.length > 0);
  expect(lines[0].split(",")).toEqual(
    ["連番", "日時", "操作者", "操作", "操作コード", "対象", "結果", "内容", "接続元", "直前の記録のハッシュ", "ハッシュ"],
  );
  expect(lines.length - 1).toBe(await rows.count());
  for (const line of lines.slice(1)) expect(line).toContain(",管理者ログオン,admin_logon,,成功,");
  // A date that is none is a message under its field, and nothing is listed.
  await page.goto("/admin/audit?to=2026-02-30");
  await settled(page, testInfo);
  await expect(page.locator("#to-error")).toHaveText("期間（終了日）は日付（例：2026-12-04）で入力してください。");
  await expect(page.getByRole("cell", { name: "操作履歴はありません。" })).toBeVisible();
  await page.locator("#audit-search-clear").click();
  await expect(page).toHaveURL(/\/admin\/audit$/);
  expect(errors).toEqual([]);
});

test("電子証明書一覧: filters and order in the query, sortable headers, a bad filter explained, saved as CSV", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await new AdminLogonPage(page).open(testInfo);
  await new AdminLogonPage(page).logon(DEMO.contractId, DEMO.adminPin);
  await expect(page).toHaveURL(/\/admin\/status$/);
  await page.getByText("契約法人管理情報変更").click();
  await page.getByRole("link", { name: "電子証明書一覧" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "電子証明書一覧" })).toBeVisible();
  await settled(page, testInfo);
  const headers = page.locator("#inventory thead th");
  await expect(headers).toHaveText(["保有者", "名前", "シリアル番号", "状態", "失効理由", "発行日時", "取得日時", "有効期限（取得期限）"]);
  await expect(headers.nth(5)).toHaveAttribute("aria-sort", "descending");
  await inspect(page, testInfo, "15-certificates");

  await page.getByLabel("状態", { exact: true }).selectOption({ label: "利用中" });
  await page.getByRole("button", { name: "検索", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/certificates\?.*state=in_use/);
  await settled(page, testInfo);
  await expect(page.getByLabel("状態", { exact: true })).toHaveValue("in_use");
  // A header sorts by its column, keeping the filter; pressed again, the other way round.
  await headers.nth(0).getByRole("link").click();
  await expect(page).toHaveURL(/state=in_use.*sort=holder.*order=asc/);
  await settled(page, testInfo);
  await expect(page.locator("#inventory thead th").nth(0)).toHaveAttribute("aria-sort", "ascending");
  await page.locator("#inventory thead th").nth(0).getByRole("link").click();
  await expect(page).toHaveURL(/sort=holder.*order=desc/);
  await settled(page, testInfo);

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "CSVファイルで保存" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(new RegExp(`^certificates-${DEMO.contractId}-\\d{8}\\.csv$`));
  const text = readFileSync(await file.path(), "utf8");
  expect(text.startsWith("\ufeff保有者,名前,シリアル番号,状態,失効理由,発行日時,取得日時,有効期限（取得期限）\r\n")).toBe(true);
  const rows = await page.locator("#inventory tbody tr").count();
  const listed = (await page.locator("#inventory tbody").innerText()).includes("該当する電子証明書はありません。") ? 0 : rows;
  expect(text.slice(1).split("\r\n").filter((l) => l.length > 0).length - 1).toBe(listed);

  await page.goto("/admin/certificates?within=abc");
  await settled(page, testInfo);
  await expect(page.locator("#within-error")).toHaveText("有効期限までの日数は1〜3650の半角数字で入力してください。");
  await expect(page.getByLabel("有効期限までの日数", { exact: true })).toHaveAttribute("aria-invalid", "true");
  expect(errors).toEqual([]);
});
