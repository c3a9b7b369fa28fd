"""Render ``report_data`` as one self-contained HTML file (inline CSS, JS, SVG and JPEG data URIs)."""

from __future__ import annotations

import html
import os
import time
from pathlib import Path
from typing import Any

from chromalab.core.imageio import atomic_write_bytes
from chromalab.evaluation.metrics import LOWER_IS_BETTER, SHOWN

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#ad494a", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d",
           "#31a354", "#756bb1")
CSS = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1400px;padding:1rem 2rem;color:#222;background:#fafaf8}
h1{margin-bottom:.2rem} .sub{color:#666;margin-top:0}
table{border-collapse:collapse;font-size:.85rem;background:#fff;margin:.5rem 0 1.5rem}
th,td{padding:.25rem .5rem;border-bottom:1px solid #e3e3e3;text-align:right;white-space:nowrap}
th{cursor:pointer;background:#f0f0ec;position:sticky;top:0} th:first-child,td:first-child{text-align:left}
tr.baseline td{color:#777;font-style:italic;background:#f6f6f6} td.best{font-weight:bold;color:#0a6}
.mm{color:#888;font-size:.75rem}
.grid{overflow-x:auto} .grid table td{padding:2px;text-align:center;vertical-align:top}
.grid img{width:150px;display:block} .grid th{position:static;cursor:default;font-weight:normal;font-size:.75rem}
.curves{display:flex;flex-wrap:wrap;gap:1rem} .curves figure{margin:0;background:#fff;padding:.5rem}
.legend span{display:inline-block;margin-right:.8rem;font-size:.75rem} .legend i{display:inline-block;width:10px;
height:10px;margin-right:3px}
.dis{display:flex;flex-wrap:wrap;gap:1rem} .dis figure{margin:0;background:#fff;padding:.4rem;font-size:.75rem}
.dis img{width:140px}
"""
SORT_JS = """
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
    var body=t.tBodies[0],rows=[].slice.call(body.rows),asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
    rows.sort(function(a,b){var x=a.cells[i].dataset.v,y=b.cells[i].dataset.v;
      var nx=parseFloat(x),ny=parseFloat(y);
      if(!isNaN(nx)&&!isNaN(ny))return asc?nx-ny:ny-nx; return asc?(''+x).localeCompare(y):(''+y).localeCompare(x);});
    rows.forEach(function(r){body.appendChild(r);});});});});
"""
LOWER_BETTER = {m for m, lower in LOWER_IS_BETTER.items() if lower}


def _e(x: Any) -> str:
    return html.escape(str(x))


def _num(v: float | None, digits: int = 4) -> str:
    return "-" if v is None else f"{v:.{digits}g}"


def leaderboard_table(group: dict[str, Any]) -> str:
    rows = group["rows"]
    models = [r for r in rows if not r["baseline"]]
    best = {}
    for m in SHOWN:
        vals = [r["metrics"][m]["mean"] for r in models if m in r["metrics"]]
        if vals:
            best[m] = min(vals) if m in LOWER_BETTER else max(vals)
    head = ["model", "family", "epochs", "train photos", "crop px", "test photos"] + [
        f"{m} mean<br><span class=mm>min–max</span>" for m in SHOWN]
    out = ["<table class=sortable><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    for r in rows:
        cells = [(r["name"], _e(r["name"])), (r["family"], _e(r["family"])), (r["epochs"] or "", _e(r["epochs"] or "")),
                 (r["train_size"] or "", _e(r["train_size"] or "")), (r["crop"] or "", _e(r["crop"] or "")),
                 (r["test_size"], _e(r["test_size"]))]
        tds = "".join(f"<td data-v='{_e(v)}'>{t}</td>" for v, t in cells)
        for m in SHOWN:
            s = r["metrics"].get(m)
            if s is None:
                tds += "<td data-v=''>-</td>"
                continue
            cls = " class=best" if not r["baseline"] and best.get(m) == s["mean"] else ""
            tds += (f"<td data-v='{s['mean']}'{cls}>{_num(s['mean'])} "
                    f"<span class=mm>{_num(s['min'], 3)}–{_num(s['max'], 3)}</span></td>")
        out.append(f"<tr class='{'baseline' if r['baseline'] else ''}'>{tds}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def picture_grid(pics: dict[str, Any]) -> str:
    if not pics or not pics["files"]:
        return "<p>No pictures (the test photos or model folders are not on this machine).</p>"
    cols = ["grey"] + list(pics["models"]) + ["original"]
    out = ["<div class=grid><table><tr><th></th>" + "".join(f"<th>{_e(c)}</th>" for c in cols) + "</tr>"]
    for i, f in enumerate(pics["files"]):
        srcs = [pics["grey"][i]] + [pics["models"][m][i] for m in pics["models"]] + [pics["truth"][i]]
        imgs = "".join(f"<td><img src='{s}' alt='{_e(c)} {_e(f)}'></td>" if s else "<td>-</td>"
                       for c, s in zip(cols, srcs, strict=True))
        out.append(f"<tr><th>{_e(f)}</th>{imgs}</tr>")
    out.append("</table></div>")
    return "".join(out)


def svg_plot(curves: list[dict[str, Any]], key: str, width: int = 420, height: int = 240) -> str:
    lines = [(c["name"], c["epochs"], c["series"][key]) for c in curves if key in c["series"]]
    pts = [(x, y) for _, xs, ys in lines for x, y in zip(xs, ys, strict=True) if y is not None]
    if not pts:
        return ""
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts) or 1
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    y1 = y1 if y1 > y0 else y0 + 1e-6
    pad = 36

    def sx(x):
        return pad + (x - x0) / max(x1 - x0, 1e-9) * (width - pad - 8)

    def sy(y):
        return height - pad + 8 - (y - y0) / (y1 - y0) * (height - pad - 8)

    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img' "
             f"aria-label='{_e(key)} per epoch'>",
             f"<line x1='{pad}' y1='{height - pad + 8}' x2='{width - 8}' y2='{height - pad + 8}' stroke='#999'/>",
             f"<line x1='{pad}' y1='8' x2='{pad}' y2='{height - pad + 8}' stroke='#999'/>",
             f"<text x='{pad}' y='{height - 6}' font-size='10'>epoch {x0}</text>",
             f"<text x='{width - 60}' y='{height - 6}' font-size='10'>epoch {x1}</text>",
             f"<text x='2' y='14' font-size='10'>{y1:.3g}</text>",
             f"<text x='2' y='{height - pad + 8}' font-size='10'>{y0:.3g}</text>"]
    for i, (_, xs, ys) in enumerate(lines):
        d = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(xs, ys, strict=True) if y is not None)
        parts.append(f"<polyline fill='none' stroke='{PALETTE[i % len(PALETTE)]}' stroke-width='1.5' points='{d}'/>")
    parts.append("</svg>")
    return f"<figure>{''.join(parts)}<figcaption>{_e(key)}</figcaption></figure>"


def curves_section(curves: list[dict[str, Any]]) -> str:
    if not curves:
        return "<p>No training histories.</p>"
    keys = [k for k in ("val/mae", "val/l1", "train/loss_epoch", "train/g_loss_epoch", "train/d_loss_epoch")
            if any(k in c["series"] for c in curves)]
    legend = "".join(f"<span><i style='background:{PALETTE[i % len(PALETTE)]}'></i>{_e(c['name'])}</span>"
                     for i, c in enumerate(curves))
    return f"<div class=legend>{legend}</div><div class=curves>{''.join(svg_plot(curves, k) for k in keys)}</div>"


def disagreement_section(group: dict[str, Any]) -> str:
    dis, pics = group.get("disagreements") or {}, group.get("pictures") or {}
    if not dis:
        return "<p>Needs at least two models.</p>"
    files = pics.get("files", [])
    titles = {"best_mae_worst_colour": f"{dis['best_by_mae']} (best by MAE) is the least colourful here",
              "best_mae_worst_de": f"{dis['best_by_mae']} (best by MAE) has the worst ΔE2000 here",
              "most_colourful_worst_mae": f"{dis['most_colourful']} (most colourful) has the worst MAE here"}
    out = []
    for key, title in titles.items():
        items = dis.get(key, [])
        out.append(f"<h4>{_e(title)}: {len(items)} photo(s)</h4>")
        figs = []
        for item in items:
            if item["file"] not in files:
                figs.append(f"<figure>{_e(item['file'])}</figure>")
                continue
            j = files.index(item["file"])
            shown = [dis["best_by_mae"], dis["most_colourful"]]
            imgs = "".join(f"<img src='{pics['models'][m][j]}' title='{_e(m)}'>" for m in dict.fromkeys(shown)
                           if m in pics.get("models", {}) and pics["models"][m][j])
            figs.append(f"<figure>{imgs}<img src='{pics['truth'][j]}' title='original'>"
                        f"<figcaption>{_e(item['file'])}: {' | '.join(_e(m) for m in dict.fromkeys(shown))}"
                        f" | original</figcaption></figure>")
        out.append(f"<div class=dis>{''.join(figs)}</div>")
    return "".join(out)


def render_html(data: dict[str, Any], title: str = "chromalab report") -> str:
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(title)}</title>"
             f"<style>{CSS}</style></head><body><h1>{_e(title)}</h1>",
             f"<p class=sub>{len(data['runs'])} runs · generated {time.strftime('%Y-%m-%d %H:%M')} · "
             "click a column to sort · no colour = the photo's own grey (ab = 0)</p>"]
    if not data["groups"]:
        parts.append("<p>No evaluations yet: run <code>chromalab evaluate RUN --data DIR</code> and import.</p>")
    for g in data["groups"]:
        label = f"{g['dataset']} · {g['split']} split · {g['count']} photos · shorter side {g['size']} px"
        if g["domains"]:
            label += " · domain " + ", ".join(g["domains"])
        parts += [f"<section><h2>Leaderboard — {_e(label)}</h2>", leaderboard_table(g),
                  "<h3>The same test photos, every model</h3>", picture_grid(g.get("pictures")),
                  "<h3>Where the metrics disagree</h3>", disagreement_section(g), "</section>"]
        for dom in g["domains"]:
            rows = [r for r in g["rows"] if r["domain"] == dom or r["baseline"]]
            parts += [f"<section><h3>Domain: {_e(dom)}</h3>", leaderboard_table({**g, "rows": rows}), "</section>"]
    parts += ["<h2>Training curves</h2>", curves_section(data["curves"]), f"<script>{SORT_JS}</script></body></html>"]
    return "".join(parts)


def write_report(data: dict[str, Any], out: str | os.PathLike, title: str = "chromalab report") -> Path:
    """Write the report atomically."""
    return atomic_write_bytes(render_html(data, title).encode(), out)
