// Security controls where the browser matters: the lockout message, the idle-timeout warning and
// return to logon, and a Content-Security-Policy strict enough to refuse inline script yet
// letting the WASM run (no violation reported on any screen).
import { expect, test, type Page } from "@playwright/test";
import { DEMO, inspect, jsEnabled, logonAsDemoAdmin, settled } from "./support";

const API_HEADERS = { accept: "application/json", origin: new URL(process.env.E2E_BASE_URL!).origin };

function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply|compile)/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

test("six wrong PINs lock the user, with a message; the administrator sees 利用停止", async ({ page }, testInfo) => {
  await logonAsDemoAdmin(page, testInfo);
  const userId = jsEnabled(testInfo) ? "lockj" : "lockn";
  const reply = await page.request.post("/api/save_user", {
    form: {
      user_id: userId, name: `利用者 ${userId}`, email: "", logon_method: "id_pin",
      user_pin: "Pass1234", user_pin_again: "Pass1234", user_confirm_pin: "Conf5678", user_confirm_pin_again: "Conf5678",
      admin_confirm_pin: DEMO.confirmPin,
    },
    headers: API_HEADERS,
  });
  expect(reply.status(), await reply.text()).toBe(200);
  const admin = page.context().cookies();
  await page.context().clearCookies();
  const logon = async (pin: string) => {
    await page.goto("/user/logon");
    await settled(page, testInfo);
    await page.getByLabel("契約法人ID", { exact: true }).fill(DEMO.contractId);
    await page.getByLabel("利用者ID", { exact: true }).fill(userId);
    await page.getByLabel("利用者暗証番号", { exact: true }).fill(pin);
    await page.getByRole("button", { name: "ログオン", exact: true }).click();
  };
  for (let i = 0; i < 5; i++) {
    await logon("Wrong1234");
    await expect(page.locator("#logon-error")).toContainText("正しくありません");
  }
  await logon("Wrong1234");
  await expect(page.locator("#logon-error")).toContainText("利用停止");
  await inspect(page, testInfo, "60-user-locked");
  await logon("Pass1234");
  await expect(page.locator("#logon-error")).toContainText("管理者に利用停止解除を依頼してください");
  await page.context().addCookies(await admin);
  await page.goto("/admin/users");
  const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: userId, exact: true }) });
  await expect(row.getByRole("cell").nth(4)).toContainText("○");
});

test.describe("in the browser", () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, "timers and CSP reports need the page's scripts");

  test("the page warns before the idle timeout, [延長] keeps the session, then it returns to logon", async ({ page }, testInfo) => {
    await page.clock.install();
    await logonAsDemoAdmin(page, testInfo);
    await expect(page.locator("html")).toHaveAttribute("data-idle-watch", "armed");
    await expect(page.locator("#idle-warning")).toHaveCount(0);
    await page.clock.fastForward("09:10");
    await expect(page.locator("#idle-warning")).toBeVisible();
    await inspect(page, testInfo, "61-idle-warning");
    await page.getByRole("button", { name: "延長" }).click();
    await expect(page.locator("#idle-warning")).toHaveCount(0);
    await page.clock.fastForward("10:10");
    await expect(page).toHaveURL(/\/admin\/logon\?timeout=1$/);
    await expect(page.locator("#timed-out")).toContainText("一定時間操作がなかったため、ログオフしました");
  });

  test("the CSP lets every screen hydrate and run, and refuses inline script", async ({ page }, testInfo) => {
    const violations = cspViolations(page);
    const response = await page.goto("/admin/logon");
    const csp = response!.headers()["content-security-policy"];
    expect(csp).toContain("'wasm-unsafe-eval'");
    expect(csp).not.toContain("unsafe-inline");
    await settled(page, testInfo);
    await logonAsDemoAdmin(page, testInfo);
    for (const path of ["/admin/users", "/admin/audit", "/user/acquire", "/admin/acquire", "/user/logon"]) {
      await page.goto(path);
      await settled(page, testInfo);
    }
    expect(violations).toEqual([]);
    // An injected inline script is refused by the policy.
    const ran = await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__injected = true;";
      document.body.appendChild(s);
      return (window as unknown as { __injected?: boolean }).__injected === true;
    });
    expect(ran).toBe(false);
    expect(violations.length).toBeGreaterThan(0);
  });
});
