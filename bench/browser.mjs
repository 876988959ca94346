#!/usr/bin/env node
// The browser benchmarks of docs/PERFORMANCE.md (P4, P5 browser half, P6) in Debian's Chromium,
// driven by the Playwright of end2end/ (no browser download). Prints one table; medians and
// ratios only, nothing is asserted on time.
//
//   SERVER_BIN=$CARGO_TARGET_DIR/release/server node bench/browser.mjs
//
// Run from anywhere; the server is started from the repository root (it serves target/site,
// or BIZDIRECT_SITE_ROOT) on a fresh data folder with the demo corporation.
//
// Environment: SERVER_BIN (required), BENCH_PORT (3243; the certificate listener takes the next
// port), BENCH_RUNS_P5 (9), BENCH_RUNS_P6 (7), BENCH_JSON (also write the figures there),
// CHROMIUM_PATH (/usr/bin/chromium).
//
// P4  bytes Chromium transferred (headers included, as served: br/gzip when the server has them)
//     from navigating to a logon page until the page is interactive (html[data-hydrated]),
//     per asset, beside each file's raw / .gz / .br size on disk; and the same on a second visit.
// P5  利用者情報選択 with 99 users (demo corporation: 5 + 94 registered through the server
//     functions): (a) client-side: click on the menu link → 99 rows in the DOM and painted;
//     (b) full page load: navigation start → interactive (performance mark bizdirect:hydrated).
// P6  電子証明書取得 in the page: key generation + CSR and PKCS#12 (performance measures
//     enrol:key+csr and enrol:pkcs12 that app/src/enrolment.rs records), and the whole click →
//     「取得しました」 including the server's PIN checks and issuance.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import https from "node:https";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "end2end", "package.json"));
const { chromium } = require("@playwright/test");

const serverBin = process.env.SERVER_BIN && resolve(process.env.SERVER_BIN);
if (!serverBin || !existsSync(serverBin)) {
  console.error("SERVER_BIN must name the release server binary (e.g. $CARGO_TARGET_DIR/release/server)");
  process.exit(2);
}
const port = Number(process.env.BENCH_PORT ?? 3243);
const base = `https://127.0.0.1:${port}`;
const runsP5 = Number(process.env.BENCH_RUNS_P5 ?? 9);
const runsP6 = Number(process.env.BENCH_RUNS_P6 ?? 7);
const siteRoot = resolve(root, process.env.BIZDIRECT_SITE_ROOT ?? "target/site");
const DEMO = { contractId: "10000000001", adminPin: "Admin1234", confirmPin: "Confirm1234" };
const USER = { pin: "Pass1234", confirmPin: "Conf5678" };
const FILE_PASSWORD = "correct-horse-9";

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const kb = (n) => (n / 1000).toFixed(1);
const ratio = (a, goal) => (Number.isFinite(a) ? (a / goal).toFixed(2) : "n/a");
const ms = (n) => (Number.isFinite(n) ? n.toFixed(1) : "n/a");

// ---- the server ---------------------------------------------------------------------------
const dataDir = mkdtempSync(join(tmpdir(), "bizdirect-bench-web-"));
// The setup registers 99 users, each confirmed with the 契約法人確認暗証番号 within a minute: the
// attempt throttle's limits are raised, as bench/pages.sh and the Playwright suite do.
const server = spawn(serverBin, [
  "--demo", "--data-dir", dataDir, "--addr", `127.0.0.1:${port}`,
  "--attempts-per-minute-per-address", "100000000", "--attempts-per-minute-per-account", "100000000",
], {
  cwd: root,
  stdio: ["ignore", "ignore", "pipe"],
});
let serverLog = "";
server.stderr.on("data", (d) => { serverLog = (serverLog + d).slice(-4000); });
const stopServer = () => { if (server.exitCode === null) server.kill("SIGTERM"); };
process.on("exit", () => { stopServer(); rmSync(dataDir, { recursive: true, force: true }); });

function get(path) {
  return new Promise((ok, fail) => {
    const req = https.get(base + path, { rejectUnauthorized: false }, (res) => { res.resume(); ok(res.statusCode); });
    req.on("error", fail);
  });
}
async function waitForServer() {
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`server exited: ${serverLog}`);
    try { if ((await get("/")) === 200) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${serverLog}`);
}

await waitForServer();
// Chromium keeps nothing in its HTTP cache from a server whose certificate it does not trust, so
// `ignoreHTTPSErrors` alone would hide the effect of the cache headers: trust this run's server
// certificate by its public key instead (the CA is made by the server on first start).
const spki = createHash("sha256").update(
  new X509Certificate(readFileSync(join(dataDir, "tls", "server.crt"))).publicKey.export({ type: "spki", format: "der" }),
).digest("base64");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    `--ignore-certificate-errors-spki-list=${spki}`],
});
const newContext = () => browser.newContext({ ignoreHTTPSErrors: true, locale: "ja-JP", timezoneId: "Asia/Tokyo", baseURL: base });

async function hydrated(page) {
  await page.locator("html[data-hydrated=true]").waitFor({ state: "attached", timeout: 30_000 });
}

// ---- P4 -----------------------------------------------------------------------------------
/** Navigates to `path` and records every response until the page is interactive. */
async function transferred(page, path) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const seen = new Map();
  let recording = true;
  cdp.on("Network.responseReceived", (e) => {
    if (!recording) return;
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    seen.set(e.requestId, { url: e.response.url, type: e.type, status: e.response.status,
      encoding: h["content-encoding"] ?? "-", cache: h["cache-control"] ?? "", fromCache: e.response.fromDiskCache || e.response.fromMemoryCache, bytes: 0 });
  });
  cdp.on("Network.loadingFinished", (e) => {
    const r = seen.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  await page.goto(path);
  await hydrated(page);
  await page.waitForTimeout(300); // let loadingFinished of the last responses arrive
  recording = false;
  await cdp.detach();
  return [...seen.values()];
}

function onDisk(url) {
  const path = new URL(url).pathname;
  if (!path.startsWith("/pkg/")) return null;
  const file = join(siteRoot, path);
  const size = (f) => (existsSync(f) ? statSync(f).size : null);
  return { raw: size(file), gz: size(`${file}.gz`), br: size(`${file}.br`) };
}

async function p4(path) {
  const context = await newContext();
  const page = await context.newPage();
  const first = await transferred(page, path);
  const again = await transferred(page, path); // same context: the browser cache is warm
  await context.close();
  const assets = first.filter((r) => new URL(r.url).pathname.startsWith("/pkg/"));
  const doc = first.filter((r) => !new URL(r.url).pathname.startsWith("/pkg/"));
  const sum = (rs) => rs.reduce((n, r) => n + r.bytes, 0);
  return {
    path,
    assets: assets.map((r) => ({ name: basename(new URL(r.url).pathname), encoding: r.encoding, bytes: r.bytes, cache: r.cache, disk: onDisk(r.url) })),
    assetBytes: sum(assets),
    documentBytes: sum(doc),
    againBytes: sum(again.filter((r) => new URL(r.url).pathname.startsWith("/pkg/") && !r.fromCache)),
    againRequests: again.filter((r) => new URL(r.url).pathname.startsWith("/pkg/") && !r.fromCache).length,
  };
}

// ---- data for P5 / P6 ---------------------------------------------------------------------
const apiHeaders = { accept: "application/json", origin: base };

async function adminSession(context) {
  const page = await context.newPage();
  await page.goto("/admin/logon");
  await hydrated(page);
  await page.getByLabel("契約法人ID", { exact: true }).fill(DEMO.contractId);
  await page.getByLabel("契約法人暗証番号", { exact: true }).fill(DEMO.adminPin);
  await page.getByRole("button", { name: "ログオン", exact: true }).click();
  await page.waitForURL(/\/admin\/status$/);
  await hydrated(page);
  return page;
}

async function registerUser(page, userId, withCertificate) {
  const reply = await page.request.post("/api/save_user", {
    form: {
      user_id: userId, name: `ベンチ ${userId}`, email: "", logon_method: withCertificate ? "certificate" : "id_pin",
      user_pin: USER.pin, user_pin_again: USER.pin, user_confirm_pin: USER.confirmPin, user_confirm_pin_again: USER.confirmPin,
      ...(withCertificate ? { issue_certificate: "on" } : {}),
      admin_confirm_pin: DEMO.confirmPin,
    },
    headers: apiHeaders,
  });
  if (reply.status() !== 200) throw new Error(`save_user ${userId}: ${reply.status()} ${await reply.text()}`);
}

// ---- P5 -----------------------------------------------------------------------------------
/** Chromium's own counters (seconds of script, style and layout work so far). */
async function metrics(cdp) {
  const { metrics: list } = await cdp.send("Performance.getMetrics");
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

async function p5(page) {
  const rows = "table.users tbody input[name=user]";
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const click = [];
  const load = [];
  for (let i = 0; i < runsP5; i++) {
    await page.goto("/admin/status");
    await hydrated(page);
    // Client-side navigation: the click, the list_users server function, the rendering.
    const before = await metrics(cdp);
    const measured = await page.evaluate(async (sel) => {
      const link = document.querySelector('a[href="/admin/users"]');
      const t0 = performance.now();
      link.click();
      await new Promise((ok) => {
        const done = () => document.querySelectorAll(sel).length >= 99;
        if (done()) return ok();
        const obs = new MutationObserver(() => { if (done()) { obs.disconnect(); ok(); } });
        obs.observe(document.body, { childList: true, subtree: true });
      });
      await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0))); // painted
      const total = performance.now() - t0;
      const call = performance.getEntriesByType("resource").filter((e) => e.name.includes("/api/list_users") && e.startTime >= t0).pop();
      return { total, call: call ? call.responseEnd - t0 : NaN };
    }, rows);
    const after = await metrics(cdp);
    for (const k of ["ScriptDuration", "RecalcStyleDuration", "LayoutDuration"]) measured[k] = (after[k] - before[k]) * 1000;
    click.push(measured);
    if ((await page.locator(rows).count()) !== 99) throw new Error("P5: the list does not show 99 users");
    // Full page load of /admin/users (server-rendered list, then hydration).
    await page.goto("/admin/users");
    await hydrated(page);
    load.push(await page.evaluate(() => {
      const m = performance.getEntriesByName("bizdirect:hydrated")[0];
      const paint = performance.getEntriesByName("first-contentful-paint")[0];
      return { interactive: m ? m.startTime : NaN, fcp: paint ? paint.startTime : NaN };
    }));
  }
  return {
    click: median(click.map((c) => c.total)),
    clickCall: median(click.map((c) => c.call)),
    script: median(click.map((c) => c.ScriptDuration)),
    style: median(click.map((c) => c.RecalcStyleDuration)),
    layout: median(click.map((c) => c.LayoutDuration)),
    fcp: median(load.map((l) => l.fcp)),
    interactive: median(load.map((l) => l.interactive)),
  };
}

// ---- P6 -----------------------------------------------------------------------------------
async function p6(context, userIds) {
  const keyCsr = [];
  const pkcs12 = [];
  const whole = [];
  const modules = new Set();
  for (const userId of userIds) {
    const page = await context.newPage();
    page.on("response", (r) => { if (r.url().endsWith(".wasm")) modules.add(basename(new URL(r.url()).pathname)); });
    await page.goto("/user/acquire");
    await hydrated(page);
    await page.getByLabel("契約法人ID", { exact: true }).fill(DEMO.contractId);
    await page.getByLabel("利用者ID", { exact: true }).fill(userId);
    await page.getByLabel("利用者暗証番号", { exact: true }).fill(USER.pin);
    await page.getByLabel("利用者確認暗証番号", { exact: true }).fill(USER.confirmPin);
    await page.getByRole("button", { name: "次へ" }).click();
    await page.locator("#acquisition-target").waitFor();
    await page.getByLabel("証明書ファイルのパスワード", { exact: true }).fill(FILE_PASSWORD);
    await page.getByLabel("証明書ファイルのパスワード（再入力）", { exact: true }).fill(FILE_PASSWORD);
    await page.waitForLoadState("networkidle"); // the split module (if any) has been preloaded
    const t0 = Date.now();
    await page.getByRole("button", { name: "取得", exact: true }).click();
    await page.locator("#acquired").waitFor({ timeout: 30_000 });
    whole.push(Date.now() - t0);
    const m = await page.evaluate(() => Object.fromEntries(
      ["enrol:key+csr", "enrol:pkcs12"].map((n) => [n, performance.getEntriesByName(n)[0]?.duration ?? NaN])));
    keyCsr.push(m["enrol:key+csr"]);
    pkcs12.push(m["enrol:pkcs12"]);
    await page.close();
  }
  const sums = keyCsr.map((k, i) => k + pkcs12[i]);
  return { keyCsr: median(keyCsr), pkcs12: median(pkcs12), crypto: median(sums), whole: median(whole), modules: [...modules] };
}

// ---- run ----------------------------------------------------------------------------------
try {
  const logons = [await p4("/admin/logon"), await p4("/user/logon")];

  const context = await newContext();
  const admin = await adminSession(context);
  const p6Users = Array.from({ length: runsP6 }, (_, i) => `bcert${String(i + 1).padStart(2, "0")}`);
  const fill = Array.from({ length: 94 - runsP6 }, (_, i) => `bench${String(i + 1).padStart(3, "0")}`);
  for (const id of p6Users) await registerUser(admin, id, true);
  for (const id of fill) await registerUser(admin, id, false);
  const list = await p5(admin);
  await admin.close();
  const acq = await p6(await newContext(), p6Users);
  await context.close();

  const out = [];
  out.push(`# bizdirect browser benchmarks (${new Date().toISOString()}, Chromium ${browser.version()})`);
  out.push("");
  for (const l of logons) {
    out.push(`## P4 ${l.path}: bytes until interactive (goal ≤ 200 KB of JS + WASM + CSS as served)`);
    out.push("");
    out.push("| asset | served as | transferred B | raw B | .gz B | .br B | cache-control |");
    out.push("|---|---|---:|---:|---:|---:|---|");
    for (const a of l.assets) {
      out.push(`| ${a.name} | ${a.encoding} | ${a.bytes} | ${a.disk?.raw ?? "-"} | ${a.disk?.gz ?? "-"} | ${a.disk?.br ?? "-"} | ${a.cache} |`);
    }
    out.push(`| **JS + WASM + CSS** | | **${l.assetBytes}** (${kb(l.assetBytes)} KB) | | | | |`);
    out.push(`| HTML document | | ${l.documentBytes} | | | | |`);
    out.push(`| second visit (same browser, cache warm) | | ${l.againBytes} | | | | |`);
    out.push("");
  }
  out.push("## P5, P6 (medians)");
  out.push("");
  out.push("| # | what | median | goal | ratio to goal |");
  out.push("|---|---|---:|---:|---:|");
  out.push(`| P4 | /admin/logon JS + WASM + CSS transferred | ${kb(logons[0].assetBytes)} KB | 200 KB | ${ratio(logons[0].assetBytes, 200000)} |`);
  out.push(`| P4 | /user/logon JS + WASM + CSS transferred | ${kb(logons[1].assetBytes)} KB | 200 KB | ${ratio(logons[1].assetBytes, 200000)} |`);
  out.push(`| P5 | 利用者情報選択, 99 users: menu click → list painted (${runsP5} runs) | ${ms(list.click)} ms | 100 ms | ${ratio(list.click, 100)} |`);
  out.push(`| P5 | … of which: click → list_users answer received | ${ms(list.clickCall)} ms | – | – |`);
  out.push(`| P5 | … of which: rendering the 99 rows (the rest) | ${ms(list.click - list.clickCall)} ms | – | – |`);
  out.push(`| P5 | … Chromium's work in that time: script / style / layout | ${ms(list.script)} / ${ms(list.style)} / ${ms(list.layout)} ms | – | – |`);
  out.push(`| P5 | 利用者情報選択, 99 users: full load → first contentful paint | ${ms(list.fcp)} ms | – | – |`);
  out.push(`| P5 | 利用者情報選択, 99 users: full load → interactive (hydrated) | ${ms(list.interactive)} ms | – | – |`);
  out.push(`| P6 | key generation + CSR (${runsP6} runs) | ${ms(acq.keyCsr)} ms | – | – |`);
  out.push(`| P6 | PKCS#12 (10,000 iterations) | ${ms(acq.pkcs12)} ms | – | – |`);
  out.push(`| P6 | key + CSR + PKCS#12 | ${ms(acq.crypto)} ms | 1000 ms | ${ratio(acq.crypto, 1000)} |`);
  out.push(`| P6 | click [取得] → 取得しました (with the server's PIN checks and issuance) | ${ms(acq.whole)} ms | – | – |`);
  out.push("");
  out.push(`WASM modules fetched by the acquisition page: ${acq.modules.join(", ")}`);
  const site = readdirSync(join(siteRoot, "pkg"));
  // Every WASM module of the site as served (brotli), the groups fetched after a logon among them.
  out.push("");
  out.push("| WASM module | raw B | .br B |");
  out.push("|---|---:|---:|");
  for (const f of site.filter((f) => f.endsWith(".wasm")).sort()) {
    const br = join(siteRoot, "pkg", `${f}.br`);
    out.push(`| ${f} | ${statSync(join(siteRoot, "pkg", f)).size} | ${existsSync(br) ? statSync(br).size : "-"} |`);
  }
  if (!site.some((f) => f.startsWith("split_"))) out.push("NOTE: no split module in the site: build with `cargo leptos build --release --split --precompress`.");
  if (!site.some((f) => f.endsWith(".wasm.br"))) out.push("NOTE: no .br files in the site: the assets were served uncompressed (build with --precompress).");
  console.log(out.join("\n"));
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ logons, list, acquisition: acq }, null, 2));
} finally {
  await browser.close();
  stopServer();
}
