"use strict";
/* The picker's handheld. Words come from i18n.js (I18N), in the store's language unless the
   picker switched; times are shown in the store's time zone, never the device's or UTC. */

/* ---- Storage keys and small helpers ------------------------------------------------------ */
const K = { token: "omo.hh.token", who: "omo.hh.who", batch: "omo.hh.batch",
  device: "omo.hh.device", seq: "omo.hh.seq", queue: "omo.hh.queue", lang: "omo.hh.lang",
  store: "omo.hh.store", home: "omo.hh.home", view: "omo.hh.view" };
const $ = (id) => document.getElementById(id);
const RESOLVED = new Set(["done", "short", "substituted"]);
const HEARTBEAT_MS = 20000;
const HOME_MS = 15000;
let batch = null;         // the BatchView last shown
let packed = [];          // pack results of this batch: labels stay on screen until Claim next
let printable = [];       // the labels (with their QR codes) of those pack results
let home = null;          // the Home view last shown

function uuid() {         // randomUUID needs a secure context; a store's LAN may be plain http
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
function deviceId() {
  let id = localStorage.getItem(K.device);
  if (!id) { id = "hh-" + uuid(); localStorage.setItem(K.device, id); }
  return id;
}
function nextSeq() {
  const n = (parseInt(localStorage.getItem(K.seq) || "0", 10) || 0) + 1;
  localStorage.setItem(K.seq, String(n));
  return n;
}
const readJSON = (store, key) => { try { return JSON.parse(store.getItem(key) || "null"); }
  catch { return null; } };
const session = () => readJSON(sessionStorage, K.who);
const token = () => sessionStorage.getItem(K.token);
const auth = () => ({ Authorization: "Bearer " + token() });
const isProblem = (p, slug) => !!(p && typeof p.type === "string" && p.type.endsWith(":" + slug));
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => (k === "text" ? (e.textContent = v)
    : e.setAttribute(k, v)));
  children.forEach((c) => e.append(c));
  return e;
}

/* ---- Language and the store's time ------------------------------------------------------- */
// The store this device last signed in to: its name, time zone and language.
const storeFacts = () => (session() && session().store) || readJSON(localStorage, K.store);
function lang() {
  const chosen = localStorage.getItem(K.lang), facts = storeFacts();
  if (I18N.languages.includes(chosen)) return chosen;
  if (facts && I18N.languages.includes(facts.language)) return facts.language;
  return (navigator.language || "").startsWith("ja") ? "ja" : "en";
}
const t = (key, vars) => I18N.t(lang(), key, vars);
const zoneName = (zone) => t("zone_" + zone);
const nameOf = (item) => (lang() === "ja" ? item.name_ja || item.name_en : item.name_en);
const altNameOf = (item) => (lang() === "ja" ? item.name_en : item.name_ja);
const amount = (unit, n) => (unit === "kg" ? `${n} g` : `${n}`);
const where = (bin) => (bin ? t("where", bin) : t("no_bin"));
// Why the catalog offered a substitute ("" when the catalog gave no codes), and as a line
// under the substitute's name.
function whyText(sub) {
  const reason = I18N.reason(lang(), (sub && sub.why) || []);
  return reason ? t("why", { reason }) : "";
}
function why(sub) {
  const text = whyText(sub);
  return text ? [el("small", { class: "why", "data-testid": "reason", text })] : [];
}
function timeOf(iso) {
  const facts = storeFacts();
  return new Intl.DateTimeFormat(lang() === "ja" ? "ja-JP" : "en-GB", {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    timeZone: facts ? facts.timezone : undefined }).format(iso ? new Date(iso) : new Date());
}
function tick() {
  const facts = storeFacts();
  $("clock").hidden = !facts;
  if (!facts) return;
  $("clock").textContent = timeOf();
  $("clock").dataset.tz = facts.timezone;
  $("clock").title = facts.timezone;
}
function applyWords() {
  document.documentElement.lang = lang();
  document.querySelectorAll("[data-t]").forEach((e) => (e.textContent = t(e.dataset.t)));
  const other = I18N.languages.find((l) => l !== lang());
  $("lang").textContent = I18N.t(other, "language_name");
  $("lang").setAttribute("lang", other);
  $("lang").dataset.to = other;
  $("scan").placeholder = t("scan_placeholder");
  $("scan").setAttribute("aria-label", t("scan_label"));
  $("keys").title = t("type_code");
  tick(); showNet();
}
function switchLanguage() {
  localStorage.setItem(K.lang, $("lang").dataset.to);
  applyWords();
  say("");  // the last answer was in the other language
  $("pack-totes").dataset.shape = "";  // rebuild the pack cards in the new words
  if (batch || !$("home").hidden) show(batch);
}

/* ---- Sounds: Web Audio tones, no files. Success, error and urgent each sound apart. ------- */
const SOUNDS = {
  ok: [[1320, 0.07]],                                    // one short high beep
  err: [[180, 0.16], [0, 0.06], [180, 0.16]],             // two low buzzes
  urgent: [[660, 0.12], [880, 0.12], [1100, 0.12], [1320, 0.2]],  // a rising call
};
let audio = null;
window.omoSounds = [];     // what was played, newest last (the browser tests read it)
function play(kind) {
  const notes = SOUNDS[kind];
  window.omoSounds.push({ kind, notes: notes.map(([f]) => f) });
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
    let at = audio.currentTime + 0.01;
    for (const [freq, seconds] of notes) {
      if (freq) {
        const osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = kind === "err" ? "square" : "sine";
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.25, at);
        gain.gain.exponentialRampToValueAtTime(0.001, at + seconds);
        osc.connect(gain).connect(audio.destination);
        osc.start(at); osc.stop(at + seconds);
      }
      at += seconds;
    }
  } catch (e) { /* no audio on this device: the colours still say it */ }
}

/* ---- Feedback: message, flash, banners --------------------------------------------------- */
function say(text, kind = "info") {
  const m = $("message");
  m.textContent = text; m.className = kind; m.dataset.kind = kind; m.hidden = !text;
  if (kind === "ok" || kind === "err") {
    document.body.classList.remove("flash-ok", "flash-err");
    void document.body.offsetWidth;  // restart the flash when two scans come quickly
    document.body.classList.add("flash-" + kind);
    setTimeout(() => document.body.classList.remove("flash-" + kind), 600);
    play(kind);
    if (navigator.vibrate && kind === "err") navigator.vibrate([80, 60, 80]);
  }
}
function banner(kind, text, tone = "") {
  const b = el("div", { class: "banner " + tone, "data-testid": "banner", "data-kind": kind,
    text });
  b.addEventListener("click", () => { b.remove(); focusScan(); });  // tap to dismiss
  $("banners").prepend(b);
  while ($("banners").children.length > 4) $("banners").lastChild.remove();
}
// The page keeps room below its content for the dock, whatever the message's height.
function dockRoom() { document.body.style.paddingBottom = `${$("dock").offsetHeight + 16}px`; }

/* What a refusal means, in the picker's words (the problem's `detail` is English only). */
function lineById(id) {
  const item = batch && batch.items.find((i) => i.line.line_id === id);
  return item ? item.line : null;
}
function wanted(line) {            // the product a line asks for now: its substitute, if any
  const s = line && line.substitute;
  return s && s.approved ? s : line;
}
function problemText(p, status, cmd) {
  if (!p) return t("err_server", { status });
  const tote = cmd && cmd.body && cmd.body.tote;
  if (isProblem(p, "wrong-item")) {
    const line = p.expected && lineById(p.expected.line_id);
    if (line) {
      const w = wanted(line);
      return t("err_wrong_item", { name: nameOf(w), tote, where: where(w.bin) });
    }
    return t("err_wrong_item_done", { tote });
  }
  if (isProblem(p, "wrong-tote") && lineById(p.line_id)) {
    return t("err_wrong_tote", { name: nameOf(wanted(lineById(p.line_id))), right: p.tote, tote });
  }
  if (isProblem(p, "over-pick") && lineById(p.line_id)) {
    return t("err_over_pick", { name: nameOf(wanted(lineById(p.line_id))) });
  }
  if (isProblem(p, "lease-lapsed")) return t("err_lease_lapsed");
  if (isProblem(p, "too-many-attempts")) return t("err_too_many", { s: p.retry_after_s });
  if (isProblem(p, "unauthenticated") && p.field === "pin") return t("err_wrong_pin");
  if (isProblem(p, "not-found") && p.field === "store_id") {
    return t("err_unknown_store", { store: $("store-id").value.trim() });
  }
  return p.detail || p.title || t("err_server", { status });
}

/* ---- Network status ---------------------------------------------------------------------- */
let offline = false;
function showNet() {
  const n = loadQueue().length;
  $("net").textContent = offline ? t("offline_queued", { n }) : n ? t("sending", { n })
    : t("online");
  $("net").classList.toggle("offline", offline);
}
function setOffline(v) { offline = v; showNet(); }

/* ---- The command queue (localStorage), sent in order ------------------------------------- */
function loadQueue() { return readJSON(localStorage, K.queue) || []; }
function saveQueue(q) { localStorage.setItem(K.queue, JSON.stringify(q)); showNet(); }
function enqueue(kind, path, body, meta = {}) {
  const q = loadQueue();
  q.push({ kind, path, body, meta, key: uuid(), seq: nextSeq(), picker: session().picker_id });
  saveQueue(q);
  drain();
}
let draining = false, retryMs = 1000, retryTimer = null;
// Requests are numbered as sent: a batch read sent before a command but answered after it
// would show the batch as it was before the command, so it is not shown.
let asked = 0, answered = 0;
function retryLater() {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(drain, retryMs);
  retryMs = Math.min(retryMs * 2, 15000);
}
async function drain() {
  if (draining || !token()) return;
  draining = true;
  try {
    for (let q = loadQueue(); q.length; q = loadQueue()) {
      const cmd = q[0], mine = ++asked;
      let res;
      try {
        res = await fetch(cmd.path, { method: "POST", body: JSON.stringify(cmd.body),
          headers: { ...auth(), "Content-Type": "application/json", "Idempotency-Key": cmd.key,
            "Device-Id": deviceId(), "Device-Seq": String(cmd.seq) } });
      } catch (e) { setOffline(true); retryLater(); return; }
      if (res.status >= 502 && res.status <= 504) { setOffline(true); retryLater(); return; }
      if (res.status === 401) { signOut(t("session_ended")); return; }
      retryMs = 1000; setOffline(false);
      const data = await res.json().catch(() => null);
      saveQueue(loadQueue().filter((c) => c.key !== cmd.key));  // answered: never resent
      answered = mine;
      if (res.ok) done(cmd, data); else refused(cmd, res.status, data);
    }
  } finally { draining = false; showNet(); focusScan(); }
}
function refused(cmd, status, p) {
  if (isProblem(p, "stale-command") || isProblem(p, "lease-lapsed")) {
    // The screen moved on without this command: drop it and re-read the batch.
    banner(isProblem(p, "stale-command") ? "dropped" : "lapsed",
      t(isProblem(p, "stale-command") ? "err_stale" : "err_lease_lapsed"), "bad");
    play("err");
    refetch();
    return;
  }
  say(problemText(p, status, cmd), "err");
  if (cmd.kind === "pack" && batch) { $("pack-totes").dataset.shape = ""; show(batch); }  // re-arm
}
function scannedText(view, lineId) {
  const item = view.items.find((i) => i.line.line_id === lineId);
  if (!item) return "";
  const line = item.line, s = line.substitute;
  const w = s && s.approved && s.picked > 0 ? s : line;
  return t("scanned", { name: nameOf(w), picked: amount(w.unit, w.picked),
    quantity: amount(w.unit, w.quantity), tote: line.tote });
}
const proposedText = (line, s) => t("short_proposed",
  { name: nameOf(line), sub: nameOf(s), time: timeOf(s.decide_by) });
function shortText(data) {
  const line = data.batch.items.find((i) => i.line.line_id === data.line_id);
  if (!line) return "";
  const l = line.line, s = data.proposed;
  if (s) return [proposedText(l, s), whyText(s)].filter(Boolean).join(t("sentence_gap"));
  if (l.substitute && l.substitute.closed) {
    return t("short_closed", { name: nameOf(l.substitute),
      n: amount(l.substitute.unit, l.substitute.picked) });
  }
  return t("short_none", { name: nameOf(l), n: amount(l.unit, l.quantity - l.picked) });
}
function done(cmd, data) {
  switch (cmd.kind) {
    case "claim":
      packed = []; printable = [];
      if (!data.batch) { show(null); say(t("nothing_to_pick")); loadHome(); break; }
      show(data.batch);
      say(data.resumed ? t("you_hold")
        : t("claimed", { n: data.batch.totes.length, zone: zoneName(data.batch.zone) }));
      break;
    case "scan": show(data.batch); say(scannedText(data.batch, data.line_id), "ok"); break;
    case "short":
      if (data.proposed) $("proposal").dataset.line = data.line_id;
      show(data.batch);
      say(shortText(data), "info");
      break;
    case "pack":
      packed.push(data); show(data.batch); say(t("packed", { tote: cmd.meta.tote }), "ok");
      loadLabels(data);
      break;
    case "park":
      show(data.batch); say(t("parked", { tote: data.tote }), "ok");
      break;
  }
}

/* ---- Reading the batch and the home screen, heartbeat ------------------------------------ */
async function refetch() {
  const id = sessionStorage.getItem(K.batch);
  if (!id || !token()) return;
  if (loadQueue().length) { drain(); return; }  // the queued answers carry the batch
  const mine = ++asked;
  try {
    const res = await fetch(`/v1/batches/${id}`, { headers: auth() });
    const data = await res.json().catch(() => null);
    if (mine < answered) return;  // overtaken by a newer answer
    answered = mine;
    if (res.ok) show(data);
    else if (res.status === 401) signOut(t("session_ended"));
    else if (res.status === 409 || res.status === 403 || res.status === 404) {
      if (!(batch && batch.next === "done")) banner("batch", problemText(data, res.status), "bad");
      show(batch && batch.next === "done" ? batch : null);
    }
  } catch (e) { setOffline(true); }
}
async function loadHome() {
  if (!token()) return;
  try {
    const res = await fetch("/v1/handheld/home", { headers: auth() });
    if (res.status === 401) { signOut(t("session_ended")); return; }
    if (!res.ok) return;
    home = await res.json();
    localStorage.setItem(K.home, JSON.stringify({ picker: session().picker_id, home }));
    localStorage.setItem(K.store, JSON.stringify(home.store));
    applyWords();
    if (!batch) renderHome();
  } catch (e) { setOffline(true); }
}
async function loadLabels(result) {
  const s = session(), codes = new Set(result.labels.map((l) => l.code));
  try {
    const res = await fetch(`/v1/stores/${encodeURIComponent(s.store_id)}/orders/`
      + `${encodeURIComponent(result.order_id)}/labels`, { headers: auth() });
    if (!res.ok) return;
    const all = (await res.json()).items;  // a page; an order's bags fit on one
    printable = printable.filter((l) => !codes.has(l.code))
      .concat(all.filter((l) => codes.has(l.code)));
    renderLabels();
  } catch (e) { setOffline(true); }
}
let heartbeat = null;
function keepLease(on) {
  if (on && !heartbeat) heartbeat = setInterval(beat, HEARTBEAT_MS);
  if (!on && heartbeat) { clearInterval(heartbeat); heartbeat = null; }
}
async function beat() {
  const id = sessionStorage.getItem(K.batch);
  if (!id) return;
  try {
    const res = await fetch(`/v1/batches/${id}/heartbeat`, { method: "POST", headers: auth() });
    if (res.status === 409) refetch();
    else if (res.ok && offline) { setOffline(false); drain(); }
  } catch (e) { setOffline(true); }
}

/* ---- Rendering --------------------------------------------------------------------------- */
function show(view) {
  batch = view;
  const open = !!view && view.next !== "done";
  if (view) {
    sessionStorage.setItem(K.batch, view.batch_id);
    localStorage.setItem(K.view, JSON.stringify({ picker: session().picker_id, view }));
  } else {
    sessionStorage.removeItem(K.batch);
    localStorage.removeItem(K.view);
  }
  keepLease(open);
  $("home").hidden = !!view;
  $("pick").hidden = !view || !["pick", "wait"].includes(view.next);
  $("pack").hidden = !view || view.next !== "pack";
  $("done").hidden = !view || view.next !== "done";
  $("list-box").hidden = !view;
  // A tote an earlier picker parked: it is on the parking shelf, not on this cart.
  $("fetch").replaceChildren(...(view ? view.totes : [])
    .filter((x) => x.parked_by && !["packed", "cancelled"].includes(x.status))
    .map((x) => el("div", { class: "fetch", "data-tote": String(x.tote), text: t("fetch_parked",
      { tote: x.tote, who: x.parked_by_name || x.parked_by, time: timeOf(x.parked_at) }) })));
  if (view) { renderCurrent(view); renderItems(view); renderPack(view); } else renderHome();
  renderLabels();
  focusScan();
}
function renderHome() {
  const h = home;
  $("store-name").textContent = h ? h.store.name : "";
  if (!h) return;
  const waiting = h.zones.reduce((sum, z) => sum + z.queued, 0);
  $("waiting-total").textContent = t("waiting_total", { n: waiting });
  $("zones").replaceChildren(...h.zones.map((z) => el("tr",
    { "data-testid": "zone-row", "data-zone": z.zone },
    el("td", { text: zoneName(z.zone) }), el("td", { text: String(z.queued) }),
    el("td", { text: z.queued ? t("minutes", { n: Math.floor(z.oldest_age_s / 60) }) : "–" }),
    el("td", { text: String(z.in_progress) }))));
  const urgent = h.urgent.map((u) => el("li", { "data-testid": "urgent",
    "data-order": u.order_id, class: u.late ? "late" : u.at_risk ? "at-risk" : "",
    text: t("urgent_row", { order: u.order_id.slice(-6), zone: zoneName(u.zone),
      time: timeOf(u.deadline),
      state: [u.late ? t("late") : u.at_risk ? t("at_risk") : "",
        u.picker_id ? t("held_by", { who: u.picker_id }) : t("in_queue")]
        .filter(Boolean).join(" · ") }) }));
  $("urgent").replaceChildren(...(urgent.length ? urgent
    : [el("li", { class: "none", text: t("nothing_urgent") })]));
  const parked = h.parked.map((p) => el("li", { "data-testid": "parked",
    "data-order": p.order_id, "data-awaiting": String(p.awaiting),
    text: t("parked_row", { order: p.order_id.slice(-6), zone: zoneName(p.zone),
      who: p.parked_by_name, time: timeOf(p.parked_at),
      state: t(p.awaiting ? "parked_awaiting" : "parked_ready") }) }));
  $("parked").replaceChildren(...(parked.length ? parked
    : [el("li", { class: "none", text: t("nothing_parked") })]));
}
function renderCurrent(view) {
  const c = view.current, n = view.items.length;
  const resolved = view.items.filter((i) => RESOLVED.has(i.state)).length;
  $("progress").textContent = t("progress", { resolved, items: t("items", { n }),
    zone: zoneName(view.zone), totes: t("totes", { n: view.totes.length }) });
  $("current").hidden = !c;
  if (!$("short-panel").hidden && (!c || c.line_id !== $("short-panel").dataset.line)) closeShort();
  if (c) {
    $("cur-sub").hidden = !c.substitute;
    $("cur-name").textContent = nameOf(c);
    $("cur-name-alt").textContent = altNameOf(c);
    $("cur-name-alt").lang = lang() === "ja" ? "en" : "ja";
    $("cur-bin").textContent = where(c.bin);
    $("cur-qty").textContent = `${amount(c.unit, c.picked)} / ${amount(c.unit, c.quantity)}`;
    $("cur-tote").textContent = c.tote;
    $("current").dataset.line = c.line_id;
  }
  const waiting = view.items.filter((i) => i.state === "awaiting_decision");
  $("waiting").hidden = !waiting.length;
  $("waiting").replaceChildren();
  if (waiting.length) {
    $("waiting").append(el("div", { text: t("waiting_for") }), ...waiting.map(({ line }) =>
      el("div", { class: "waiting-item", "data-testid": "waiting-item", "data-line": line.line_id,
        text: t("waiting_item", { name: nameOf(line), tote: line.tote })
          + (line.substitute ? t("waiting_sub", { sub: nameOf(line.substitute) }) : "") },
      ...why(line.substitute))));
    // A tote with nothing left to pick but the shopper's answer may go to the parking shelf.
    view.totes.filter((x) => x.status === "waiting").forEach((x) => {
      const b = el("button", { class: "secondary", "data-testid": `park-${x.tote}`,
        text: t("park", { tote: x.tote }) });
      b.addEventListener("click", () => { b.disabled = true; park(x); });
      $("waiting").append(b);
    });
  }
  // The substitute this picker just proposed, and why, until the shopper decides.
  const proposed = waiting.find((i) => i.line.line_id === $("proposal").dataset.line);
  $("proposal").hidden = !proposed;
  $("proposal").replaceChildren(...(proposed ? [el("div",
    { text: proposedText(proposed.line, proposed.line.substitute) }),
  ...why(proposed.line.substitute)] : []));
}
function renderItems(view) {
  $("items").replaceChildren(...view.items.map(({ state, line }) => {
    const s = line.substitute, sub = s && s.approved ? ` → ${nameOf(s)}` : "";
    return el("li", { "data-testid": "item", "data-state": state, "data-line": line.line_id },
      el("span", { text: `T${line.tote} · ${nameOf(line)}${sub}` }),
      el("span", { text: `${amount(line.unit, line.picked)}/${amount(line.unit, line.quantity)}`
        + ` · ${t("state_" + state)}` }));
  }));
}
function renderPack(view) {
  const box = $("pack-totes");
  const ready = view.totes.filter((x) => x.status === "ready_to_pack");
  const waiting = view.totes.filter((x) => x.status === "waiting").map((x) => x.tote);
  const shape = JSON.stringify([view.batch_id, lang(),
    ready.map((x) => [x.tote, (x.share || []).map((b) => b.code)]), waiting]);
  if (box.dataset.shape === shape) return;  // leave a bag count being typed alone
  box.dataset.shape = shape;
  const previous = {};
  box.querySelectorAll("input[data-tote]").forEach((i) => (previous[i.dataset.tote] = i.value));
  box.replaceChildren(...ready.map((x) => {
    const input = el("input", { type: "number", min: "0", max: "20", value: previous[x.tote] || "1",
      inputmode: "numeric", "data-tote": x.tote, "data-testid": `bags-${x.tote}`,
      "aria-label": t("bags_for", { tote: x.tote }) });
    // Bags of this order an earlier zone of the same cold-chain group opened, with room.
    const into = el("select", { "data-testid": `into-${x.tote}` },
      el("option", { value: "", text: t("no_shared_bag") }),
      ...(x.share || []).map((b) => el("option", { value: b.code,
        text: t("share_into", { code: b.code.slice(-12), zones: b.zones.map(zoneName).join("+"),
          room: b.room }) })));
    const button = el("button", { "data-testid": `pack-${x.tote}`,
      text: t("pack_tote", { tote: x.tote }) });
    button.addEventListener("click", () => { if (pack(x, input, into)) button.disabled = true; });
    return el("div", { class: "card", "data-testid": "pack-tote", "data-tote": x.tote },
      el("div", { text: t("tote_card", { tote: x.tote, fulfilment: t(x.fulfilment),
        order: x.order_id.slice(-6), lines: t("lines", { n: x.lines }),
        time: timeOf(x.deadline) }) }),
      el("div", { class: "pack-row" }, el("span", { text: t("new_bags") }), input, button),
      ...((x.share || []).length ? [el("div", { class: "pack-row" }, into)] : []));
  }));
  if (waiting.length) box.append(el("div", { class: "card", "data-testid": "pack-waiting",
    text: t("pack_waiting", { totes: waiting.join(", ") }) }));
}
function renderLabels() {
  $("labels-box").hidden = !printable.length && !packed.some((r) => r.staging_slot);
  $("labels").replaceChildren(...printable.map((l) => el("div",
    { class: "label", "data-testid": "label", "data-code": l.code },
    el("img", { src: l.qr, alt: l.code, "data-testid": "qr" }),
    el("div", { class: "text" },
      el("div", { class: "big", text: `…${l.order_id.slice(-6).toUpperCase()}` }),
      el("div", { text: l.zones.map(zoneName).join("+") }),
      el("div", { class: "big", text: t("label_bag", { n: l.number, of: l.of }) }),
      el("code", { text: l.code })))));
  $("slots").replaceChildren(...packed.filter((r) => r.staging_slot).map((r) => el("div",
    { text: t("staging_slot") }, el("span", { class: "slot", "data-testid": "staging-slot",
      text: r.staging_slot }))));
}

/* ---- Commands ---------------------------------------------------------------------------- */
function claim() {
  const s = session();
  packed = []; printable = [];
  enqueue("claim", `/v1/stores/${encodeURIComponent(s.store_id)}/batches/claim`, {});
  say(t("claiming"));
}
function scan(code) {
  if (!batch || !batch.current) { say(t("nothing_to_scan", { code }), "err"); return; }
  enqueue("scan", `/v1/batches/${batch.batch_id}/scans`,
    { barcode: code, tote: batch.current.tote });
  if (offline) say(t("queued_offline", { code }));
}
function openShort() {
  const c = batch && batch.current;
  if (!c) return;
  $("short-panel").dataset.line = c.line_id;
  $("short-label").textContent =
    t("short_question", { name: nameOf(c) }) + (c.unit === "kg" ? t("grams") : "");
  $("short-found").value = String(c.picked);
  $("short-panel").hidden = false; $("short-btn").hidden = true;
  $("short-found").focus(); $("short-found").select();
}
function closeShort() {
  $("short-found").blur();
  $("short-panel").hidden = true; $("short-btn").hidden = false;
  focusScan();
}
function reportShort() {
  const line = $("short-panel").dataset.line, found = parseInt($("short-found").value, 10);
  if (!batch) return;
  if (!(found >= 0)) { say(t("enter_found"), "err"); return; }
  closeShort();
  enqueue("short", `/v1/batches/${batch.batch_id}/lines/${encodeURIComponent(line)}/short`,
    { found });
}
function pack(tote, input, into) {
  const count = parseInt(input.value, 10);
  const shared = into && into.value ? into.value : null;
  if (!(count >= (shared ? 0 : 1) && count <= 20)) {
    say(t(shared ? "bags_range_shared" : "bags_range"), "err"); return false;
  }
  const bag = shared ? { zone: batch.zone, count, into: shared } : { zone: batch.zone, count };
  enqueue("pack", `/v1/batches/${batch.batch_id}/orders/${encodeURIComponent(tote.order_id)}/pack`,
    { bags: [bag] }, { tote: tote.tote });
  return true;
}
function park(tote) {
  enqueue("park", `/v1/batches/${batch.batch_id}/orders/${encodeURIComponent(tote.order_id)}/park`,
    {}, { tote: tote.tote });
}

/* ---- Live updates: Server-Sent Events read with fetch (EventSource cannot send headers) -- */
// lastId: the id of the last message heard, sent back on a reconnect so the server sends what
// was missed meanwhile (once); null after a sign-out, so a new session starts from now.
let stream = null, streamDelay = 1000, heard = 0, lastId = null;
// The server says something at least every 5 s; a stream silent for longer has died without
// closing (a handheld leaving Wi-Fi), so it is dropped and reopened.
setInterval(() => { if (stream && Date.now() - heard > 15000) stream.abort(); }, 5000);
async function listen() {
  if (stream || !token()) return;
  const ctrl = new AbortController();
  stream = ctrl; heard = Date.now();
  try {
    const resume = lastId === null ? {} : { "Last-Event-ID": lastId };
    const res = await fetch("/v1/handheld/events", { signal: ctrl.signal, cache: "no-store",
      headers: { ...auth(), ...resume, Accept: "text/event-stream" } });
    if (res.status === 401) {
      stream = null; signOut(t("session_ended")); return;
    }
    if (res.status === 422) lastId = null;  // an id from another server: start afresh (hello)
    if (!res.ok || !res.body) throw new Error("stream " + res.status);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "", event = "", data = [];
    for (;;) {
      const { value, done: over } = await reader.read();
      if (over) break;
      heard = Date.now();
      buffer += value;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop();  // an unfinished line waits for the next chunk
      for (const line of lines) {
        if (line === "") { if (event || data.length) onEvent(event || "message", data.join("\n"));
          event = ""; data = []; }
        else if (line.startsWith(":")) continue;  // a keep-alive comment
        else if (line.startsWith("id:")) lastId = line.slice(3).trim();
        else if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
    }
  } catch (e) { /* dropped: reconnect below */ }
  if (stream !== ctrl) return;  // signed out meanwhile
  stream = null;
  $("net").dataset.live = "off";
  setTimeout(listen, streamDelay);
  streamDelay = Math.min(streamDelay * 2, 30000);
}
function stopListening() {
  $("net").dataset.live = "off";
  if (stream) { const s = stream; stream = null; s.abort(); }
}
function decidedName(d) {
  const line = lineById(d.line_id);
  return line ? nameOf(line.substitute || line) : d.message;
}
function onEvent(kind, raw) {
  let d = {};
  try { d = JSON.parse(raw); } catch { d = { message: raw }; }
  if (d.topic === kind && d.data) d = d.data;  // every message is in the public envelope
  switch (kind) {
    case "hello":  // (re)connected: whatever was missed is in the batch and the home screen
      streamDelay = 1000; $("net").dataset.live = "on";
      if (offline) { setOffline(false); drain(); }
      refetch(); loadHome();
      return;
    case "substitution":
      if (batch && d.batch_id === batch.batch_id) {
        banner("substitution", t(d.approved ? "decided_yes" : "decided_no",
          { name: decidedName(d) }), d.approved ? "good" : "bad");
      } else {  // a tote this picker parked: whoever claims it next goes on with it
        banner("substitution", t("decided_parked"), "good");
      }
      loadHome();
      break;
    case "urgent":
      banner("urgent", t("urgent", { zone: zoneName(d.zone), time: timeOf(d.deadline) }),
        "urgent");
      play("urgent");
      loadHome();
      return;
    case "cancelled": {
      const gone = batch && batch.totes.find((x) => x.order_id === d.order_id);
      banner("cancelled", t("cancelled", { tote: gone ? gone.tote : "?" }), "bad");
      play("err"); break;
    }
    case "lapsed": banner("lapsed", t("lapsed"), "bad"); play("err"); break;
    case "lease":
      banner("lease", t("lease", { s: d.seconds_left }));
      beat();
      return;
    default: return;
  }
  refetch();
}

/* ---- Sign-in, sign-out, focus, wiring ---------------------------------------------------- */
async function signIn(ev) {
  ev.preventDefault();
  const store_id = $("store-id").value.trim(), pin = $("pin").value;
  try {
    const res = await fetch("/v1/handheld/sessions", { method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": uuid(),
        "Device-Id": deviceId() }, body: JSON.stringify({ store_id, pin }) });
    const data = await res.json().catch(() => null);
    if (!res.ok) { say(problemText(data, res.status), "err"); $("pin").select(); return; }
    sessionStorage.setItem(K.token, data.token);
    sessionStorage.setItem(K.who, JSON.stringify(data));
    if (data.store) localStorage.setItem(K.store, JSON.stringify(data.store));
    // Commands queued by another picker on this device are not this picker's to send.
    saveQueue(loadQueue().filter((c) => c.picker === data.picker_id));
    $("pin").value = "";
    applyWords();
    say(t("signed_in", { name: data.name }));
    start();
  } catch (e) { say(t("no_connection"), "err"); }
}
function signOut(why) {
  stopListening(); keepLease(false); lastId = null;
  ["token", "who", "batch"].forEach((k) => sessionStorage.removeItem(K[k]));
  [K.home, K.view].forEach((k) => localStorage.removeItem(k));
  batch = null; packed = []; printable = []; home = null;
  ["home", "pick", "pack", "done", "list-box", "labels-box", "scanrow", "signout"]
    .forEach((id) => ($(id).hidden = true));
  $("signin").hidden = false; $("who").textContent = "omo picker";
  say(why || t("signed_out"), why ? "err" : "info");
  $("pin").focus();
}
// What this picker last saw, kept on the device: a reload with no network still shows it.
function lastSeen(key) {
  const kept = readJSON(localStorage, key), s = session();
  return kept && s && kept.picker === s.picker_id ? kept : null;
}
function start() {
  const s = session();
  $("who").textContent = s.name;
  $("signin").hidden = true; $("signout").hidden = false; $("scanrow").hidden = false;
  const keptHome = lastSeen(K.home), keptView = lastSeen(K.view);
  home = keptHome && keptHome.home;
  const id = sessionStorage.getItem(K.batch);  // a reload keeps the batch on screen
  show(id && keptView && keptView.view.batch_id === id ? keptView.view : null);
  if (id) { sessionStorage.setItem(K.batch, id); $("home").hidden = true; refetch(); }
  loadHome(); listen(); drain();
}
function focusScan() {
  const a = document.activeElement;
  const typing = a && a !== $("scan") && ["INPUT", "SELECT"].includes(a.tagName);
  if (!$("scanrow").hidden && !typing) $("scan").focus({ preventScroll: true });
}
$("signin").addEventListener("submit", signIn);
$("signout").addEventListener("click", () => {
  const n = loadQueue().length;
  if (n && !confirm(t("unsent", { n }))) return;
  signOut();
});
$("lang").addEventListener("click", switchLanguage);
$("claim").addEventListener("click", claim);
$("claim-next").addEventListener("click", claim);
$("short-btn").addEventListener("click", openShort);
$("short-cancel").addEventListener("click", closeShort);
$("short-confirm").addEventListener("click", reportShort);
$("short-found").addEventListener("keydown", (e) => { if (e.key === "Enter") reportShort(); });
$("print").addEventListener("click", () => window.print());
$("keys").addEventListener("click", () => {  // a damaged label: type the digits by hand
  $("scan").inputMode = $("scan").inputMode === "none" ? "numeric" : "none";
  $("scan").blur(); focusScan();
});
$("scan").addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  e.preventDefault();
  const code = $("scan").value.trim();
  $("scan").value = "";
  if (code) scan(code);
});
$("scan").addEventListener("blur", () => setTimeout(focusScan, 0));
document.addEventListener("click", () => setTimeout(focusScan, 0));
window.addEventListener("online", () => { retryMs = 1000; drain(); });
window.addEventListener("offline", () => setOffline(true));
new ResizeObserver(dockRoom).observe($("dock"));
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) { drain(); refetch(); loadHome(); }  // the screen woke up: catch up
});
setInterval(tick, 10000);
setInterval(() => { if (!batch && token() && !document.hidden) loadHome(); }, HOME_MS);
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/handheld/sw.js", { scope: "/handheld" }).catch(() => {});
}

applyWords();
if (token()) start(); else { $("signin").hidden = false; $("pin").focus(); }
