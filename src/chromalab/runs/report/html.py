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
td.worse{background:#fde8e8;color:#a11} td.worse::after{content:" ✗";font-size:.7rem}
.scroll{overflow-x:auto;max-width:100%} .warn{background:#fff4e5;border-left:4px solid #e69500;padding:.4rem .8rem}
.mm{color:#888;font-size:.75rem}
.grid{overflow-x:auto} .grid table td{padding:2px;text-align:center;vertical-align:top}
.grid img{width:150px;display:block} .grid th{position:static;cursor:default;font-weight:normal;font-size:.75rem}
.curves{display:flex;flex-wrap:wrap;gap:1rem} .curves figure{margin:0;background:#fff;padding:.5rem}
.curves svg{width:460px;height:auto}
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


def _worse(value: float, than: float, metric: str) -> bool:
    return value > than if metric in LOWER_BETTER else value < than


def worse_than_no_colour(group: dict[str, Any]) -> dict[str, list[str]]:
    """Model name → the metrics on which the "no colour" row (the grey photo itself) beats it (metrics with a
    direction only: colourfulness has none)."""
    base = next((r for r in group["rows"] if r["baseline"]), None)
    if base is None:
        return {}
    out = {}
    for r in group["rows"]:
        if r["baseline"]:
            continue
        lost = [m for m in SHOWN if m in LOWER_IS_BETTER and m in r["metrics"] and m in base["metrics"]
                and _worse(r["metrics"][m]["mean"], base["metrics"][m]["mean"], m)]
        if lost:
            out[r["name"]] = lost
    return out


def baseline_warning(group: dict[str, Any]) -> str:
    """One paragraph, in words, naming the models that no colour at all beats (empty when none)."""
    worse = worse_than_no_colour(group)
    if not worse:
        return ""
    shown = [m for m in SHOWN if m in LOWER_IS_BETTER and any(m in r["metrics"] for r in group["rows"])]
    every = [n for n, lost in worse.items() if len(lost) == len(shown)]
    parts = [f"<b>{_e(n)}</b> ({', '.join(_e(m) for m in lost)})" for n, lost in worse.items() if n not in every]
    text = []
    if every:
        text.append(f"{', '.join(f'<b>{_e(n)}</b>' for n in every)} "
                    f"{'is' if len(every) == 1 else 'are'} worse than no colour on every metric: leaving the photo "
                    "grey scores better.")
    if parts:
        text.append("Worse than no colour on some metrics: " + "; ".join(parts) + ".")
    return f"<p class=warn>{' '.join(text)} Cells marked ✗ lose to the no-colour row.</p>"


def leaderboard_table(group: dict[str, Any]) -> str:
    rows = group["rows"]
    models = [r for r in rows if not r["baseline"]]
    worse = worse_than_no_colour(group)
    best = {}
    for m in (m for m in SHOWN if m in LOWER_IS_BETTER):  # no "best" colourfulness: it has no direction
        # the best of the models that at least beat leaving the photo grey
        vals = [r["metrics"][m]["mean"] for r in models if m in r["metrics"] and m not in worse.get(r["name"], ())]
        if vals:
            best[m] = min(vals) if m in LOWER_BETTER else max(vals)
    head = ["model", "family", "epochs", "train photos", "crop px", "test photos"] + [
        f"{m} mean<br><span class=mm>min–max</span>" for m in SHOWN]
    out = [baseline_warning(group),
           "<div class=scroll><table class=sortable><thead><tr>" + "".join(f"<th>{h}</th>" for h in head)
           + "</tr></thead><tbody>"]
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
            if m in worse.get(r["name"], ()):
                cls = " class=worse title='worse than no colour'"
            else:
                cls = " class=best" if not r["baseline"] and best.get(m) == s["mean"] else ""
            tds += (f"<td data-v='{s['mean']}'{cls}>{_num(s['mean'])} "
                    f"<span class=mm>{_num(s['min'], 3)}–{_num(s['max'], 3)}</span></td>")
        out.append(f"<tr class='{'baseline' if r['baseline'] else ''}'>{tds}</tr>")
    out.append("</tbody></table></div>")
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


def run_colours(curves: list[dict[str, Any]]) -> dict[str, str]:
    """One colour per run, the same in every plot and in the legend."""
    return {c["name"]: PALETTE[i % len(PALETTE)] for i, c in enumerate(curves)}


def svg_plot(curves: list[dict[str, Any]], key: str, colours: dict[str, str] | None = None) -> str:
    """A matplotlib line plot of ``key`` per epoch for every run that logged it, as inline SVG (axes, ticks,
    grid; markers, so a run with one epoch is a visible point rather than an invisible zero-length line)."""
    import io

    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    colours = colours or run_colours(curves)
    lines = [(c["name"], [(x, y) for x, y in zip(c["epochs"], c["series"][key], strict=True) if y is not None])
             for c in curves if key in c["series"]]
    lines = [(n, pts) for n, pts in lines if pts]
    if not lines:
        return ""
    fig = Figure(figsize=(4.6, 2.8), dpi=100)
    ax = fig.add_subplot()
    for name, pts in lines:
        xs, ys = zip(*pts, strict=True)
        ax.plot(xs, ys, color=colours[name], marker="o", markersize=3.5, linewidth=1.4, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(key)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, color="#e5e5e5", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text: small, selectable
        fig.savefig(buf, format="svg", metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # inline: drop the XML prolog and doctype
    return f"<figure role=img aria-label='{_e(key)} per epoch'>{svg}<figcaption>{_e(key)}</figcaption></figure>"


def curves_section(curves: list[dict[str, Any]]) -> str:
    if not curves:
        return "<p>No training histories.</p>"
    keys = [k for k in ("val/mae", "val/l1", "train/loss_epoch", "train/g_loss_epoch", "train/d_loss_epoch")
            if any(k in c["series"] for c in curves)]
    colours = run_colours(curves)
    legend = "".join(f"<span><i style='background:{colours[c['name']]}'></i>{_e(c['name'])}</span>" for c in curves)
    return (f"<div class=legend>{legend}</div>"
            f"<div class=curves>{''.join(svg_plot(curves, k, colours) for k in keys)}</div>")


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


def caveats(group: dict[str, Any]) -> str:
    """Warnings above a leaderboard: too few test photos, models that trained on some of them (by file name)."""
    from chromalab.evaluation.evaluate import MIN_RELIABLE_PHOTOS

    out = []
    if (group["count"] or 0) < MIN_RELIABLE_PHOTOS:
        out.append(f"Only {group['count']} test photos: the means are not reliable.")
    for r in group["rows"]:
        seen = r.get("trained_on") or []
        if seen:
            out.append(f"<b>{_e(r['name'])}</b> trained on {len(seen)} of these test photos "
                       f"({_e(', '.join(seen[:6]))}{', …' if len(seen) > 6 else ''}): its numbers overstate it.")
    return "".join(f"<p class=warn>⚠ {line}</p>" for line in out)


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
        parts += [f"<section><h2>Leaderboard — {_e(label)}</h2>", caveats(g), leaderboard_table(g),
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
