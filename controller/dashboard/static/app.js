/* waterpatrol live operations map. Plain browser JavaScript over Leaflet (bundled, no network).
 *
 * /api/map once (the site), then /api/stream: server-sent `state` messages, the whole state first
 * (`full`), then only what changed. The stream is reopened by itself whenever it breaks, so the page
 * recovers when the controller (or a standalone dashboard) restarts. The only command this page can
 * send is one drone's abort, after the operator confirms it.
 */
"use strict";

const COLOURS = ["#4da3ff", "#ff8a3d", "#c77dff", "#3ddc84", "#ffd23f", "#ff5d8f", "#5ee7ff", "#b8f35d"];
const KINDS = {
  fishing_net: "Fishing net", fishing_boat: "Fishing boat", swimmer: "Swimmer", waste_pile: "Waste pile",
  muck_truck: "Muck truck", floating_debris: "Floating debris",
};
const KIND_COLOURS = {
  fishing_net: "#ff4d4f", fishing_boat: "#ff8a3d", swimmer: "#ffd23f", waste_pile: "#c77dff",
  muck_truck: "#b07d4f", floating_debris: "#5ee7ff",
};
// names always shown, in a pane under the drones and findings
const PERMANENT = { className: "place-label", permanent: true, direction: "center", pane: "labels" };

const S = {               // everything the page knows
  site: null, drones: {}, sorties: [], routes: {}, tracks: {}, tickets: [], counts: null, events: [],
  lastMessage: 0, selected: null, first: true,
};
const L_ = {              // map layers
  map: null, drones: {}, tracks: {}, routes: {}, tickets: {}, base: null,
};

const $ = (id) => document.getElementById(id);
const colour = (drone) => COLOURS[(drone - 1) % COLOURS.length];
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function fmtTime(t) {  // seconds since the epoch, or an ISO string -> site-local clock time
  if (t === null || t === undefined) return "-";
  const d = typeof t === "number" ? new Date(t * 1000) : new Date(t);
  try {
    return d.toLocaleTimeString("en-GB", { timeZone: S.site ? S.site.timezone : undefined, hour12: false });
  } catch (e) { return d.toLocaleTimeString("en-GB", { hour12: false }); }
}
function fmt(x, digits, unit) { return x === null || x === undefined ? "-" : x.toFixed(digits) + (unit || ""); }
function toast(text) {
  const t = $("toast");
  t.textContent = text; t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 6000);
}

/* ---- the map ------------------------------------------------------------------------------------ */

function initMap(site) {
  const map = L.map("map", { zoomSnap: 0.25, attributionControl: !!site.background });
  map.setView(site.home, 16);  // a view before any layer: vector layers added to a map without one cannot clip
  map.createPane("labels").style.zIndex = 450;
  L_.map = map;
  const bg = site.background;
  if (bg && bg.kind === "tiles") {
    L.tileLayer("/map/tiles/{z}/{x}/{y}", { maxZoom: bg.max_zoom, attribution: bg.attribution }).addTo(map);
  } else if (bg && bg.kind === "image") {
    L.imageOverlay("/map/image", bg.bounds, { attribution: bg.attribution }).addTo(map);
  }
  const all = L.featureGroup(), labels = [];
  const base = L.geoJSON(site.layers, {
    filter: (f) => f.properties.kind === "area" || (f.properties.kind === "no_fly" && f.geometry.type !== "Point"),
    style: (f) => f.properties.kind === "area"
      ? { color: "#5fa8ff", weight: 2, fillColor: "#1d4e89", fillOpacity: bg ? 0.25 : 0.55 }
      : { color: "#ff4d4f", weight: 2, dashArray: "6 4", fillColor: "#ff4d4f", fillOpacity: 0.15 },
    onEachFeature: (f, layer) => {
      if (f.properties.kind === "no_fly") layer.bindTooltip("NO-FLY " + f.properties.name, PERMANENT);
    },
  }).addTo(all);
  for (const f of site.layers.features) {
    const p = f.properties, c = f.geometry.coordinates;
    if (f.geometry.type !== "Point") continue;
    const ll = [c[1], c[0]];
    if (p.kind === "no_fly") {
      L.circle(ll, { radius: p.radius_m, color: "#ff4d4f", weight: 2, dashArray: "6 4", fillOpacity: 0.15 })
        .bindTooltip("NO-FLY " + p.name, PERMANENT).addTo(all);
    } else if (p.kind === "hotspot") {
      L.circle(ll, { radius: p.radius_m, color: "#ffb020", weight: 2, fill: false, dashArray: "2 5" }).addTo(all);
      labels.push(L.tooltip({ ...PERMANENT, direction: "top" })   // above the ring, clear of what is found inside
        .setLatLng([ll[0] + p.radius_m / 111195, ll[1]]).setContent(p.name + " · " + p.hotspot_kind + ", " + p.priority));
    } else if (p.kind === "home") {
      L.marker(ll, { icon: L.divIcon({ className: "home-icon", html: "H", iconSize: [22, 22] }), keyboard: false })
        .bindTooltip("Home / dock", { className: "place-label" }).addTo(all);
    }
  }
  all.addTo(map);
  labels.forEach((t) => t.addTo(map));
  L_.base = all;
  const b = all.getBounds();
  if (b.isValid()) map.fitBounds(b.pad(0.05));
  L.control.scale({ imperial: false }).addTo(map);
}

function droneIcon(d) {
  const c = colour(d.drone);
  const lost = d.link_ok === false || d.stale;
  const svg = `<svg width="28" height="28" viewBox="-14 -14 28 28" style="transform: rotate(${d.heading_deg || 0}deg)">
    <path d="M0,-13 L9,10 L0,5 L-9,10 Z" fill="${lost ? "#777" : c}" stroke="#fff" stroke-width="2"/></svg>`;
  const label = `<span class="drone-label">${d.drone}${d.alt_m !== null && d.alt_m !== undefined ? " · " + Math.round(d.alt_m) + " m" : ""}</span>`;
  return L.divIcon({ className: "drone-icon drone-marker", html: svg + label, iconSize: [28, 28], iconAnchor: [14, 14] });
}

function drawDrone(d) {
  if (d.lat === null || d.lat === undefined) return;
  let m = L_.drones[d.drone];
  if (!m) {
    m = L.marker([d.lat, d.lon], { icon: droneIcon(d), zIndexOffset: 1000, keyboard: false }).addTo(L_.map);
    L_.drones[d.drone] = m;
  } else {
    m.setLatLng([d.lat, d.lon]);
    m.setIcon(droneIcon(d));
  }
  const e = m.getElement();
  if (e) e.dataset.drone = d.drone;
}

function drawTrack(drone) {
  const pts = (S.tracks[drone] || []).map((p) => [p[0], p[1]]);
  if (!L_.tracks[drone]) {
    L_.tracks[drone] = L.polyline(pts, { color: colour(drone), weight: 3, opacity: 0.9 }).addTo(L_.map);
  } else {
    L_.tracks[drone].setLatLngs(pts);
  }
}

function drawRoutes() {
  const progress = {};
  for (const d of Object.values(S.drones)) if (d.sortie) progress[d.sortie] = d.item;
  for (const s of S.sorties) {
    const pts = S.routes[s.id];
    if (!pts) continue;
    const old = L_.routes[s.id];
    if (old) { old.forEach((l) => L_.map.removeLayer(l)); }
    const c = colour(s.drone);
    const layers = [];
    if (s.status === "flying") {
      const cur = progress[s.id] !== undefined && progress[s.id] !== null ? progress[s.id] : (s.last_reached || 0) + 1;
      const cut = Math.max(1, pts.findIndex((p) => p[2] >= cur));
      const done = cut > 0 ? pts.slice(0, cut) : [];
      const rest = pts.slice(Math.max(0, cut - 1));
      if (done.length > 1) layers.push(L.polyline(done.map((p) => [p[0], p[1]]), { color: c, weight: 2, opacity: 0.35 }));
      layers.push(L.polyline(rest.map((p) => [p[0], p[1]]), { color: c, weight: 2.5, opacity: 0.85, dashArray: "8 6" }));
    } else if (s.status === "pending") {
      layers.push(L.polyline(pts.map((p) => [p[0], p[1]]), { color: c, weight: 2, opacity: 0.45, dashArray: "3 7" }));
    } else {
      layers.push(L.polyline(pts.map((p) => [p[0], p[1]]), { color: c, weight: 1.5, opacity: 0.2 }));
    }
    layers.forEach((l) => l.addTo(L_.map).bringToBack());
    L_.routes[s.id] = layers;
  }
}

function drawTickets() {
  const keep = new Set();
  for (const t of S.tickets) {
    keep.add(t.id);
    const c = KIND_COLOURS[t.type] || "#fff";
    let m = L_.tickets[t.id];
    if (!m) {
      const circle = L.circle([t.lat, t.lon], { radius: Math.max(t.uncertainty_m, 3), color: c, weight: 1, fillOpacity: 0.15 });
      const dot = L.circleMarker([t.lat, t.lon], { radius: 9, color: "#fff", weight: 2, fillColor: c, fillOpacity: 1 });
      dot.on("click", () => selectTicket(t.id, true));
      dot.bindTooltip(KINDS[t.type] || t.type, { className: "place-label" });
      m = { circle: circle.addTo(L_.map), dot: dot.addTo(L_.map) };
      L_.tickets[t.id] = m;
    } else {
      m.circle.setLatLng([t.lat, t.lon]).setRadius(Math.max(t.uncertainty_m, 3));
      m.dot.setLatLng([t.lat, t.lon]);
    }
  }
  for (const id of Object.keys(L_.tickets)) {
    if (!keep.has(id)) { L_.map.removeLayer(L_.tickets[id].circle); L_.map.removeLayer(L_.tickets[id].dot); delete L_.tickets[id]; }
  }
}

/* ---- the side panel ------------------------------------------------------------------------------- */

function batteryClass(pct) {
  if (pct === null || pct === undefined) return "bar";
  return pct <= 30 ? "bar bad" : pct <= 50 ? "bar warn" : "bar";
}

const cards = {};   // drone -> its card's elements, built once so that a button under the pointer stays the same

function droneCard(drone) {
  if (cards[drone]) return cards[drone];
  const c = { root: el("div", "drone") };
  c.root.style.setProperty("--c", colour(drone));
  c.root.dataset.drone = drone;
  const r1 = el("div", "row1");
  c.mode = el("span", "mode");
  c.link = el("span", "link");
  r1.append(el("span", null, "DRONE " + drone), c.mode, c.link);
  c.state = el("div", "state");
  const batt = el("div", "battery");
  c.bar = el("div", "bar");
  c.fill = el("div", "fill");
  c.bar.append(c.fill);
  c.pct = el("span", "pct");
  c.proj = el("span", "proj");
  batt.append(c.bar, c.pct, c.proj);
  c.figs = el("div", "figs");
  c.sorties = el("div", "sorties");
  c.lastev = el("div", "lastev");
  c.btn = el("button", "btn btn-danger abort");
  c.btn.dataset.drone = drone;
  c.btn.addEventListener("click", () => askAbort(drone));
  c.root.append(r1, c.state, batt, c.figs, c.sorties, c.lastev, c.btn);
  cards[drone] = c;
  return c;
}

function renderDrones() {
  const box = $("drones");
  const drones = Object.values(S.drones).sort((a, b) => a.drone - b.drone);
  if (!drones.length) return;
  box.querySelectorAll(".empty").forEach((e) => e.remove());
  for (const d of drones) {
    const c = droneCard(d.drone);
    c.root.classList.toggle("stale", !!d.stale);
    c.mode.textContent = d.mode || "-";
    if (d.stale) { c.link.className = "link link-none"; c.link.textContent = "NO DATA " + Math.round(d.age_s) + " s"; }
    else if (d.link_ok) { c.link.className = "link link-ok"; c.link.textContent = "LINK OK"; }
    else { c.link.className = "link link-lost"; c.link.textContent = "LINK LOST"; }
    let state = d.state || "";
    if (d.plan_index) state += " · sortie " + d.plan_index;
    if (d.item !== undefined && d.item !== null && d.items && d.armed) state += " · item " + d.item + "/" + (d.items - 1);
    c.state.textContent = state;
    c.bar.className = batteryClass(d.battery_pct);
    c.fill.style.width = Math.max(0, Math.min(100, d.battery_pct || 0)) + "%";
    c.pct.textContent = fmt(d.battery_pct, 0, " %");
    c.proj.textContent = d.landing_pct !== undefined && d.landing_pct !== null && d.armed
      ? "→ " + fmt(d.landing_pct, 0, " %") + " at landing" : "";
    c.figs.textContent = "";
    const fig = (k, v) => { const s = el("span"); s.append(el("b", null, k), document.createTextNode(v)); c.figs.append(s); };
    fig("ALT", fmt(d.alt_m, 0, " m"));
    fig("SPD", fmt(d.speed_mps, 1, " m/s"));
    fig("HDG", fmt(d.heading_deg, 0, "°"));
    if (d.eta_s !== undefined && d.armed) fig("ETA", fmt(d.eta_s / 60, 1, " min"));
    if (d.flown_m !== undefined) fig("FLOWN", fmt(d.flown_m / 1000, 1, " km"));
    if (d.left_m !== undefined && d.armed) fig("LEFT", fmt(d.left_m / 1000, 1, " km"));
    fig("GPS", (d.satellites || 0) + " sats");
    c.sorties.textContent = "";
    for (const s of S.sorties.filter((x) => x.drone === d.drone)) {
      c.sorties.append(el("span", s.status, "#" + s.plan_index + (s.parent ? "r" : "") + " " + s.status +
        " " + s.reached + "/" + s.nav_items));
    }
    c.lastev.textContent = d.last_event || "";
    c.btn.textContent = d.aborting ? "ABORT REQUESTED — RETURNING" : "ABORT — RETURN HOME";
    c.btn.disabled = !!(d.aborting || d.stale || ["done", "aborted", "failed"].includes(d.state));
    box.append(c.root);   // in drone order; an element already there just moves
  }
}

function agencyChip(a) {
  const words = { acked: "✓ received", sent: "sent", held: "held", "-": "" };
  const status = a.status && a.status !== "open" ? " · " + a.status : "";
  return el("span", "ag ag-" + a.delivery, a.name + " " + (words[a.delivery] || a.delivery) + status);
}

const items = {};   // ticket id -> its list entry, kept so that a click and its thumbnail survive updates

function renderTickets() {
  const ul = $("tickets");
  const c = S.counts;
  $("ticket-counts").textContent = c ? `${S.tickets.length} · ${c.acked} received, ${c.unacked} waiting` +
    (c.held ? `, ${c.held} held` : "") : "";
  if (!S.tickets.length) return;
  ul.querySelectorAll(".empty").forEach((e) => e.remove());
  const keep = new Set();
  for (const t of S.tickets) {
    keep.add(t.id);
    let it = items[t.id];
    if (!it) {
      it = { li: el("li", "ticket"), img: el("img", "thumb"), body: el("div", "body") };
      it.li.dataset.id = t.id;
      it.li.append(it.img, it.body);
      it.li.addEventListener("click", () => selectTicket(t.id, true));
      if (!S.first) it.li.classList.add("fresh");
      items[t.id] = it;
    }
    it.li.classList.toggle("selected", S.selected === t.id);
    it.img.alt = "evidence: " + (KINDS[t.type] || t.type);
    const src = t.crop ? "/api/evidence/" + t.crop + ".jpg" : "";
    if (it.img.getAttribute("src") !== src) it.img.src = src;
    const t1 = el("div", "t1");
    t1.append(el("span", "type", KINDS[t.type] || t.type), el("span", "chip sev-" + t.severity, t.severity),
      el("span", "chip", t.status));
    if (t.exercise) t1.append(el("span", "chip", "EXERCISE"));
    const ags = el("div", "agencies");
    t.agencies.forEach((a) => ags.append(agencyChip(a)));
    it.body.textContent = "";
    it.body.append(t1, el("div", "t2", t.headline ? t.headline.zh : ""),
      el("div", "t3", `${fmtTime(t.last_seen)} · ${t.hotspot || t.area || "outside the areas"} · ±${Math.round(t.uncertainty_m)} m · ${Math.round(t.confidence * 100)} % · ${t.sightings}×`),
      ags);
    ul.append(it.li);   // newest first, as the server orders them
  }
  for (const id of Object.keys(items)) if (!keep.has(id)) { items[id].li.remove(); delete items[id]; }
}

function renderEvents() {
  const ol = $("events");
  ol.textContent = "";
  for (const e of S.events.slice().reverse()) {
    const li = el("li", "k-" + e.kind);
    li.append(el("span", "when", fmtTime(e.t)),
      document.createTextNode((e.drone ? "drone " + e.drone + " · " : "") + e.kind + (e.detail ? ": " + e.detail : "")));
    ol.append(li);
  }
}

function renderHeader() {
  const flying = Object.values(S.drones).filter((d) => d.armed).length;
  $("counts").textContent = `${Object.keys(S.drones).length} drone(s), ${flying} airborne · ${S.tickets.length} ticket(s)`;
  const drones = Object.values(S.drones);
  const banner = $("banner");
  if (drones.length && drones.every((d) => d.stale)) {
    const age = Math.min(...drones.map((d) => d.age_s));
    banner.textContent = `The controller is not updating (last news ${Math.round(age)} s ago). Drones follow their own failsafes; this page shows the last known state.`;
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
}

/* ---- one ticket ---------------------------------------------------------------------------------- */

async function selectTicket(id, zoom) {
  S.selected = id;
  document.querySelectorAll(".ticket").forEach((li) => li.classList.toggle("selected", li.dataset.id === id));
  const t = S.tickets.find((x) => x.id === id);
  if (t && zoom) L_.map.flyTo([t.lat, t.lon], Math.max(L_.map.getZoom(), 18), { duration: 0.6 });
  let data;
  try {
    const r = await fetch("/api/tickets/" + encodeURIComponent(id));
    if (!r.ok) throw new Error(r.status);
    data = await r.json();
  } catch (e) { toast("Could not load the ticket: " + e.message); return; }
  const doc = data.doc, sum = data.summary;
  $("detail-title").textContent = `${KINDS[doc.type] || doc.type} · ${doc.id.slice(0, 8)} v${doc.version}`;
  $("detail-headline").textContent = `${doc.headline.zh} — ${doc.headline.en}`;
  $("detail-crop").src = sum.crop ? "/api/evidence/" + sum.crop + ".jpg" : "";
  $("detail-frame").href = sum.frame ? "/api/evidence/" + sum.frame + ".jpg" : "#";
  const dl = $("detail-fields");
  dl.textContent = "";
  const lon = doc.location.point.coordinates[0], lat = doc.location.point.coordinates[1];
  const rows = [
    ["status", doc.status + (doc.exercise ? " (exercise)" : "")],
    ["urgency / severity", doc.urgency + " / " + doc.severity],
    ["where", `${lat.toFixed(6)}, ${lon.toFixed(6)} ±${Math.round(doc.location.uncertainty_m)} m`],
    ["area / hotspot", (doc.location.area || "-") + " / " + (doc.location.hotspot || "-")],
    ["seen", `${fmtTime(doc.first_seen)} – ${fmtTime(doc.last_seen)}, ${doc.sightings} sightings`],
    ["confidence", Math.round(doc.confidence * 100) + " % (" + doc.certainty + "), " + doc.model_version],
    ["drone, mission", doc.drone + ", " + doc.mission],
    ["routed by", doc.rule],
  ];
  for (const [k, v] of rows) dl.append(el("dt", null, k), el("dd", null, v));
  const tb = $("detail-agencies").querySelector("tbody");
  tb.textContent = "";
  for (const a of sum.agencies) {
    const tr = el("tr");
    tr.append(el("td", null, a.name), el("td", null, a.status), el("td", "ag-" + a.delivery, a.delivery),
      el("td", null, a.updated ? fmtTime(a.updated) : "-"));
    tb.append(tr);
  }
  const hist = $("detail-history");
  hist.textContent = "";
  for (const h of doc.history) {
    hist.append(el("li", null, `v${h.version} ${fmtTime(h.at)} ${h.status || h.event} by ${h.by}` +
      (h.actor ? ` (${h.actor})` : "") + (h.note ? ": " + h.note : "")));
  }
  $("detail").hidden = false;
}

/* ---- abort --------------------------------------------------------------------------------------- */

function askAbort(drone) {
  $("confirm-title").textContent = `Abort drone ${drone}?`;
  $("confirm-text").textContent = `Drone ${drone} stops its sortie, returns to launch (RTL) and lands. ` +
    "The rest of its patrol is not flown until the controller is started again.";
  const box = $("confirm");
  box.dataset.drone = drone;
  box.hidden = false;
  $("confirm-no").focus();
}

async function confirmAbort() {
  const box = $("confirm");
  const drone = box.dataset.drone;
  box.hidden = true;
  try {
    const r = await fetch(`/api/drones/${drone}/abort`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ confirm: true }),
    });
    const body = await r.json();
    toast(r.ok ? body.message : "Abort refused: " + body.error);
  } catch (e) {
    toast("Abort not sent: " + e.message);
  }
}

/* ---- the stream ---------------------------------------------------------------------------------- */

function apply(msg) {
  S.lastMessage = Date.now();
  if (msg.full) {
    S.tracks = {}; S.routes = {};
    Object.values(L_.routes).forEach((ls) => ls.forEach((l) => L_.map.removeLayer(l)));
    L_.routes = {};
  }
  if (msg.drones) {
    S.drones = {};
    for (const d of msg.drones) S.drones[d.drone] = d;
  }
  if (msg.sorties) S.sorties = msg.sorties;
  if (msg.routes) Object.assign(S.routes, msg.routes);
  if (msg.track) {
    for (const [drone, pts] of Object.entries(msg.track)) S.tracks[drone] = (S.tracks[drone] || []).concat(pts);
    const ids = new Set([...Object.keys(msg.track), ...Object.keys(L_.tracks)]);
    ids.forEach(drawTrack);
  }
  if (msg.events) S.events = msg.events;
  if (msg.tickets) { S.tickets = msg.tickets.list; S.counts = msg.tickets.counts; }
  if (msg.drones) { Object.values(S.drones).forEach(drawDrone); renderDrones(); }
  if (msg.sorties || msg.routes || msg.drones) drawRoutes();
  if (msg.tickets) { drawTickets(); renderTickets(); }
  if (msg.events) renderEvents();
  renderHeader();
  S.first = false;
  document.body.dataset.updated = String(msg.t);
}

function setConn(live) {
  const c = $("conn");
  c.className = "conn " + (live ? "conn-live" : "conn-wait");
  c.textContent = live ? "LIVE" : "RECONNECTING";
  document.body.dataset.conn = live ? "live" : "reconnecting";
}

let source = null;
function connect() {
  if (source) source.close();
  source = new EventSource("/api/stream");
  source.addEventListener("state", (ev) => { setConn(true); apply(JSON.parse(ev.data)); });
  source.onerror = () => {
    setConn(false);
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000);  // e.g. a 401 or 502 on the way back
  };
}

async function start() {
  setConn(false);
  for (;;) {  // the site, once; until the dashboard answers
    try {
      const r = await fetch("/api/map");
      if (r.ok) { S.site = await r.json(); break; }
    } catch (e) { /* not up yet */ }
    await new Promise((res) => setTimeout(res, 2000));
  }
  $("site-name").textContent = S.site.site;
  document.title = "waterpatrol · " + S.site.site;
  initMap(S.site);
  connect();
  setInterval(() => {   // a stream that went quiet without an error (a dead peer): open it again
    $("clock").textContent = fmtTime(Date.now() / 1000);
    if (S.lastMessage && Date.now() - S.lastMessage > 5000) { setConn(false); S.lastMessage = Date.now(); connect(); }
  }, 1000);
}

$("confirm-no").addEventListener("click", () => { $("confirm").hidden = true; });
$("confirm-yes").addEventListener("click", confirmAbort);
$("detail-close").addEventListener("click", () => { $("detail").hidden = true; S.selected = null; renderTickets(); });
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") { $("confirm").hidden = true; $("detail").hidden = true; }
});
window.waterpatrol = { state: S, layers: L_ };
start();
