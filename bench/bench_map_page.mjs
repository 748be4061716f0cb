// The web page's map on a large library (issue 14): how long the map takes to appear, and what a frame
// costs while a loop is drawn and while the pointer hovers, in Debian's Chromium through playwright-core.
// The peer, in the same page and run: the same points drawn directly each frame, one arc per point in
// one path per colour (the page's first way of drawing, before the offscreen layer).
//
// usage: node bench/bench_map_page.mjs LIBRARY [--cli build/sonavec] [--moves 120] [--screenshot FILE.png]
//   LIBRARY: a library with a stored map (`sonavec map --library LIBRARY` first: the server lays out only
//   tracks that are not on it). Run from the repository root after `npm ci` in web/.
import { spawn } from "node:child_process";
import { chromium } from "../web/node_modules/playwright-core/index.mjs";

const args = process.argv.slice(2);
const library = args[0];
const opt = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const cli = opt("--cli", "build/sonavec");
const moves = Number(opt("--moves", "120"));
const screenshot = opt("--screenshot", "");
if (!library) { console.error("usage: node bench/bench_map_page.mjs LIBRARY [--cli PATH] [--moves N]"); process.exit(2); }

const note = (what) => process.stderr.write(what + "\n");
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const p95 = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(0.95 * s.length))]; };

const server = spawn(cli, ["serve", "--quiet", "--port", "0", "--library", library], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((resolve, reject) => {
  let out = "";
  server.stdout.on("data", (d) => { out += d; const m = out.match(/listening on (http:\/\/\S+)/); if (m) resolve(m[1]); });
  server.on("exit", (code) => reject(new Error("serve exited with " + code)));
});
const browser = await chromium.launch({ executablePath: process.env.SONAVEC_CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on("pageerror", (e) => note("page error: " + e.message));
  await page.goto(url + "/");
  const t0 = Date.now();
  await page.click('nav button[data-view="map"]');
  await page.waitForFunction(() => Number(document.getElementById("map").dataset.points) > 0, null, { timeout: 600000 });
  const firstDraw = Date.now() - t0;
  note("drawn");
  const n = Number(await page.$eval("#map", (c) => c.dataset.points));
  await page.waitForFunction(() => document.getElementById("map-legend").children.length > 0, null, { timeout: 600000 });
  const coloured = Date.now() - t0;
  note("coloured");
  const layoutMs = Number(await page.$eval("#map", (c) => c.dataset.layoutMs));
  if (screenshot) await page.screenshot({ path: screenshot });  // the coloured map, before any loop

  // Frames while a loop is drawn: the page redraws once per animation frame; its own time per redraw
  // (canvas.dataset.frameMs) and the interval between frames the browser managed.
  const box = await page.$eval("#map", (c) => { const b = c.getBoundingClientRect(); return { x: b.left, y: b.top, w: b.width, h: b.height }; });
  await page.evaluate(() => {
    window.frames_ = [];
    window.intervals_ = [];
    let last = performance.now();
    const tick = (t) => { window.intervals_.push(t - last); last = t; if (window.frames_) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    new MutationObserver(() => window.frames_.push(Number(document.getElementById("map").dataset.frameMs)))
      .observe(document.getElementById("map"), { attributes: true, attributeFilter: ["data-frame-ms"] });
  });
  await page.mouse.move(box.x + 0.2 * box.w, box.y + 0.2 * box.h);
  await page.mouse.down();
  for (let i = 0; i < moves; i++) {
    const a = (2 * Math.PI * i) / moves;
    await page.mouse.move(box.x + box.w * (0.5 + 0.3 * Math.cos(a)), box.y + box.h * (0.5 + 0.3 * Math.sin(a)));
  }
  const loop = await page.evaluate(() => ({ frames: window.frames_.slice(), intervals: window.intervals_.slice(1) }));
  note("loop drawn");
  await page.mouse.up();
  await page.waitForFunction(() => !!document.getElementById("lasso-m3u").dataset.tracks, null, { timeout: 120000 });
  const selected = await page.textContent("#lasso-count");
  note("selection exported");

  // Hover: the nearest point through the grid, timed in the page at the pointer's positions.
  const hover = await page.evaluate((m) => {
    const c = document.getElementById("map"), w = c.clientWidth, h = c.clientHeight, out = [];
    for (let i = 0; i < m; i++) {
      const t = performance.now();
      nearestPoint(((i * 37) % 100) / 100 * w, ((i * 61) % 100) / 100 * h);
      out.push(performance.now() - t);
    }
    return out;
  }, moves);

  // The peer: every point drawn straight onto the canvas, as a frame did before the offscreen layer.
  const direct = await page.evaluate((reps) => {
    const c = document.getElementById("map"), g = c.getContext("2d"), out = [];
    const r = Math.max(1, Math.min(4, 180 / Math.sqrt(map.points.length)));
    for (let k = 0; k < reps; k++) {
      const t = performance.now();
      g.clearRect(0, 0, c.width, c.height);
      const groups = new Map();
      for (let i = 0; i < map.points.length; i++) {
        const key = map.colour && map.colour[i] >= 0 ? map.colour[i] % palette.length : -1;
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(i);
      }
      for (const [key, members] of groups) {
        g.fillStyle = key >= 0 ? palette[key] : "#9a9a9a";
        g.beginPath();
        for (const i of members) { const x = map.screen[2 * i], y = map.screen[2 * i + 1]; g.moveTo(x + r, y); g.arc(x, y, r, 0, 2 * Math.PI); }
        g.fill();
      }
      g.getImageData(0, 0, 1, 1);  // waits for the drawing to finish
      out.push(performance.now() - t);
    }
    return out;
  }, 10);
  await page.evaluate(() => drawMap());

  console.log(`map of ${n} points (${url}); Chromium ${browser.version()}`);
  console.log(`  first draw (points, grey) ${firstDraw} ms after the click; coloured by cluster ${coloured} ms; one layout of the layer ${layoutMs.toFixed(0)} ms`);
  console.log(`  drawing a loop: ${loop.frames.length} redraws for ${moves} pointer moves, page time per redraw median ${median(loop.frames).toFixed(2)} ms, p95 ${p95(loop.frames).toFixed(2)} ms; frame interval median ${median(loop.intervals).toFixed(1)} ms, p95 ${p95(loop.intervals).toFixed(1)} ms; ${selected}`);
  console.log(`  hover: nearest point median ${(1000 * median(hover)).toFixed(0)} us, p95 ${(1000 * p95(hover)).toFixed(0)} us`);
  console.log(`  peer, every point drawn straight each frame (arcs): median ${median(direct).toFixed(1)} ms, p95 ${p95(direct).toFixed(1)} ms`);
} finally {
  await browser.close();
  server.kill("SIGTERM");
}
