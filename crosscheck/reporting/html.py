"""report.html: one self-contained page (styles inline, plots as embedded PNG, no network).

Headline, identity table, heatmaps of the worst error as a share of its tolerance per
engine x quantity x layer (one per dtype), the same against batch size, depth and width
(each engine in one colour on every plot: engine_colours), every failing row with its
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

from crosscheck.reporting.tables import SHARE_TEXT, Views, share_text, tolerance_share, views
from crosscheck.running.statuses import FAIL, PASS
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
    """The rows of both plots: agreement with the reference, per layer, judged (pass or fail;
    conventions, inconclusive rows and known failures are shown apart, as in the tables),
    with ``share``: each row's worst error as a share of its tolerance (tables.tolerance_share)."""
    ref = df[(df["check"] == "reference") & (df["layer"] >= 0) & df["status"].isin([PASS, FAIL])]
    return ref.assign(share=tolerance_share(ref))


#: The colours of the engines, in the order of the run: matplotlib's tab10, then tab20's light ones.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
           "#dbdb8d", "#9edae5"]


def engine_colours(engines) -> dict[str, str]:
    """{engine: colour}, one per engine from the run's engine order, the same in every panel
    and figure of the page (an engine missing from a dtype keeps its colour, and the next
    engine keeps its own)."""
    return {engine: PALETTE[i % len(PALETTE)] for i, engine in enumerate(dict.fromkeys(engines))}


#: The heatmaps' colour scale, log10 of the share of the tolerance: from 0.01% (and below,
#: exact values included) through the tolerance (0) to beyond it.
FLOOR = -4


def _log_share(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log10(np.maximum(values, 10.0 ** FLOOR))


def _heatmap_figures(ref: pd.DataFrame) -> list:
    """One heatmap per dtype: engines x quantity[layer], the worst error as a share of its
    tolerance, on a log scale centred on the tolerance (blue inside it, red beyond)."""
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.ticker import FixedLocator

    figures = []
    for dtype, part in ref.groupby("dtype", sort=True):
        table = part.groupby(["engine", "quantity", "layer"], sort=False)["share"].max().reset_index()
        columns = sorted({(q, l) for q, l in zip(table["quantity"], table["layer"])},
                         key=lambda ql: (QUANTITY_ORDER.index(ql[0]) if ql[0] in QUANTITY_ORDER else 99, ql[1]))
        engines = list(dict.fromkeys(part["engine"]))
        grid = np.full((len(engines), len(columns)), np.nan)
        grid[[engines.index(e) for e in table["engine"]],
             [columns.index(ql) for ql in zip(table["quantity"], table["layer"])]] = table["share"].to_numpy()
        labels = [f"{q}[{l}]" for q, l in columns]
        title = f"worst error as a share of its tolerance, {dtype}"
        # the layout in inches, from the widths of the labels (as bbox_inches="tight" would find
        # them, without laying the figure out twice): the engines' names left of the cells, the
        # columns' names (upright) below, the title above, the colour bar and its labels right
        # (the title is centred over the cells: where it is the wider, the cells move right)
        axes_w, axes_h = max(4.0, 0.28 * len(columns)), 0.4 * len(engines) + 1.2
        half_title = _text_width([title], "large") / 2 + 0.15
        left = max(_text_width(engines, "medium") + 0.25, half_title - axes_w / 2)
        bottom, top = _text_width(labels, 8) + 0.2, 0.45
        bar_gap, bar_w, bar_labels = 0.2, 0.2, 0.7
        width = max(left + axes_w + bar_gap + bar_w + bar_labels, left + axes_w / 2 + half_title)
        height = bottom + axes_h + top
        fig = _figure(width, height)
        ax = fig.add_axes((left / width, bottom / height, axes_w / width, axes_h / height))
        bar = fig.add_axes(((left + axes_w + bar_gap) / width, bottom / height, bar_w / width, axes_h / height))
        logs = _log_share(grid)
        top_value = max(1, int(np.ceil(np.nanmax(logs)))) if np.isfinite(logs).any() else 1
        image = ax.imshow(logs, aspect="auto", cmap="RdYlBu_r", interpolation="nearest",
                          norm=TwoSlopeNorm(vcenter=0, vmin=FLOOR, vmax=top_value))
        ax.set_xticks(range(len(columns)), labels, rotation=90, fontsize=8)
        ax.set_yticks(range(len(engines)), engines)
        ax.set_title(title)
        colorbar = fig.colorbar(image, cax=bar)
        step = max(1, -(-(top_value - FLOOR) // 7))  # at most about eight labels, the tolerance (0) among them
        ticks = sorted(set(range(0, FLOOR - 1, -step)) | set(range(0, top_value + 1, step)))
        colorbar.ax.yaxis.set_major_locator(FixedLocator(ticks))
        colorbar.ax.set_yticklabels([share_text(10.0 ** t) for t in ticks], fontsize=8)
        figures.append(fig)
    return figures


def _heatmaps(ref: pd.DataFrame) -> list[str]:
    return [_png(fig) for fig in _heatmap_figures(ref)]


def _width(scenario_id: str) -> float:
    try:
        sizes = Scenario.from_id(scenario_id).layer_sizes
    except ValueError:
        return float("nan")
    return max(sizes[:-1])


def _error_figures(ref: pd.DataFrame, colours: dict[str, str]) -> list:
    """One row of three panels per dtype: the worst error as a share of its tolerance
    against batch size, depth and width, a line per engine in its colour (``colours``,
    engine_colours), the tolerance dashed."""
    from matplotlib.ticker import FuncFormatter

    widths = {sid: _width(sid) for sid in ref["scenario"].unique()}  # once per scenario, not per row
    ref = ref.assign(width=ref["scenario"].map(widths))
    figures = []
    width, height = 13, 3.4
    m = ERROR_MARGINS
    for dtype, part in ref.groupby("dtype", sort=True):
        fig = _figure(width, height)
        fig.subplots_adjust(left=m["left"] / width, right=1 - m["right"] / width, bottom=m["bottom"] / height,
                            top=1 - m["top"] / height, wspace=0.08)
        axes = fig.subplots(1, 3, sharey=True)
        present = set(part["engine"])
        engines = [e for e in colours if e in present]  # the run's order, in every panel
        for ax, (column, label) in zip(axes, [("m", "batch size m"), ("depth", "depth L"), ("width", "widest layer")]):
            plotted = False
            # one grouping per panel; an engine whose rows all lack the value (a --network file has
            # no width) has no points, as it had none when grouped engine by engine
            worst_of = {engine: rows.droplevel(0) for engine, rows
                        in part.groupby(["engine", column], sort=True)["share"].max().groupby(level=0)}
            for engine in engines:
                worst = worst_of.get(engine, pd.Series(dtype=float))
                worst = worst[np.isfinite(worst) & (worst > 0)]
                ax.plot(worst.index, worst.values, marker="o", label=engine, color=colours[engine])
                plotted |= len(worst) > 0
            ax.set_xlabel(label)
            if plotted:  # a log scale needs a positive value: an exact run has none
                ax.set_yscale("log")
                ax.axhline(1.0, color="#b00020", linestyle="--", linewidth=0.8)
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: share_text(v)))
            else:
                ax.text(0.5, 0.5, "every error is exactly 0", ha="center", transform=ax.transAxes)
            if column == "m" and plotted:
                ax.set_xscale("log")
        axes[0].set_ylabel(f"worst error / tolerance ({dtype})")
        axes[0].legend(fontsize=8)
        figures.append(fig)
    return figures


def _error_plots(ref: pd.DataFrame, colours: dict[str, str]) -> list[str]:
    return [_png(fig) for fig in _error_figures(ref, colours)]


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
        "<h2>Worst error as a share of its tolerance, per engine x quantity x layer</h2>",
        f"<p>{html.escape(SHARE_TEXT[0].upper() + SHARE_TEXT[1:])} Over the rows judged: conventions, "
        "inconclusive rows and known failures are shown apart.</p>",
        *(_heatmaps(ref) if plots else left_out),
        "<h2>Error against batch size, depth and width</h2>",
        *(_error_plots(ref, engine_colours(df["engine"])) if plots else left_out),
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
