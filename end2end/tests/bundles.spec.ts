// What each page downloads. scripts/test.sh builds the site as scripts/run.sh does: the two logon
// pages hydrate with a WASM of their own (crate logon/, scripts/build-logon.sh), without the
// router and the other screens; every other page with the app's main module, and the
// administrator's screens, the user's screens, the second factor's screens and the in-page
// cryptography are modules of their own, fetched when first needed (docs/PERFORMANCE.md, P4).
// Every other spec loads the screens behind a logon directly as well, and waits for them to
// hydrate (support.ts `settled`).
import { expect, test, type Page } from "@playwright/test";
import { AdminLogonPage, DEMO, jsEnabled, settled, watchErrors } from "./support";

/** The WASM files the page requests from now on, without their content hash. */
function wasmRequests(page: Page): string[] {
  const names: string[] = [];
  page.on("request", (r) => {
    const m = new URL(r.url()).pathname.match(/^\/pkg\/(.+?)(\.[\w-]{22})?\.wasm$/);
    if (m) names.push(m[1]);
  });
  return names;
}

const group = (names: string[], prefix: string) => names.filter((n) => n.startsWith(prefix));

test("the logon pages load their own bundle only; each group's module comes when first needed", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "without JavaScript no module is loaded at all");
  const errors = watchErrors(page);
  const fetched = wasmRequests(page);
  for (const [path, bundle] of [["/admin/logon", "logon"], ["/user/logon", "logon"], ["/", "bizdirect"]]) {
    fetched.length = 0;
    await page.goto(path);
    await settled(page, testInfo);
    expect([...new Set(fetched)], path).toEqual([bundle]);
  }

  // The logon leads to the app by a page load: its main module and the administrator's group.
  await page.goto("/admin/logon");
  await settled(page, testInfo);
  fetched.length = 0;
  await new AdminLogonPage(page).logon(DEMO.contractId, DEMO.adminPin);
  await expect(page.getByRole("heading", { level: 1, name: "契約法人ステータス" })).toBeVisible();
  await settled(page, testInfo);
  expect(group(fetched, "split_admin_screens_")).toHaveLength(1);
  expect(group(fetched, "logon")).toEqual([]);
  expect(group(fetched, "split_factor_screens_")).toEqual([]);
  expect(group(fetched, "split_user_screens_")).toEqual([]);
  expect(group(fetched, "split_make_")).toEqual([]);

  // The acquisition page is the user's group, and its form fetches the cryptography.
  await page.goto("/user/acquire");
  await settled(page, testInfo);
  await expect(page.getByRole("heading", { level: 1, name: "電子証明書取得" })).toBeVisible();
  expect(group(fetched, "split_user_screens_")).toHaveLength(1);
  expect(errors).toEqual([]);
});
