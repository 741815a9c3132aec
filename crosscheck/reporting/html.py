"""report.html: one self-contained page (styles inline, plots as embedded PNG, no network).

Headline, identity table, heatmaps of the worst ULP error per engine x quantity x layer
(one per dtype), error against batch size, depth and width, every failing row with its
localisation and a command that reruns it, and the environment.  A few lines of script
mark the page ``data-status="ok:N"`` once its N images have loaded (or ``error``), which
the tests read back from headless Chromium.  ``CROSSCHECK_FIGURES=off`` leaves the plots
out (a line says so), for runs whose page nobody looks at: the tests set it, and turn the
plots on where they look at them.
"""
from __future__ import annotations

import base64
import html
import io
import os

import numpy as np
import pandas as pd

from crosscheck.reporting.tables import Views, views
from crosscheck.scenarios import Scenario

QUANTITY_ORDER = ["A", "Z", "dA", "dZ", "dW", "db"]
#: report.html lists this many failing scenarios x engines (every failing row is in discrepancies.csv).
MAX_ROWS = 500

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3} .pass{color:#17652b;font-weight:bold} .fail{color:#b00020;font-weight:bold}
code{background:#f6f6f6;padding:1px 3px} img{max-width:100%;border:1px solid #eee}
"""

SCRIPT = """
<script>
window.addEventListener('error', function(){document.body.dataset.status='error';});
window.addEventListener('load', function(){
  var imgs=document.images, ok=0;
  for (var i=0;i<imgs.length;i++){ if (imgs[i].complete && imgs[i].naturalWidth>0) ok++; }
  if (document.body.dataset.status!=='error')
    document.body.dataset.status = (ok===imgs.length ? 'ok:' : 'broken:') + ok;
});
</script>
"""


#: The resolution of every plot, and the margins (inches) of the error plots, whose labels are fixed.
DPI = 90
ERROR_MARGINS = {"left": 1.05, "right": 0.15, "bottom": 0.6, "top": 0.15}


def figures_wanted() -> bool:
    """False when ``CROSSCHECK_FIGURES`` is off (0, no): report.html is written without plots."""
    return os.environ.get("CROSSCHECK_FIGURES", "on").strip().lower() not in ("off", "0", "no", "false")


def _figure(width: float, height: float):
    """A figure of its own (matplotlib's object API, not pyplot: no global state, no backend
    switched in the caller's session); ``savefig`` renders it with Agg."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI)


def _png(fig) -> str:
    """The figure as an embedded PNG.  Drawn once: the layout is set when the figure is made
    (no ``bbox_inches="tight"``, which lays the whole figure out a second time)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _text_width(texts, size) -> float:
    """The width in inches of the widest of ``texts`` in the default font at ``size`` (points,
    or a size name such as "large", as matplotlib's own labels have it)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    measure, prop = TextToPath(), FontProperties(size=size)
    return max((measure.get_text_width_height_descent(t, prop, ismath=False)[0] for t in texts), default=0.0) / 72


def _reference_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of both plots: agreement with the reference, per layer."""
    return df[(df["check"] == "reference") & (df["layer"] >= 0)]


def _heatmaps(ref: pd.DataFrame) -> list[str]:
    out = []
    for dtype, part in ref.groupby("dtype", sort=True):
        table = part.groupby(["engine", "quantity", "layer"])["max_ulp"].max().reset_index()
        columns = sorted({(q, l) for q, l in zip(table["quantity"], table["layer"])},
                         key=lambda ql: (QUANTITY_ORDER.index(ql[0]) if ql[0] in QUANTITY_ORDER else 99, ql[1]))
        engines = list(dict.fromkeys(part["engine"]))
        grid = np.full((len(engines), len(columns)), np.nan)
        grid[[engines.index(e) for e in table["engine"]],
             [columns.index(ql) for ql in zip(table["quantity"], table["layer"])]] = table["max_ulp"].to_numpy()
        labels = [f"{q}[{l}]" for q, l in columns]
        title = f"worst error against the float64 reference, log10(1 + ulp), {dtype}"
        # the layout in inches, from the widths of the labels (as bbox_inches="tight" would find
        # them, without laying the figure out twice): the engines' names left of the cells, the
        # columns' names (upright) below, the title above, the colour bar and its labels right
        # (the title is centred over the cells: where it is the wider, the cells move right)
        axes_w, axes_h = max(4.0, 0.28 * len(columns)), 0.4 * len(engines) + 1.2
        half_title = _text_width([title], "large") / 2 + 0.15
        left = max(_text_width(engines, "medium") + 0.25, half_title - axes_w / 2)
        bottom, top = _text_width(labels, 8) + 0.2, 0.45
        bar_gap, bar_w, bar_labels = 0.2, 0.2, 0.6
        width = max(left + axes_w + bar_gap + bar_w + bar_labels, left + axes_w / 2 + half_title)
        height = bottom + axes_h + top
        fig = _figure(width, height)
        ax = fig.add_axes((left / width, bottom / height, axes_w / width, axes_h / height))
        bar = fig.add_axes(((left + axes_w + bar_gap) / width, bottom / height, bar_w / width, axes_h / height))
        image = ax.imshow(np.log10(1 + grid), aspect="auto", cmap="viridis", interpolation="nearest")
        ax.set_xticks(range(len(columns)), labels, rotation=90, fontsize=8)
        ax.set_yticks(range(len(engines)), engines)
        ax.set_title(title)
        fig.colorbar(image, cax=bar)
        out.append(_png(fig))
    return out


def _width(scenario_id: str) -> float:
    try:
        sizes = Scenario.from_id(scenario_id).layer_sizes
    except ValueError:
        return float("nan")
    return max(sizes[:-1])


def _error_plots(ref: pd.DataFrame) -> list[str]:
    widths = {sid: _width(sid) for sid in ref["scenario"].unique()}  # once per scenario, not per row
    ref = ref.assign(width=ref["scenario"].map(widths))
    out = []
    width, height = 13, 3.4
    m = ERROR_MARGINS
    for dtype, part in ref.groupby("dtype", sort=True):
        fig = _figure(width, height)
        fig.subplots_adjust(left=m["left"] / width, right=1 - m["right"] / width, bottom=m["bottom"] / height,
                            top=1 - m["top"] / height, wspace=0.08)
        axes = fig.subplots(1, 3, sharey=True)
        engines = list(dict.fromkeys(part["engine"]))
        for ax, (column, label) in zip(axes, [("m", "batch size m"), ("depth", "depth L"), ("width", "widest layer")]):
            plotted = False
            # one grouping per panel; an engine whose rows all lack the value (a --network file has
            # no width) has no points, as it had none when grouped engine by engine
            worst_of = {engine: rows.droplevel(0) for engine, rows
                        in part.groupby(["engine", column], sort=True)["max_rel_err"].max().groupby(level=0)}
            for engine in engines:
                worst = worst_of.get(engine, pd.Series(dtype=float))
                worst = worst[np.isfinite(worst) & (worst > 0)]
                ax.plot(worst.index, worst.values, marker="o", label=engine)
                plotted |= len(worst) > 0
            ax.set_xlabel(label)
            if plotted:  # a log scale needs a positive value: an exact run has none
                ax.set_yscale("log")
            else:
                ax.text(0.5, 0.5, "every error is exactly 0", ha="center", transform=ax.transAxes)
            if column == "m" and plotted:
                ax.set_xscale("log")
        axes[0].set_ylabel(f"worst relative error ({dtype})")
        axes[0].legend(fontsize=8)
        out.append(_png(fig))
    return out


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, border=0, na_rep="-") if len(df) else "<p><i>none</i></p>"


def _known(df: pd.DataFrame, judgement) -> list[str]:
    """The section "Known failures": the entries of the known-failures file and what became
    of each, then the known rows per scenario x engine with their reasons."""
    from crosscheck.running.known import entries_table, rows_table

    if judgement is None:
        return []
    kf, rows = judgement.known, rows_table(df, judgement)
    listed = f"{len(kf.entries)} entr{'y' if len(kf.entries) == 1 else 'ies'}"
    return ["<h2>Known failures</h2>",
            f"<p><code>{html.escape(kf.path)}</code> (sha256 <code>{kf.sha256[:16]}</code>) lists "
            f"{listed}; {int(rows['rows'].sum())} failing rows match them. They are not counted "
            "as failures (status <code>known</code> in discrepancies.csv, the entry's reason first in "
            "<code>message</code>)" + ("; strict: a fixed entry, or one that matches no row, fails the run"
                                       if kf.strict else "") + ".</p>",
            _table(entries_table(judgement)),
            f"<p>Known failing scenarios: {len(rows.drop_duplicates(['scenario', 'engine']))} scenario x engine "
            "pairs" + (f"; the first {MAX_ROWS}" if len(rows) > MAX_ROWS else "") + ".</p>",
            _table(rows.head(MAX_ROWS))]


def report_html(result, title: str, unavailable: dict, environment: dict, rerun: str | None = None,
                asked=(), network: str | None = None, diagnosis=None, shared: Views | None = None) -> str:
    """The page for a run; ``rerun`` is the start of the command that reruns a failing
    scenario (its --backward and the options that go with it), ``network`` the --network
    file; ``diagnosis`` (analyses/diagnosis.py) opens the page; ``shared``: the views that
    summary.md shows too (tables.views), when the caller has made them already."""
    from crosscheck.engines import rerun_command

    df = result.observations
    if shared is None:
        shared = views(df, unavailable, result.where, asked, getattr(result, "known", None))
    failed = df[~df["passed"].astype(bool)]
    ref = _reference_rows(df)
    verdict = "pass" if shared.passed else "fail"
    runs = shared.runs
    shown = runs.head(MAX_ROWS).copy()
    shown["rerun"] = [rerun_command(rerun or "crosscheck run", row.scenario, row.engine,
                                    network if row.scenario.startswith("net-") else None)
                      for row in shown.itertuples()]
    env = pd.DataFrame(list(environment.items()), columns=["", "value"])
    plots, left_out = figures_wanted(), ["<p><i>plots left out (CROSSCHECK_FIGURES=off)</i></p>"]
    found = [] if diagnosis is None or not len(diagnosis) else [
        "<h2>Diagnosis</h2>", "<ul>" + "".join(
            f"<li><b>{html.escape(row.engine)}</b>: {html.escape(row.finding)}. Smallest failing scenario: "
            f"<code>{html.escape(row.smallest_failing)}</code>; rerun: <code>{html.escape(row.rerun)}</code></li>"
            for row in diagnosis.itertuples()) + "</ul>"]
    body = [
        f"<h1>backprop-crosscheck: {html.escape(title)}</h1>",
        f'<pre class="{verdict}">{html.escape(shared.headline)}</pre>',
        *found,
        "<h2>The article's identities on each engine's own values</h2>", _table(shared.identities),
        "<h2>Worst error in ULPs, per engine x quantity x layer</h2>", *(_heatmaps(ref) if plots else left_out),
        "<h2>Error against batch size, depth and width</h2>", *(_error_plots(ref) if plots else left_out),
        f"<h2>Failing scenarios ({len(runs)}; {len(failed)} failing rows)</h2>",
        "<p>One row per failing scenario x engine, with its first wrong quantity"
        + (f"; the first {MAX_ROWS}" if len(runs) > MAX_ROWS else "") + ". Every failing row is in discrepancies.csv.</p>",
        _table(shown),
        *_known(df, shared.known),
        "<h2>Environment</h2>", _table(env),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>backprop-crosscheck: {html.escape(title)}</title><style>{STYLE}</style></head>\n"
            f"<body data-status=\"loading\">\n" + "\n".join(body) + SCRIPT + "</body></html>\n")
