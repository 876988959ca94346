import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The server binary and a fresh data folder for this run. scripts/test.sh sets SERVER_BIN.
const port = process.env.E2E_PORT ?? "3143";
const baseURL = `https://127.0.0.1:${port}`;
process.env.E2E_BASE_URL ??= baseURL;
// The certificate-logon listener (電子証明書方式): the next port. Tests read it from the env.
process.env.E2E_CERT_ORIGIN ??= `https://127.0.0.1:${Number(port) + 1}`;
// Set once in the main process so that the test workers (which re-read this file) agree.
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), "bizdirect-e2e-"));
const dataDir = process.env.E2E_DATA_DIR;
process.env.SERVER_BIN ??= "../target/debug/server";
const serverBin = process.env.SERVER_BIN;

const chromium = {
  browserName: "chromium" as const,
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  },
};

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  outputDir: "./test-results",
  use: {
    baseURL,
    // The product's CA is private (made on first start); the test trusts it by ignoring errors.
    ignoreHTTPSErrors: true,
    locale: "ja-JP",
    timezoneId: "Asia/Tokyo",
  },
  projects: [
    { name: "js", use: { ...chromium, javaScriptEnabled: true } },
    { name: "no-js", use: { ...chromium, javaScriptEnabled: false } },
  ],
  webServer: process.env.NO_WEBSERVER ? undefined : {
    // Both projects log on as the one demo administrator from one address, several times a
    // minute each: far above what the attempt throttle lets a person do (20 a minute per
    // account). The throttle is tested by it::security, not here.
    command:
      `${serverBin} --demo --data-dir ${dataDir} --addr 127.0.0.1:${port} --ops-addr 127.0.0.1:0` +
      " --attempts-per-minute-per-account 10000 --attempts-per-minute-per-address 10000",
    cwd: "..", // the repository root: the site is served from target/site
    url: `${baseURL}/`,
    ignoreHTTPSErrors: true,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
