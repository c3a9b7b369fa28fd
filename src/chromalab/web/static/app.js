// chromalab demo page: upload → /api/colorize, adjust → /api/postprocess, compare, leaderboard.
const $ = (id) => document.getElementById(id);
let photo = null;        // the uploaded File
let rawResult = null;    // Blob of the unadjusted colorized PNG (adjustments start from it)
let currentUrl = null;
const families = {};     // model name → registry family ("reference": takes a reference photo)

function status(text, isError) { $("status").textContent = text; $("status").className = isError ? "error" : ""; }

async function errorText(resp) {
  try { return (await resp.json()).detail; } catch (e) { return resp.status + " " + resp.statusText; }
}

// Everything that comes from the server (run names, leaderboard fields, error messages) goes in as text
// (textContent / option values), never through innerHTML: a run folder named <img onerror=...> stays a name.
function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) node[k] = v;
  return node;
}

async function loadModels() {
  const models = await (await fetch("/api/models")).json();
  for (const m of models) families[m.name] = m.family;
  $("model").replaceChildren(...models.map((m) => el("option", m.name, { value: m.name })));
  $("compare-models").replaceChildren(...models.map((m, i) => {
    const label = el("label");
    label.append(el("input", null, { type: "checkbox", value: m.name, checked: i < 3 }), " " + m.name, " ");
    return label;
  }));
}

async function loadBoard() {
  const data = await (await fetch("/api/runs")).json();
  if (!data.rows.length) { $("board").textContent = "No evaluated runs yet (chromalab evaluate RUN writes them)."; return; }
  const cols = data.columns;
  const fmt = (v) => (typeof v === "number" ? v.toPrecision(4) : (v ?? ""));
  const row = (r, cls) => {
    const tr = el("tr", null, { className: cls });
    const worse = new Set(r.worse || []);  // metrics on which "no colour" beats this row
    tr.append(el("td", r.model), el("td", r.dataset), ...cols.map((c) => el("td", fmt(r[c]),
      worse.has(c) ? { className: "worse", title: "worse than no colour" } : {})));
    return tr;
  };
  const table = el("table");
  const head = el("tr");
  head.append(el("th", "model"), el("th", "dataset"), ...cols.map((c) => el("th", c)));
  table.append(head, ...data.rows.map((r) => row(r, "")));
  if (data.baseline) table.append(row(data.baseline, "baseline"));
  $("board").replaceChildren(table);
}

function choose(file) {
  if (!file) return;
  photo = file;
  $("drop-text").textContent = file.name;
  $("go").disabled = false;
  $("compare-go").disabled = false;
}

function show(blob) {
  if (currentUrl) URL.revokeObjectURL(currentUrl);
  currentUrl = URL.createObjectURL(blob);
  $("after").src = currentUrl;
  $("download").href = currentUrl;
  $("download").download = (photo.name.replace(/\.[^.]+$/, "") || "photo") + "_color.png";
}

async function colorize() {
  const form = new FormData();
  form.append("image", photo);
  form.append("model", $("model").value);
  if ($("vividness").value !== "") form.append("vividness", $("vividness").value);  // re-runs the model's colour step
  const ref = $("reference").files[0];
  if (ref) form.append("reference", ref);  // reference-guided: colours taken from this photo
  status("Colorizing…");
  $("go").disabled = true;
  try {
    const resp = await fetch("/api/colorize", { method: "POST", body: form });
    if (!resp.ok) { status(await errorText(resp), true); return; }
    rawResult = await resp.blob();
    $("saturation").value = 1; $("vibrance").value = 0;
    $("before").src = URL.createObjectURL(photo);
    show(rawResult);
    $("result").hidden = false;
    status("Done. Drag the slider to compare with the original.");
  } finally { $("go").disabled = false; }
}

let adjustTimer = null;
function adjust() {
  clearTimeout(adjustTimer);
  adjustTimer = setTimeout(async () => {
    if (!rawResult) return;
    const form = new FormData();
    form.append("image", rawResult, "result.png");
    form.append("saturation", $("saturation").value);
    form.append("vibrance", $("vibrance").value);
    const resp = await fetch("/api/postprocess", { method: "POST", body: form });
    if (!resp.ok) { status(await errorText(resp), true); return; }
    show(await resp.blob());
    status(`Saturation ${$("saturation").value}, vibrance ${$("vibrance").value}`);
  }, 150);
}

async function compare() {
  const names = [...document.querySelectorAll("#compare-models input:checked")].map((i) => i.value);
  $("compare-grid").replaceChildren();
  for (const name of names) {
    const fig = document.createElement("figure");
    fig.replaceChildren(el("figcaption", `${name}: working…`));
    $("compare-grid").appendChild(fig);
    const form = new FormData();
    form.append("image", photo);
    form.append("model", name);
    const ref = $("reference").files[0];  // only reference-guided models take it (others answer 422)
    if (ref && families[name] === "reference") form.append("reference", ref);
    const resp = await fetch("/api/colorize", { method: "POST", body: form });
    if (!resp.ok) { fig.replaceChildren(el("figcaption", `${name}: ${await errorText(resp)}`, { className: "error" })); continue; }
    const img = document.createElement("img");
    img.src = URL.createObjectURL(await resp.blob());
    fig.replaceChildren(img, el("figcaption", name));
  }
}

$("file").addEventListener("change", (e) => choose(e.target.files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); choose(e.dataTransfer.files[0]); });
$("go").addEventListener("click", colorize);
$("split").addEventListener("input", (e) => { $("before").style.clipPath = `inset(0 ${100 - e.target.value}% 0 0)`; });
$("saturation").addEventListener("input", adjust);
$("vibrance").addEventListener("input", adjust);
$("compare-go").addEventListener("click", compare);
loadModels();
loadBoard();
