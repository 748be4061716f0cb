// The page in a real browser: Debian's Chromium driven by playwright-core, against `sonavec serve` on
// 127.0.0.1 over a library of sox-made tones indexed with the golden model. Typing a query ranks results,
// dropping a file finds what sounds like it, play advances the audio element, the map draws every point,
// and a loop drawn around them exports them as M3U. SCREENSHOTS=DIR keeps a picture of each view.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const cli = process.env.SONAVEC_CLI;
const model = process.env.SONAVEC_GOLDEN_MODEL;
const browserPath = process.env.SONAVEC_CHROMIUM || "/usr/bin/chromium";
let dir, server, url, browser, page;
const tracks = 8;

before(async () => {
  assert.ok(cli && model, "SONAVEC_CLI and SONAVEC_GOLDEN_MODEL are needed");
  dir = mkdtempSync(join(tmpdir(), "sonavec-web-"));
  const music = join(dir, "music");
  for (const kind of ["kicks", "pads"]) mkdirSync(join(music, kind), { recursive: true });
  for (let i = 0; i < tracks / 2; i++) {
    execFileSync("sox", ["-n", "-r", "44100", "-c", "1", join(music, "kicks", `kick_${i}.wav`), "synth", "4", "sine", String(60 + 15 * i)]);
    execFileSync("sox", ["-n", "-r", "44100", "-c", "1", join(music, "pads", `pad_${i}.wav`), "synth", "4", "sine", String(900 + 200 * i)]);
  }
  execFileSync(cli, ["index", "--quiet", "--model", model, "--library", join(dir, "lib"), music]);
  server = spawn(cli, ["serve", "--quiet", "--port", "0", "--library", join(dir, "lib"), "--model", model], { stdio: ["ignore", "pipe", "inherit"] });
  url = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error("serve exited with " + code)));
    setTimeout(() => reject(new Error("serve did not start: " + out)), 30000);
  });
  browser = await chromium.launch({ executablePath: browserPath, args: ["--autoplay-policy=no-user-gesture-required", "--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on("pageerror", (e) => { throw e; });
  await page.goto(url + "/");
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function screenshot(name) {
  if (process.env.SCREENSHOTS) await page.screenshot({ path: join(process.env.SCREENSHOTS, name + ".png") });
}

test("typing a query shows ranked results", async () => {
  await page.fill("#q", "a low tone");
  await page.press("#q", "Enter");
  await page.waitForSelector("#results li");
  const scores = await page.$$eval("#results li .score", (els) => els.map((e) => Number(e.textContent)));
  assert.equal(scores.length, tracks);
  for (let i = 1; i < scores.length; i++) assert.ok(scores[i] <= scores[i - 1], "best first");
  const names = await page.$$eval("#results li .name", (els) => els.map((e) => e.textContent));
  assert.ok(names.every((n) => /^(kick|pad)_\d\.wav$/.test(n)), names.join(","));
  // Words alone: the names decide.
  await page.selectOption("#mode", "text");
  await page.fill("#q", "pad");
  await page.press("#q", "Enter");
  await page.waitForFunction(() => [...document.querySelectorAll("#results li .name")].every((e) => e.textContent.startsWith("pad")));
  assert.equal(await page.$$eval("#results li", (els) => els.length), tracks / 2);
  await page.selectOption("#mode", "audio");
  await page.fill("#q", "a low tone");
  await page.press("#q", "Enter");
  await page.waitForFunction((n) => document.querySelectorAll("#results li").length === n, tracks);
  await screenshot("search");
});

test("dropping a file finds what sounds like it", async () => {
  const bytes = readFileSync(join(dir, "music", "pads", "pad_2.wav")).toString("base64");
  const dt = await page.evaluateHandle((b64) => {
    const t = new DataTransfer();
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    t.items.add(new File([raw], "reference.wav", { type: "audio/wav" }));
    return t;
  }, bytes);
  await page.dispatchEvent("body", "drop", { dataTransfer: dt });
  await page.waitForFunction(() => document.querySelector("#result-title").textContent.includes("reference.wav"));
  const first = await page.$eval("#results li .name", (e) => e.textContent);
  assert.equal(first, "pad_2.wav");  // the same sound, not stored, comes first
});

test("play advances the audio element", async () => {
  await page.click("#results li .play");
  await page.waitForFunction(() => document.getElementById("player").currentTime > 0.3, null, { timeout: 15000 });
  const t = await page.$eval("#player", (p) => p.currentTime);
  assert.ok(t > 0.3);
  await page.$eval("#player", (p) => p.pause());
});

test("the map draws every point and a loop exports them as M3U", async () => {
  await page.click('nav button[data-view="map"]');
  await page.waitForFunction((n) => document.getElementById("map").dataset.points === String(n), tracks);
  await screenshot("map");
  const box = await page.$eval("#map", (c) => { const b = c.getBoundingClientRect(); return { x: b.left, y: b.top, w: b.width, h: b.height }; });
  // A loop just inside the canvas's edges holds every point (they are drawn within 94 % of it).
  const pts = [[0.01, 0.01], [0.99, 0.01], [0.99, 0.99], [0.01, 0.99], [0.01, 0.02]];
  await page.mouse.move(box.x + pts[0][0] * box.w, box.y + pts[0][1] * box.h);
  await page.mouse.down();
  for (const [fx, fy] of pts.slice(1)) await page.mouse.move(box.x + fx * box.w, box.y + fy * box.h, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction((n) => document.getElementById("lasso-m3u").dataset.tracks === String(n), tracks);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#lasso-m3u")]);
  const file = join(dir, "selection.m3u8");
  await download.saveAs(file);
  const text = readFileSync(file, "utf8");
  assert.ok(text.startsWith("#EXTM3U\n"));
  assert.equal(text.split("\n").filter((l) => l.endsWith(".wav") && !l.startsWith("#")).length, tracks);
  // Coloured by folder: the legend names both folders, and the points are drawn again.
  await page.selectOption("#map-colour", "folder");
  await page.waitForFunction(() => /kicks \(4\)/.test(document.getElementById("map-legend").textContent));
  assert.match(await page.textContent("#map-legend"), /pads \(4\)/);
  assert.equal(await page.$eval("#map", (c) => c.dataset.points), String(tracks));
});

test("the duplicates view lists groups", async () => {
  await page.click('nav button[data-view="duplicates"]');
  await page.waitForFunction(() => !document.getElementById("duplicates").textContent.includes("loading"));
  const text = await page.$eval("#duplicates", (e) => e.textContent);
  assert.ok(/No duplicates among \d+ tracks|keep/.test(text), text);
  await screenshot("duplicates");
});
