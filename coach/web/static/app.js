// okr-coach web page: plain JavaScript over the JSON API (same origin, nothing loaded from elsewhere).
"use strict";

const $ = (id) => document.getElementById(id);
const SEVERITY_ORDER = { error: 3, warning: 2, info: 1 };
const KEY_STORE = "okr-coach.api-key";  // sessionStorage: gone when the tab closes, never sent elsewhere
let lastText = "";
let lastReport = null;
let undoText = null;  // the user's text before a draft or rewrite replaced it
let busy = null;  // { controller, timer } of the model call in flight

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function setStatus(message, isError = false) {
  const s = $("status");
  s.textContent = message;
  s.className = isError ? "error" : "";
}

function apiKey() {
  try { return sessionStorage.getItem(KEY_STORE) || ""; } catch { return ""; }
}

async function call(method, path, body, signal) {
  const opts = { method, headers: { "Accept": "application/json" }, signal };
  const key = apiKey();
  if (key) opts.headers["Authorization"] = `Bearer ${key}`;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = data.error || { message: `HTTP ${r.status}` };
    const where = e.location ? ` (${e.location})` : "";
    const hint = e.hint ? ` — ${e.hint}` : "";
    const keyHint = r.status === 401 ? " Enter an API key under “API key” above." : "";
    throw new Error(`${e.message}${where}${hint}${keyHint}`);
  }
  return data;
}

// A model call can take a minute on a busy machine: show the seconds and offer to cancel it.
function startBusy(label) {
  stopBusy();
  const controller = new AbortController();
  const t0 = Date.now();
  const tick = () => setStatus(`${label} ${Math.floor((Date.now() - t0) / 1000)} s`);
  tick();
  busy = { controller, timer: setInterval(tick, 1000) };
  $("cancel-btn").hidden = false;
  return controller.signal;
}

function stopBusy() {
  if (!busy) return;
  clearInterval(busy.timer);
  busy = null;
  $("cancel-btn").hidden = true;
}

function cancelBusy() {
  if (busy) busy.controller.abort();
}

function failed(err) {
  setStatus(err.name === "AbortError" ? "Cancelled." : err.message, err.name !== "AbortError");
}

function inputBody() {
  const body = { text: $("okr-text").value, format: $("format").value };
  if ($("role").value) body.role = $("role").value;
  return body;
}

function worst(findings) {
  let best = null;
  for (const f of findings) if (!best || SEVERITY_ORDER[f.severity] > SEVERITY_ORDER[best]) best = f.severity;
  return best;
}

function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

// Where an item's (whitespace-normalised) text sits in the raw input, searching forward from `from`.
function locate(raw, text, from) {
  let i = raw.indexOf(text, from);
  if (i >= 0) return [i, i + text.length];
  const words = text.split(/\s+/).filter(Boolean).map(escapeRegExp);
  if (!words.length) return null;
  const re = new RegExp(words.join("\\s+"), "g");
  re.lastIndex = from;
  const m = re.exec(raw);
  return m ? [m.index, m.index + m[0].length] : null;
}

function highlight(raw, report) {
  const ranges = [];
  let cursor = 0;
  for (const o of report.objectives) {
    const items = [{ text: o.title, findings: o.findings, id: `obj-${o.index}` }]
      .concat(o.key_results.map((k) => ({ text: k.text, findings: k.findings, id: `kr-${o.index}-${k.index}` })));
    for (const it of items) {
      const at = locate(raw, it.text, cursor);
      if (!at) continue;
      cursor = at[1];
      if (it.findings.length) ranges.push({ start: at[0], end: at[1], sev: worst(it.findings), item: it });
    }
  }
  const out = $("highlighted");
  out.replaceChildren();
  let pos = 0;
  for (const r of ranges) {
    out.append(raw.slice(pos, r.start));
    const rules = r.item.findings.map((f) => `${f.rule}: ${f.message}`).join("\n");
    out.append(el("mark", { class: `sev-${r.sev}`, title: rules, "data-item": r.item.id,
      onclick: () => document.getElementById(r.item.id)?.scrollIntoView({ behavior: "smooth" }) },
      raw.slice(r.start, r.end)));
    pos = r.end;
  }
  out.append(raw.slice(pos));
}

function findingNode(f) {
  return el("div", { class: "finding" },
    el("span", { class: `rule sev-${f.severity}`, text: f.rule }), " ", f.message,
    f.evidence ? el("span", { class: "note", text: ` (${f.evidence})` }) : "",
    el("div", { class: "suggestion", text: f.suggestion }));
}

function itemNode(id, heading, score, findings, rewriteArgs, progress, reading) {
  const sev = worst(findings);
  const node = el("div", { class: `item ${sev ? "sev-" + sev : "clean"}`, id },
    el("h3", {}, heading, " ", el("span", { class: "note", text: `score ${score}` }),
      progress == null ? "" : " ", progress == null ? "" : progressNode(progress, reading)));
  if (reading) node.append(el("div", { class: "note", text: reading }));
  findings.forEach((f) => node.append(findingNode(f)));
  if (findings.length) {
    node.append(el("button", { type: "button", class: "rewrite-btn", onclick: (e) => rewrite(e.target, rewriteArgs) },
      "Suggest a rewrite"));
  }
  return node;
}

function clearReport() {
  lastReport = null;
  $("score").hidden = true;
  $("score").textContent = "";
  $("set-progress").hidden = true;
  $("fallback").hidden = true;
  $("fallback").textContent = "";
  $("notes").replaceChildren();
  $("highlighted").replaceChildren();
  $("findings").replaceChildren();
  $("rewrites").replaceChildren();
}

function progressNode(value, reading) {
  const pct = Math.round(value * 100);
  return el("span", { class: "progress", title: reading || `${pct}% of the way from baseline to target` },
    el("progress", { max: "100", value: String(pct) }), ` ${pct}%`);
}

function renderReport(report) {
  lastReport = report;
  const score = $("score");
  score.hidden = false;
  score.textContent = `${report.score}/100`;
  score.className = "score" + (report.score < 50 ? " low" : report.score < 80 ? " mid" : "");
  const sp = $("set-progress");
  sp.hidden = report.progress == null;
  sp.replaceChildren(...(report.progress == null ? [] : ["progress ", progressNode(report.progress)]));
  const fb = $("fallback");
  fb.hidden = !report.fallback_reason;
  fb.textContent = report.fallback_reason || "";
  $("notes").replaceChildren(...(report.notes || []).map((n) => el("p", { class: "note", text: `Note: ${n}` })));
  highlight(lastText, report);
  const box = $("findings");
  box.replaceChildren();
  if (report.findings.length) {
    const setNode = el("div", { class: `item sev-${worst(report.findings)}` }, el("h3", { text: "The whole set" }));
    report.findings.forEach((f) => setNode.append(findingNode(f)));
    box.append(setNode);
  }
  for (const o of report.objectives) {
    box.append(itemNode(`obj-${o.index}`, `Objective: ${o.title}`, o.score, o.findings,
      { objective_index: o.index, kr_index: null }, o.progress, o.progress_reading));
    for (const c of report.commentary || []) {
      if (c.objective_index === o.index) box.append(el("p", { class: "commentary", text: `Coach: ${c.text}` }));
    }
    for (const k of o.key_results) {
      box.append(itemNode(`kr-${o.index}-${k.index}`, `Key result: ${k.text}`, k.score, k.findings,
        { objective_index: o.index, kr_index: k.index }, k.progress ? k.progress.value : null,
        k.progress ? `current ${k.progress.current}` : null));
    }
  }
  $("rewrites").replaceChildren();
  for (const rw of report.rewrites || []) $("rewrites").append(candidateNode(rw));
}

async function review() {
  lastText = $("okr-text").value;
  if (!lastText.trim()) { setStatus("Paste or upload an OKR set first.", true); return; }
  const btn = $("review-btn");
  btn.disabled = true;
  const coach = $("coach").checked;
  let signal;
  if (coach) signal = startBusy("Reviewing (asking the model)…");
  else setStatus("Reviewing…");
  try {
    const report = await call("POST", "/v1/critique", { ...inputBody(), coach }, signal);
    if (signal) stopBusy();
    renderReport(report);
    setStatus(`Reviewed: ${report.objectives.length} objective(s), score ${report.score}.`);
  } catch (err) {
    if (signal) stopBusy();
    clearReport();  // a report of an earlier text must not pass for this one
    failed(err);
  } finally {
    btn.disabled = false;
  }
}

function candidateNode(c) {
  return el("div", { class: "candidate" },
    el("div", {}, el("del", { text: c.original }), " → ", el("strong", { text: c.proposed })),
    el("div", { class: "note", text: `score ${c.original_score} → ${c.proposed_score}; fixes ${c.fixed_rules.join(", ") || "-"}` }),
    ...(c.to_confirm || []).map((t) => el("div", { class: "note", text: `Check: ${t}` })),
    el("button", { type: "button", class: "use-rewrite", onclick: () => useRewrite(c) }, "Use this wording"));
}

async function rewrite(button, args) {
  button.disabled = true;
  const signal = startBusy("Asking the model for better wordings…");
  const holder = button.parentElement;
  holder.querySelectorAll(".candidate, .note.rewrite-note").forEach((n) => n.remove());
  try {
    const res = await call("POST", "/v1/rewrite", { ...inputBody(), ...args, n: 3 }, signal);
    stopBusy();
    holder.querySelectorAll(".candidate, .note.rewrite-note").forEach((n) => n.remove());
    if (!res.candidates.length) {
      const why = res.fallback_reason || "no proposal scored higher than your wording";
      holder.append(el("div", { class: "note rewrite-note", text: `No better wording: ${why}` }));
    }
    res.candidates.forEach((c) => holder.append(candidateNode(c)));
    setStatus(`${res.candidates.length} better wording(s) found.`);
  } catch (err) {
    stopBusy();
    failed(err);
  } finally {
    button.disabled = false;
  }
}

// Replace the user's text, keeping the old one for Undo.
function replaceText(text, format, what) {
  const ta = $("okr-text");
  undoText = { text: ta.value, format: $("format").value };
  ta.value = text;
  if (format) $("format").value = format;
  $("undo-btn").hidden = false;
  $("undo-btn").textContent = `Undo ${what}`;
  review();
}

function undo() {
  if (!undoText) return;
  $("okr-text").value = undoText.text;
  $("format").value = undoText.format;
  undoText = null;
  $("undo-btn").hidden = true;
  if ($("okr-text").value.trim()) review();
  else { clearReport(); setStatus("Your text is back."); }
}

function useRewrite(c) {
  const ta = $("okr-text");
  const at = locate(ta.value, c.original, 0);
  if (!at) { setStatus("Could not find the original wording in the text.", true); return; }
  replaceText(ta.value.slice(0, at[0]) + c.proposed + ta.value.slice(at[1]), null, "rewrite");
}

// "Use this draft" over text the user wrote: ask first, in the page (no blocking dialog).
function useDraft(d, holder) {
  const text = toYaml(d.okrs);
  const current = $("okr-text").value;
  if (!current.trim() || current === text) { replaceText(text, "yaml", "draft"); return; }
  holder.querySelectorAll(".confirm").forEach((n) => n.remove());
  const box = el("div", { class: "confirm", role: "alertdialog", "aria-label": "Replace your text?" },
    el("span", { text: "This replaces the text in the box (Undo brings it back). " }),
    el("button", { type: "button", class: "confirm-replace", onclick: () => { box.remove(); replaceText(text, "yaml", "draft"); } },
      "Replace my text"),
    " ",
    el("button", { type: "button", class: "confirm-cancel", onclick: () => box.remove() }, "Keep my text"));
  holder.append(box);
  box.querySelector(".confirm-cancel").focus();
}

function toYaml(okrs) {
  const q = (s) => JSON.stringify(s);
  const lines = [];
  for (const k of ["period", "team", "owner", "role", "focus_area"]) if (okrs[k]) lines.push(`${k}: ${q(okrs[k])}`);
  lines.push("objectives:");
  for (const o of okrs.objectives) {
    lines.push(`  - title: ${q(o.title)}`, "    key_results:");
    for (const k of o.key_results) lines.push(`      - ${q(k.text)}`);
  }
  return lines.join("\n") + "\n";
}

async function draft() {
  const role = $("role").value;
  if (!role) { setStatus("Pick a role to draft for.", true); return; }
  const btn = $("draft-btn");
  btn.disabled = true;
  const signal = startBusy(`Drafting OKRs for ${role}…`);
  const context = {};
  for (const [id, key] of [["draft-focus", "focus_area"], ["draft-state", "current_state"], ["draft-period", "period"]]) {
    if ($(id).value.trim()) context[key] = $(id).value.trim();
  }
  const box = $("drafts");
  box.replaceChildren();
  try {
    const res = await call("POST", "/v1/draft", { role, context, n: 4 }, signal);
    stopBusy();
    if (res.fallback_reason) box.append(el("p", { class: "note", text: res.fallback_reason }));
    for (const d of res.drafts) {
      const node = el("div", { class: "draft" },
        el("strong", { text: d.objective }), el("span", { class: "note", text: ` score ${d.score}` }),
        el("ul", {}, ...d.key_results.map((k) => el("li", { text: k }))));
      node.append(el("button", { type: "button", class: "use-draft", onclick: () => useDraft(d, node) }, "Use this draft"));
      box.append(node);
    }
    setStatus(`${res.drafts.length} draft(s) for ${res.role}.`);
  } catch (err) {
    stopBusy();
    failed(err);
  } finally {
    btn.disabled = false;
  }
}

const EXT_FORMAT = { yaml: "yaml", yml: "yaml", json: "json", md: "markdown", markdown: "markdown", csv: "csv", tsv: "csv" };

async function upload(ev) {
  const file = ev.target.files[0];
  if (!file) return;
  $("okr-text").value = await file.text();
  $("format").value = EXT_FORMAT[file.name.split(".").pop().toLowerCase()] || "auto";
  setStatus(`Loaded ${file.name}.`);
}

async function loadRoles() {
  try {
    const roles = await call("GET", "/v1/roles");
    for (const r of roles) $("role").append(el("option", { value: r.role, text: r.role }));
    document.body.dataset.roles = "loaded";
  } catch (err) {
    setStatus(`Roles unavailable: ${err.message}`, true);
  }
}

function setupKey() {
  const input = $("api-key");
  input.value = apiKey();
  const show = () => { $("key-state").textContent = apiKey() ? "key set for this tab" : "no key (anonymous)"; };
  show();
  $("key-save").addEventListener("click", () => {
    try {
      if (input.value.trim()) sessionStorage.setItem(KEY_STORE, input.value.trim());
      else sessionStorage.removeItem(KEY_STORE);
    } catch { setStatus("This browser does not allow session storage: the key cannot be kept.", true); }
    show();
  });
  $("key-forget").addEventListener("click", () => {
    try { sessionStorage.removeItem(KEY_STORE); } catch { /* nothing stored */ }
    input.value = "";
    show();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupKey();
  $("cancel-btn").addEventListener("click", cancelBusy);
  $("undo-btn").addEventListener("click", undo);
  $("review-btn").addEventListener("click", review);
  $("draft-btn").addEventListener("click", draft);
  $("okr-file").addEventListener("change", upload);
  loadRoles();
});
