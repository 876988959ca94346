// 利用者情報登録/変更: the seed's path to 利用者情報選択, registration with the software keyboard,
// permission changes seen in the table, a wrong confirmation PIN, deletion, and English.
import { expect, test, type Page } from "@playwright/test";
import { DEMO, inspect, jsEnabled, logonAsDemoAdmin, settled, typeWithSoftKeyboard, watchErrors } from "./support";

async function openUserList(page: Page) {
  // The seed's step ③: 「契約法人管理情報変更」 ▼ 「利用者情報登録/変更」
  await page.getByText("契約法人管理情報変更").click();
  await page.getByRole("link", { name: "利用者情報登録/変更" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "利用者情報選択" })).toBeVisible();
}

/** Both projects share one server: each changes and deletes its own demo users. */
function usersOf(js: boolean) {
  return js ? { change: "test02", remove: "test04" } : { change: "test03", remove: "test05" };
}

function row(page: Page, userId: string) {
  return page.getByRole("row").filter({ has: page.getByRole("cell", { name: userId, exact: true }) });
}

test("seed path to 利用者情報選択, with every column", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await logonAsDemoAdmin(page, testInfo);
  await openUserList(page);
  await settled(page, testInfo);
  for (const col of ["選択", "利用者ID", "利用者名", "電子証明書", "利用停止", "事故登録", "収納サービス封鎖",
    "収納サービス累積封鎖", "オンライン取引", "残高照会", "入出金明細照会", "取引履歴照会", "資金移動",
    "資金移動予約照会", "資金移動予約取消", "税金・各種料金の払込み"]) {
    await expect(page.getByRole("columnheader", { name: col, exact: true })).toBeVisible();
  }
  await expect(page.getByRole("heading", { level: 2, name: "外部ファイル送信権限設定" })).toBeVisible();
  await expect(page.getByRole("link", { name: "新規登録" })).toBeVisible();
  const test01 = row(page, "test01");
  await expect(test01.getByRole("cell", { name: "テスト01", exact: true })).toBeVisible();
  // The seven オンライン取引 columns are the row's last seven cells (after 選択 … 収納サービス累積封鎖).
  // Each shows ○ and is read as 「あり」.
  for (let i = 8; i < 15; i++) {
    const cell = test01.getByRole("cell").nth(i);
    await expect(cell).toHaveText("○");
    await expect(cell).toHaveAccessibleName("あり");
    await expect(cell.getByRole("img", { name: "あり", exact: true })).toHaveText("○");
  }
  await expect(test01.getByRole("cell").nth(4)).toHaveAccessibleName("なし");
  await inspect(page, testInfo, "20-user-list");

  // [変更] with nothing selected: a clear message, nothing else happens.
  await page.getByRole("button", { name: "変更", exact: true }).click();
  await expect(page.getByText("利用者を選択してから、ボタンを押してください。")).toBeVisible();
  await inspect(page, testInfo, "21-no-selection");
  expect(errors).toEqual([]);
});

test("register a user, typing every PIN with the software keyboard", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "the software keyboard needs JavaScript; the no-js project registers by typing");
  const errors = watchErrors(page);
  await logonAsDemoAdmin(page, testInfo);
  await openUserList(page);
  await page.getByRole("link", { name: "新規登録" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "利用者情報登録" })).toBeVisible();
  await settled(page, testInfo);
  await page.getByLabel("利用者ID", { exact: true }).fill("kb01");
  await page.getByLabel("利用者名", { exact: true }).fill("キーボード 太郎");
  await typeWithSoftKeyboard(page, "利用者暗証番号", "Kb1234");
  await typeWithSoftKeyboard(page, "利用者暗証番号（再入力）", "Kb1234");
  await typeWithSoftKeyboard(page, "利用者確認暗証番号", "Kc5678");
  // The keyboard's key order changes every time it opens.
  const field = page.locator(".field").filter({ has: page.getByLabel("利用者確認暗証番号（再入力）", { exact: true }) });
  const orders: string[] = [];
  for (let i = 0; i < 3; i++) {
    await field.getByRole("button", { name: "ソフトウェアキーボードを開く" }).click();
    orders.push((await field.locator(".softkb-row").first().innerText()).replace(/\s+/g, ""));
    if (i === 0) await inspect(page, testInfo, "22-software-keyboard");
    await field.getByRole("button", { name: "閉じる" }).click();
  }
  expect(new Set(orders).size).toBeGreaterThan(1);
  await typeWithSoftKeyboard(page, "利用者確認暗証番号（再入力）", "Kc5678");
  await expect(page.getByLabel("利用者暗証番号", { exact: true })).toHaveValue("Kb1234");
  await page.getByLabel("残高照会").check();
  await typeWithSoftKeyboard(page, "契約法人確認暗証番号", DEMO.confirmPin);
  await inspect(page, testInfo, "23-register-filled");
  await page.getByRole("button", { name: "OK" }).click();
  await expect(page.locator("#outcome")).toHaveText("利用者 kb01 を登録しました。");
  const kb01 = row(page, "kb01");
  await expect(kb01.getByRole("cell", { name: "キーボード 太郎", exact: true })).toBeVisible();
  // 残高照会 and the certificate issued with the registration (「電子証明書を発行する」 is ticked by default)
  await expect(kb01.getByText("○")).toHaveCount(2);
  await expect(kb01.getByText("発行済み（取得待ち）")).toBeVisible();
  expect(errors).toEqual([]);
});

test("field errors are shown at their fields and nothing is registered", async ({ page }, testInfo) => {
  await logonAsDemoAdmin(page, testInfo);
  await page.goto("/admin/users/new");
  await settled(page, testInfo);
  await page.getByLabel("利用者ID", { exact: true }).fill("bad id!");
  await page.getByLabel("利用者暗証番号", { exact: true }).fill("short");
  await page.getByLabel("利用者暗証番号（再入力）", { exact: true }).fill("short");
  await page.getByLabel("利用者確認暗証番号", { exact: true }).fill("Conf5678");
  await page.getByLabel("利用者確認暗証番号（再入力）", { exact: true }).fill("Conf9999");
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill(DEMO.confirmPin);
  await page.getByRole("button", { name: "OK" }).click();
  await expect(page.locator("#user_id-error")).toHaveText("利用者IDは半角英数字で入力してください。");
  await expect(page.locator("#name-error")).toHaveText("利用者名を入力してください。");
  await expect(page.locator("#user_pin-error")).toHaveText("利用者暗証番号の桁数が正しくありません。");
  await expect(page.locator("#user_confirm_pin_again-error")).toHaveText("利用者確認暗証番号（再入力）が一致しません。");
  await expect(page.getByLabel("利用者ID", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await settled(page, testInfo);
  await inspect(page, testInfo, "24-register-errors");
});

test("change permissions and see ○/- change; a wrong confirmation PIN changes nothing", async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  const user = usersOf(jsEnabled(testInfo)).change;
  const name = user.replace("test", "テスト");
  await logonAsDemoAdmin(page, testInfo);
  await openUserList(page);
  const test02 = row(page, user);
  await expect(test02.getByText("○")).toHaveCount(7);
  await page.getByRole("radio", { name: `選択 ${user} ${name}` }).check();
  await page.getByRole("button", { name: "変更", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "利用者情報変更" })).toBeVisible();
  await expect(page.locator("#user-id")).toHaveText(user);
  await settled(page, testInfo);
  await inspect(page, testInfo, "25-change-form");

  await page.getByLabel("資金移動", { exact: true }).uncheck();
  await page.getByLabel("税金・各種料金の払込み").uncheck();
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill("Wrong1234");
  await page.getByRole("button", { name: "OK" }).click();
  await expect(page.locator("#admin_confirm_pin-error")).toHaveText("契約法人確認暗証番号が正しくありません。");
  await settled(page, testInfo);
  await inspect(page, testInfo, "26-wrong-confirm-pin");

  await page.goto("/admin/users");
  await expect(row(page, user).getByText("○")).toHaveCount(7); // unchanged
  await page.goto(`/admin/users/edit?user=${user}`);
  await settled(page, testInfo);
  await page.getByLabel("資金移動", { exact: true }).uncheck();
  await page.getByLabel("税金・各種料金の払込み").uncheck();
  await page.getByLabel("事故登録する").check();
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill(DEMO.confirmPin);
  await page.getByRole("button", { name: "OK" }).click();
  await expect(page.locator("#outcome")).toHaveText(`利用者 ${user} の次の項目を変更しました：オンライン取引権限、事故登録`);
  // 5 permissions + 事故登録 = 6 ○
  await expect(row(page, user).getByText("○")).toHaveCount(6);
  await settled(page, testInfo);
  await inspect(page, testInfo, "27-after-change");
  expect(errors).toEqual([]);
});

test("delete a user with the confirmation PIN", async ({ page }, testInfo) => {
  const user = usersOf(jsEnabled(testInfo)).remove;
  await logonAsDemoAdmin(page, testInfo);
  await openUserList(page);
  await page.getByRole("radio", { name: `選択 ${user} ${user.replace("test", "テスト")}` }).check();
  await page.getByRole("button", { name: "登録抹消" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "利用者登録抹消" })).toBeVisible();
  await settled(page, testInfo);
  await inspect(page, testInfo, "28-delete");
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill(DEMO.confirmPin);
  await page.getByRole("button", { name: "OK" }).click();
  await expect(page.locator("#outcome")).toHaveText(`利用者 ${user} の登録を抹消しました。`);
  await expect(row(page, user)).toHaveCount(0);
});

test("the table in English", async ({ page }, testInfo) => {
  await logonAsDemoAdmin(page, testInfo);
  await page.goto("/admin/users?lang=en");
  await settled(page, testInfo);
  await expect(page.getByRole("heading", { level: 2, name: "User selection" })).toBeVisible();
  for (const col of ["Select", "User ID", "Certificate", "Suspended", "Incident", "Balance inquiry"]) {
    await expect(page.getByRole("columnheader", { name: col, exact: true })).toBeVisible();
  }
  await inspect(page, testInfo, "29-user-list-en");
});

test("管理者メールアドレス変更: a wrong confirmation PIN changes nothing, then the new address", async ({ page }, testInfo) => {
  await logonAsDemoAdmin(page, testInfo);
  await page.getByText("契約法人管理情報変更").click();
  await page.getByRole("link", { name: "管理者メールアドレス変更" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "管理者メールアドレス変更" })).toBeVisible();
  await settled(page, testInfo);
  const address = page.getByLabel("メールアドレス", { exact: true });
  await expect(address).toHaveValue(/@example\.jp$/);
  await inspect(page, testInfo, "45-admin-email");
  const next = jsEnabled(testInfo) ? "kanri-j@example.jp" : "kanri-n@example.jp";
  await address.fill(next);
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill("Wrong1234");
  await page.getByRole("button", { name: "OK" }).click();
  await expect(page.locator("#admin_confirm_pin-error")).toContainText("正しくありません");
  await page.getByLabel("メールアドレス", { exact: true }).fill(next);
  await page.getByLabel("契約法人確認暗証番号", { exact: true }).fill(DEMO.confirmPin);
  await page.getByRole("button", { name: "OK" }).click();
  await expect(page).toHaveURL(/\/admin\/status\?done=email/);
  await expect(page.getByText("管理者のメールアドレスを変更しました。")).toBeVisible();
  await page.goto("/admin/email");
  await expect(page.getByLabel("メールアドレス", { exact: true })).toHaveValue(next);
});
