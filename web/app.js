// sonavec's page: search (words, filters, a dropped file), results with play buttons, "more / less like
// this" through recommend, an M3U of any list, the map (canvas: hover to hear, loop to select) and the
// duplicate groups. Everything goes through the JSON API (/api/openapi.json); nothing leaves the machine.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const headers = token ? { Authorization: "Bearer " + token } : {};
const $ = (id) => document.getElementById(id);
const player = $("player");
const state = { results: [], selected: -1, playing: null, like: [], unlike: [], title: "" };

async function api(path, options = {}) {
  const r = await fetch(path, { ...options, headers: { ...headers, ...(options.headers || {}) } });
  const body = await r.json().catch(() => ({ error: "the server's answer was not JSON" }));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function audioUrl(id) { return "/api/tracks/" + id + "/audio" + (token ? "?token=" + encodeURIComponent(token) : ""); }
function status(text) { $("status").textContent = text; }
function baseName(path) { return path.split("/").pop(); }
function seconds(s) { const m = Math.floor(s / 60); return m + ":" + String(Math.round(s % 60)).padStart(2, "0"); }

function filterParams() {
  const p = new URLSearchParams();
  for (const id of ["min_seconds", "max_seconds", "min_bpm", "max_bpm", "key", "format", "path"]) {
    const v = $(id).value.trim();
    if (v) p.set(id, v);
  }
  const where = $("where").value.trim();
  if (where) p.set("where", where);
  return p;
}

function m3u(tracks) {
  let text = "#EXTM3U\n";
  for (const t of tracks) text += "#EXTINF:" + Math.round(t.duration_seconds || -1) + "," + baseName(t.path) + "\n" + t.path + "\n";
  return URL.createObjectURL(new Blob([text], { type: "audio/x-mpegurl" }));
}

function showResults(results, title) {
  state.results = results;
  state.selected = results.length ? 0 : -1;
  state.title = title;
  const list = $("results");
  list.replaceChildren();
  results.forEach((t, i) => {
    const li = document.createElement("li");
    li.dataset.id = t.id;
    const play = document.createElement("button");
    play.className = "play";
    play.title = "play";
    play.textContent = "▶";
    play.onclick = () => toggle(i);
    const score = document.createElement("span");
    score.className = "score";
    score.textContent = (t.fused ? t.fused : t.score).toFixed(3);
    const info = document.createElement("div");
    const name = document.createElement("div");
    name.className = "name";
    name.textContent = baseName(t.path);
    const meta = document.createElement("div");
    meta.className = "meta";
    const bits = [seconds(t.duration_seconds), t.format];
    if (t.descriptors && t.descriptors.bpm) bits.push(Math.round(t.descriptors.bpm) + " BPM");
    if (t.descriptors && t.descriptors.key) bits.push(t.descriptors.key);
    meta.textContent = bits.filter(Boolean).join(" · ") + "  " + t.path;
    info.append(name, meta);
    for (const [k, v] of Object.entries(t.tags || {})) if (["genre", "artist", "title"].includes(k)) info.append(tag(k + ": " + v));
    for (const [tax, labels] of Object.entries(t.inferred || {})) for (const l of labels.slice(0, 2)) info.append(tag(l.label));
    const actions = document.createElement("div");
    actions.className = "actions";
    const more = document.createElement("button");
    more.textContent = "more like this";
    more.onclick = () => feedback(t.id, true);
    const less = document.createElement("button");
    less.textContent = "less like this";
    less.onclick = () => feedback(t.id, false);
    actions.append(more, " ", less);
    li.append(play, score, info, actions);
    li.onclick = (e) => { if (e.target.tagName !== "BUTTON") select(i); };
    list.append(li);
  });
  $("result-bar").hidden = !results.length;
  $("result-title").textContent = results.length + " results " + title;
  $("m3u").href = results.length ? m3u(results) : "#";
  select(state.selected);
}

function tag(text) { const s = document.createElement("span"); s.className = "tag"; s.textContent = text; return s; }

function select(i) {
  const items = $("results").children;
  for (const li of items) li.classList.remove("selected");
  state.selected = i;
  if (i >= 0 && items[i]) { items[i].classList.add("selected"); items[i].scrollIntoView({ block: "nearest" }); }
}

function toggle(i) {
  const t = state.results[i];
  if (!t) return;
  const items = $("results").children;
  if (state.playing === t.id && !player.paused) { player.pause(); return; }
  for (const li of items) li.classList.remove("playing");
  player.src = audioUrl(t.id);
  player.play().catch((e) => status("cannot play: " + e.message));
  state.playing = t.id;
  items[i].classList.add("playing");
}

async function search(e) {
  if (e) e.preventDefault();
  const q = $("q").value.trim();
  if (!q) return;
  const p = filterParams();
  p.set("q", q);
  p.set("k", "30");
  p.set("mode", $("mode").value);
  status("searching…");
  try {
    state.like = []; state.unlike = [];
    showResults(await api("/api/search?" + p), "for “" + q + "”");
    status("");
  } catch (err) { status(err.message); }
}

async function feedback(id, liked) {
  (liked ? state.like : state.unlike).push(id);
  if (!state.like.length) state.like.push(...state.results.slice(0, 1).map((t) => t.id));
  status("recommending…");
  try {
    const r = await api("/api/recommend", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ like: state.like, unlike: state.unlike, k: 30 }) });
    showResults(r, "like " + state.like.length + ", unlike " + state.unlike.length);
    status("");
  } catch (err) { status(err.message); }
}

async function searchFile(file) {
  status("listening to " + file.name + "…");
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    showResults(await api("/api/similar?k=30&" + filterParams(), { method: "POST", body: form }), "like " + file.name);
    status("");
  } catch (err) { status(err.message); }
}

// Dropping a file anywhere.
let dragDepth = 0;
addEventListener("dragenter", (e) => { e.preventDefault(); dragDepth++; $("drop").hidden = false; });
addEventListener("dragleave", () => { if (--dragDepth <= 0) { dragDepth = 0; $("drop").hidden = true; } });
addEventListener("dragover", (e) => e.preventDefault());
addEventListener("drop", (e) => {
  e.preventDefault();
  dragDepth = 0;
  $("drop").hidden = true;
  showView("search");
  const file = e.dataTransfer && e.dataTransfer.files[0];
  if (file) searchFile(file);
});

// Keyboard: / search, j/k or arrows move, space plays, m / l more or less like this.
addEventListener("keydown", (e) => {
  if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") {
    if (e.key === "Escape") e.target.blur();
    return;
  }
  const n = state.results.length;
  if (e.key === "/") { e.preventDefault(); $("q").focus(); }
  else if ((e.key === "j" || e.key === "ArrowDown") && n) { e.preventDefault(); select(Math.min(n - 1, state.selected + 1)); }
  else if ((e.key === "k" || e.key === "ArrowUp") && n) { e.preventDefault(); select(Math.max(0, state.selected - 1)); }
  else if (e.key === " " && state.selected >= 0) { e.preventDefault(); toggle(state.selected); }
  else if (e.key === "m" && state.selected >= 0) feedback(state.results[state.selected].id, true);
  else if (e.key === "l" && state.selected >= 0) feedback(state.results[state.selected].id, false);
});

// Views.
function showView(name) {
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b.dataset.view === name);
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== "view-" + name;
  if (name === "map") loadMap();
  if (name === "duplicates") loadDuplicates();
}
for (const b of document.querySelectorAll("nav button")) b.onclick = () => showView(b.dataset.view);

// The map: points from /api/map coloured by cluster, folder or a taxonomy's tag; hover plays the nearest,
// a drawn loop selects. The points are drawn once into an offscreen canvas (again only on a resize or a new
// colouring), so that hovering and drawing a loop over 100,000 points copy one bitmap per frame; the
// nearest point is found through a grid of 16 px cells, not by a scan.
const palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#17becf", "#8c564b", "#bcbd22"];
const cell = 16;
const map = { points: [], colour: null, loaded: false, by: "cluster", screen: null, ids: null, grid: null, gridW: 0,
              layer: null, size: "", lasso: null, hover: null, frame: 0, drawn: 0, drawMs: 0, frameMs: 0 };

async function mapColourChoices() {
  const pick = $("map-colour");
  try {
    const s = await api("/api/stats");
    for (const name of Object.keys(s.taxonomies || {})) {
      const o = document.createElement("option");
      o.value = o.textContent = name;
      pick.append(o);
    }
  } catch (err) { /* cluster and folder remain */ }
}
$("map-colour").addEventListener("change", () => { map.by = $("map-colour").value; loadColours(); });

async function loadMap() {
  if (map.loaded) { drawMap(); return; }
  status("loading the map…");
  try {
    const [m] = await Promise.all([api("/api/map"), mapColourChoices()]);
    map.points = m.points;
    map.loaded = true;
    map.size = "";
    drawMap();
    status(m.points.length + " tracks");
    loadColours();
  } catch (err) { status(err.message); }
}

async function loadColours() {
  const legend = $("map-legend");
  try {
    // As many clusters as the palette has colours: choosing k by silhouette takes minutes on 100,000.
    const c = await api("/api/map?colour=" + encodeURIComponent(map.by) + (map.by === "cluster" ? "&k=" + palette.length : ""));
    map.colour = c.colour;
    legend.replaceChildren();
    c.categories.slice(0, palette.length).forEach((name, i) => {
      const s = document.createElement("span");
      const dot = document.createElement("i");
      dot.style.background = palette[i];  // through the CSSOM: the page's policy allows no inline style
      s.append(dot, name + " (" + c.category_sizes[i] + ")");
      legend.append(s);
    });
    if (c.categories.length > palette.length) legend.append("and " + (c.categories.length - palette.length) + " more (grey)");
  } catch (err) {
    map.colour = null;
    legend.textContent = err.message;
  }
  map.size = "";
  drawMap();
}

// Screen positions, the hover grid and the offscreen layer, for this canvas size and colouring.
function layOut(w, h, dpr) {
  const n = map.points.length;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const [, x, y] of map.points) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  const s = 0.94 * Math.min(w / Math.max(x1 - x0, 1e-9), h / Math.max(y1 - y0, 1e-9));
  map.screen = new Float32Array(2 * n);
  map.ids = new Float64Array(n);
  map.gridW = Math.ceil(w / cell) + 1;
  const gh = Math.ceil(h / cell) + 1;
  const counts = new Uint32Array(map.gridW * gh + 1);
  const cellOf = new Uint32Array(n);
  map.points.forEach(([id, x, y], i) => {
    const sx = w / 2 + (x - (x0 + x1) / 2) * s, sy = h / 2 - (y - (y0 + y1) / 2) * s;
    map.screen[2 * i] = sx;
    map.screen[2 * i + 1] = sy;
    map.ids[i] = id;
    cellOf[i] = Math.floor(sy / cell) * map.gridW + Math.floor(sx / cell);
    counts[cellOf[i] + 1]++;
  });
  for (let c = 1; c < counts.length; c++) counts[c] += counts[c - 1];  // each cell's first slot
  map.grid = { start: counts.slice(), members: new Uint32Array(n) };
  const next = counts.slice();
  for (let i = 0; i < n; i++) map.grid.members[next[cellOf[i]]++] = i;

  const layer = document.createElement("canvas");
  layer.width = w * dpr;
  layer.height = h * dpr;
  const g = layer.getContext("2d");
  g.scale(dpr, dpr);
  const r = Math.max(1, Math.min(4, 180 / Math.sqrt(n)));
  const groups = new Map();
  for (let i = 0; i < n; i++) {
    const k = map.colour && map.colour[i] >= 0 ? map.colour[i] : -1;
    const c = k >= 0 && k < palette.length ? palette[k] : "#9a9a9a";
    if (!groups.has(c)) groups.set(c, []);
    groups.get(c).push(i);
  }
  g.globalAlpha = 0.75;
  for (const [c, members] of groups) {
    g.fillStyle = c;
    if (r <= 1.5) {  // squares: small dots look the same, and cost a fraction of arcs
      for (const i of members) g.fillRect(map.screen[2 * i] - r, map.screen[2 * i + 1] - r, 2 * r, 2 * r);
      continue;
    }
    g.beginPath();
    for (const i of members) { const x = map.screen[2 * i], y = map.screen[2 * i + 1]; g.moveTo(x + r, y); g.arc(x, y, r, 0, 2 * Math.PI); }
    g.fill();
  }
  map.layer = layer;
}

function drawMap() {
  const t0 = performance.now();
  const canvas = $("map");
  const dpr = devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== w * dpr || canvas.height !== h * dpr) { canvas.width = w * dpr; canvas.height = h * dpr; }
  const g = canvas.getContext("2d");
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (!map.points.length) return;
  const size = w + "x" + h + "@" + dpr;
  if (map.size !== size) {
    layOut(w, h, dpr);
    map.size = size;
    map.drawMs = performance.now() - t0;
  }
  g.drawImage(map.layer, 0, 0);
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (map.lasso && map.lasso.length > 1) {
    g.strokeStyle = "#1d232b";
    g.setLineDash([4, 3]);
    g.beginPath();
    map.lasso.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y)));
    g.closePath();
    g.stroke();
    g.setLineDash([]);
  }
  map.drawn = map.points.length;
  canvas.dataset.points = String(map.drawn);
  map.frameMs = performance.now() - t0;
  canvas.dataset.frameMs = map.frameMs.toFixed(2);
  canvas.dataset.layoutMs = map.drawMs.toFixed(1);
}

// One redraw per animation frame, however many mouse events arrive.
function redrawSoon() {
  if (map.frame) return;
  map.frame = requestAnimationFrame(() => { map.frame = 0; drawMap(); });
}

function nearestPoint(x, y) {
  if (!map.grid) return null;
  let best = null, bestD = 64;  // within 8 px
  const cx = Math.floor(x / cell), cy = Math.floor(y / cell);
  for (let gy = cy - 1; gy <= cy + 1; gy++) {
    for (let gx = cx - 1; gx <= cx + 1; gx++) {
      if (gx < 0 || gy < 0 || gx >= map.gridW) continue;
      const c = gy * map.gridW + gx;
      if (c + 1 >= map.grid.start.length) continue;
      for (let s = map.grid.start[c]; s < map.grid.start[c + 1]; s++) {
        const i = map.grid.members[s];
        const d = (map.screen[2 * i] - x) ** 2 + (map.screen[2 * i + 1] - y) ** 2;
        if (d < bestD) { bestD = d; best = map.ids[i]; }
      }
    }
  }
  return best;
}

function inside(poly, x, y) {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

function canvasPoint(e) { const b = $("map").getBoundingClientRect(); return [e.clientX - b.left, e.clientY - b.top]; }

$("map").addEventListener("mousedown", (e) => { map.lasso = [canvasPoint(e)]; });
$("map").addEventListener("mousemove", (e) => {
  const [x, y] = canvasPoint(e);
  if (map.lasso) { map.lasso.push([x, y]); redrawSoon(); return; }
  const best = nearestPoint(x, y);
  if (best !== null && best !== map.hover) {
    map.hover = best;
    player.src = audioUrl(best);
    player.play().catch(() => {});
  }
});
addEventListener("mouseup", async () => {
  if (!map.lasso) return;
  const poly = map.lasso;
  map.lasso = null;
  if (poly.length < 3) { drawMap(); return; }
  const ids = [];
  for (let i = 0; i < map.points.length; i++) if (inside(poly, map.screen[2 * i], map.screen[2 * i + 1])) ids.push(map.ids[i]);
  drawMap();
  $("lasso-bar").hidden = false;
  $("lasso-count").textContent = ids.length + " tracks selected";
  const tracks = await api("/api/tracks", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ids }) });
  $("lasso-m3u").href = m3u(tracks);
  $("lasso-m3u").dataset.tracks = String(tracks.length);
});
addEventListener("resize", () => { if (!$("view-map").hidden) drawMap(); });

async function loadDuplicates() {
  const box = $("duplicates");
  box.textContent = "loading…";
  try {
    const r = await api("/api/duplicates");
    box.replaceChildren();
    if (!r.groups.length) box.textContent = "No duplicates among " + r.tracks + " tracks.";
    for (const g of r.groups) {
      const div = document.createElement("div");
      div.className = "group";
      const h = document.createElement("h3");
      h.textContent = g.tier + " (" + g.members.length + ")";
      div.append(h);
      for (const m of g.members) {
        const line = document.createElement("div");
        line.textContent = (m.keep ? "keep  " : "      ") + m.path + "  " + m.score.toFixed(3);
        if (m.keep) line.className = "keep";
        div.append(line);
      }
      box.append(div);
    }
  } catch (err) { box.textContent = err.message; }
}

$("search-form").addEventListener("submit", search);
api("/api/health").then((h) => status(h.model ? "" : "no model loaded: searching names and tags")).catch((e) => status(e.message));
