// Browser tests of botport's dashboard: Playwright (playwright-core)
// driving Debian's Chromium, axe-core checking every page. Run by the Go
// test TestDashboardBrowser (cmd/botport), which starts the real server,
// prepares the data and passes it in BOTPORT_E2E (JSON):
//
//   base                      the server's URL
//   app, secret               an administrator app of account A
//   otherApp, otherSecret     an app of account B
//   botId                     A's bot, versions 1 and 2 (2 changes dialog changedDialog,
//                             and is published)
//   changedDialog             the name of the dialog version 2 changed
//   failedImport, failedWhere A's failed import and its first problem's file:line:col
//   definition, config, icon  files for the live import (a new bot)
//   out                       where screenshots and the downloaded export go
//   readme                    optional: where the README's screenshots go
//
// Each test saves a screenshot; the last line is "N passed, N failed".
import { chromium } from "playwright-core";
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, basename } from "node:path";

const cfg = JSON.parse(process.env.BOTPORT_E2E);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const launchArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const wait = 30_000; // the longest any expected state may take to appear

let passed = 0, failed = 0;
const results = [];

function check(cond, msg) { if (!cond) throw new Error(msg); }

// A browser of its own per account: a fresh user-data-dir each.
async function browserFor(name) {
  const dir = mkdtempSync(join(tmpdir(), "botport-chromium-"));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: "/usr/bin/chromium", headless: true, args: launchArgs,
    viewport: { width: 1280, height: 900 }, acceptDownloads: true,
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(wait);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  // No CDN, no web fonts: every request stays on the server (the page must
  // work on a machine with no internet).
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(cfg.base + "/") && !u.startsWith("data:") && !u.startsWith("blob:")) errors.push("a request off the server: " + u);
  });
  return { name, ctx, page, errors, close: async () => { await ctx.close(); rmSync(dir, { recursive: true, force: true }); } };
}

async function test(b, name, fn) {
  const started = Date.now();
  try {
    await fn(b.page);
    passed++;
    results.push(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    results.push(`FAIL ${name}: ${e.stack || e}`);
  }
  try { await b.page.screenshot({ path: join(cfg.out, `${name}.png`), fullPage: true }); } catch (e) { results.push(`     (no screenshot: ${e})`); }
  console.log(results[results.length - 1]);
}

// axe: no serious or critical violation on the page as it is.
async function axe(page, what) {
  await page.evaluate(axeSource); // through DevTools: the page's CSP (script-src 'self') stays on
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `axe on ${what}: ` + bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`).join("; "));
  return r.violations.length;
}

async function signIn(page, app, secret) {
  await page.goto(cfg.base + "/ui/");
  check(new URL(page.url()).pathname === "/ui/login", `signed out, /ui/ went to ${page.url()}, want the sign-in page`);
  await page.getByLabel("Client id").fill(app);
  await page.getByLabel("Client secret").fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/ui/imports");
}

// The API, as a deploy script calls it: a JWT signed with the app's secret.
function token(app, secret) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const body = b64({ alg: "HS256", typ: "JWT" }) + "." + b64({ appId: app, sub: randomUUID(), jti: randomUUID(), iat: Math.floor(Date.now() / 1000) });
  return body + "." + createHmac("sha256", secret).update(body).digest("base64url");
}

async function api(method, path, body) {
  const res = await fetch(cfg.base + path, { method, body, headers: { auth: token(cfg.app, cfg.secret), ...(typeof body === "string" ? { "Content-Type": "application/json" } : {}) } });
  const text = await res.text();
  check(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function upload(file) {
  const form = new FormData();
  form.append("file", new Blob([readFileSync(file)]), basename(file));
  form.append("fileContext", "bulkImport");
  form.append("fileExtension", file.split(".").pop());
  return (await api("POST", "/api/public/uploadfile", form)).fileId;
}

// River UI's API, called from its own origin in the admin's page (as its
// page calls it).
async function queue(page, action) {
  const status = await page.evaluate(async (a) => (await fetch(`/ui/jobs/api/queues/default/${a}`, { method: "PUT" })).status, action);
  check(status < 300, `River UI ${action} of the queue answered ${status}`);
}

const a = await browserFor("a");
const other = await browserFor("b");
let liveBir = "";
try {
  await test(a, "01-sign-in", async (page) => {
    await page.goto(cfg.base + "/ui/login");
    await axe(page, "the sign-in page");
    // Keyboard: the first Tab reaches the skip link.
    await page.keyboard.press("Tab");
    check(await page.evaluate(() => document.activeElement?.className) === "skip", "the first Tab does not reach the skip link");
    await page.getByLabel("Client id").fill(cfg.app);
    await page.getByLabel("Client secret").fill("not-the-secret");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not right" }).waitFor();
    await signIn(page, cfg.app, cfg.secret);
    const cookies = await a.ctx.cookies(cfg.base + "/ui/imports"); // the cookie's path is /ui
    const sess = cookies.find((c) => c.name === "botport_session");
    check(sess && sess.httpOnly && sess.sameSite === "Strict", "session cookie: " + JSON.stringify(sess));
  });

  // The queue is paused now, seconds before the live import below is
  // accepted: River's producer has long taken the pause in by then, so the
  // import stays pending until the queue is resumed.
  await test(a, "02-jobs-pause", async (page) => {
    await page.goto(cfg.base + "/ui/jobs/queues");
    await page.getByText("default", { exact: true }).first().waitFor();
    await queue(page, "pause");
    await page.reload();
    await page.getByText(/paused/i).first().waitFor();
  });

  await test(a, "03-failed-import", async (page) => {
    await page.goto(cfg.base + "/ui/imports/" + cfg.failedImport);
    const where = page.locator("code.where", { hasText: cfg.failedWhere });
    await where.first().waitFor();
    const excerpt = page.locator("li.problem").filter({ has: where }).locator("pre.excerpt");
    const line = cfg.failedWhere.split(":")[1];
    await excerpt.locator(".ln.at .n", { hasText: line }).waitFor();
    check(await excerpt.locator(".ln").count() >= 3, "the excerpt has fewer than 3 lines");
    check(await excerpt.locator(".mark").count() === 1, "the excerpt marks no column");
    check(await page.locator(".timeline li.failure").count() === 1, "the timeline has no failed stage");
    await axe(page, "a failed import");
    const raw = await page.request.get(cfg.base + "/ui/imports/" + cfg.failedImport + "/document");
    check(raw.ok() && (await raw.json()).status === "failure", "raw status document");
  });

  await test(a, "04-diff", async (page) => {
    await page.goto(cfg.base + "/ui/bots/" + cfg.botId);
    await axe(page, "the bot page");
    await page.getByLabel("From version").selectOption("1");
    await page.getByLabel("To version").selectOption("2");
    await page.getByRole("button", { name: "Show the changes" }).click();
    await page.waitForURL("**/diff?from=1&to=2");
    const change = page.locator("li.change.changed", { hasText: cfg.changedDialog });
    await change.first().waitFor();
    check(await change.first().locator(".kind").textContent() === "dialog", "the change is not a dialog's");
    await axe(page, "the diff page");
    if (cfg.readme) await page.screenshot({ path: join(cfg.readme, "dashboard-diff.png") });
  });

  // While the queue is paused: an import cancelled from its row, then one
  // that goes from pending to success without a reload once it resumes.
  await test(a, "05-live-import", async (page) => {
    const newImport = async (name) => (await api("POST", "/api/public/bot/import", JSON.stringify({
      botDefinition: await upload(cfg.definition), configInfo: await upload(cfg.config), icon: await upload(cfg.icon), name })))._id;
    try {
      await page.goto(cfg.base + "/ui/imports");
      await page.locator("table[data-live]").waitFor();
      await page.waitForFunction(() => document.readyState === "complete");
      const doomed = await newImport("Cancelled import");
      const doomedRow = page.locator(`tr#row-${doomed}`);
      await doomedRow.locator(".badge.pending").waitFor(); // appeared without a reload
      await doomedRow.getByRole("button", { name: "Cancel import " + doomed }).click();
      await page.waitForURL("**/ui/imports");
      await doomedRow.locator(".badge.cancelled").waitFor();

      await page.waitForFunction(() => document.readyState === "complete");
      const nav = await page.evaluate(() => performance.getEntriesByType("navigation")[0].startTime + ":" + location.href);
      liveBir = await newImport("Live import");
      const row = page.locator(`tr#row-${liveBir}`);
      await row.locator(".badge.pending").waitFor(); // appeared without a reload
      await axe(page, "the imports page");
      await page.screenshot({ path: join(cfg.out, "05-live-import-pending.png"), fullPage: true });
      await queue(page, "resume");
      await row.locator(".badge.success").waitFor();
      check(await page.evaluate(() => performance.getEntriesByType("navigation")[0].startTime + ":" + location.href) === nav, "the page was reloaded");
      check(Number(await page.locator("table[data-live]").getAttribute("data-updates")) >= 2, "fewer than two live updates");
      check(await doomedRow.locator(".badge.cancelled").count() === 1, "the cancelled import's row changed");
      if (cfg.readme) await page.screenshot({ path: join(cfg.readme, "dashboard-imports.png") });
    } finally {
      await queue(page, "resume").catch(() => {}); // the tests after this one need the queue
    }
  });

  await test(a, "06-restore", async (page) => {
    await page.goto(cfg.base + "/ui/bots/" + cfg.botId);
    const hash = async (n) => (await page.locator(`tr#v${n} td[data-label=Content] code`).textContent()).trim();
    const v1 = await hash(1);
    check(v1 !== await hash(2), "versions 1 and 2 have the same content");
    check(await page.locator("tr#v2 .badge.published").count() === 1 && await page.locator(".badge.published").count() === 1,
      "version 2, and it alone, is not marked published");
    check(/import/.test(await page.locator("tr#v1 td[data-label='Created by']").textContent()), "version 1 does not say an import created it");
    await page.locator("tr#v1").getByRole("link", { name: "Restore…" }).click();
    await page.getByRole("heading", { name: /Restore version 1/ }).waitFor();
    await axe(page, "the restore confirmation");
    await page.getByRole("button", { name: "Restore version 1" }).click();
    await page.waitForURL(`**/ui/bots/${cfg.botId}#versions`);
    await page.locator("tr#v3 .badge.current").waitFor();
    check(/restore/.test(await page.locator("tr#v3 td[data-label='Created by']").textContent()), "version 3 does not say a restore created it");
    check(await page.locator("tr#v2 .badge.published").count() === 1, "the restore moved the published marker");
    check(await hash(3) === v1, "version 3 (the restore of 1) has another content than version 1");
    await page.getByRole("button", { name: "Export the current version" }).click();
    const link = page.locator("#download");
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    await download.saveAs(join(cfg.out, "restored-export.zip"));
  });

  await test(a, "07-pages-at-390px", async (page) => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, what] of [["/ui/imports", "imports"], ["/ui/bots", "bots"], ["/ui/imports/" + cfg.failedImport, "import"], ["/ui/bots/" + cfg.botId, "bot"]]) {
      await page.goto(cfg.base + path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      check(overflow <= 0, `${what} at 390 px scrolls sideways by ${overflow} px`);
      await axe(page, what + " at 390 px");
      await page.screenshot({ path: join(cfg.out, `07-${what}-390.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(cfg.base + "/ui/bots");
    await axe(page, "the bots page");
  });

  await test(other, "08-other-account", async (page) => {
    await signIn(page, cfg.otherApp, cfg.otherSecret);
    check(await page.locator("table[data-live] tbody tr").count() === 0, "account B sees imports");
    for (const path of ["/ui/imports/" + cfg.failedImport, "/ui/imports/" + liveBir, "/ui/bots/" + cfg.botId,
      `/ui/bots/${cfg.botId}/diff?from=1&to=2`, `/ui/bots/${cfg.botId}/restore?version=1`, "/ui/imports/" + cfg.failedImport + "/document"]) {
      const res = await page.goto(cfg.base + path);
      check(res.status() === 404, `account B got ${res.status()} for ${path}`);
    }
    await page.goto(cfg.base + "/ui/bots");
    check(await page.locator("table.rows").count() === 0, "account B sees bots");
    const stream = await page.evaluate(async (ids) => {
      const r = await fetch("/ui/imports/live?" + ids.map((id) => "watch=" + id).join("&"));
      return r.text(); // ends at once: none of them is B's
    }, [cfg.failedImport, liveBir]);
    check(!stream.includes("event: row"), "account B's stream sent A's rows: " + stream);
    const restore = await page.evaluate(async (bot) => {
      const csrf = document.querySelector("input[name=csrf]").value;
      const r = await fetch(`/ui/bots/${bot}/restore`, { method: "POST", body: new URLSearchParams({ csrf, version: "1" }) });
      return r.status;
    }, cfg.botId);
    check(restore === 404, `account B's restore of A's bot answered ${restore}`);
    const jobs = await page.goto(cfg.base + "/ui/jobs/");
    check(jobs.status() === 403, `a non-administrator got ${jobs.status()} for /ui/jobs/`);
    await page.goto(cfg.base + "/ui/imports");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/ui/login");
    const after = await page.goto(cfg.base + "/ui/imports");
    check(new URL(page.url()).pathname === "/ui/login" && after.ok(), "after sign-out, /ui/imports did not go to the sign-in page");
  });

  for (const b of [a, other]) {
    const errs = b.errors.filter((e) => !e.includes("Failed to load resource")); // 404s the tests ask for on purpose
    if (errs.length) { failed++; console.log(`FAIL ${b.name}: the browser reported errors: ${errs.join("; ")}`); }
  }
} finally {
  await a.close();
  await other.close();
}
writeFileSync(join(cfg.out, "results.txt"), results.join("\n") + "\n");
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
