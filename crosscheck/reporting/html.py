"""report.html: one self-contained page (styles inline, plots as embedded PNG, no network).

Headline, identity table, heatmaps of the worst ULP error per engine x quantity x layer
(one per dtype), error against batch size, depth and width, every failing row with its
localisation and a command that reruns it, and the environment.  A few lines of script
mark the page ``data-status="ok:N"`` once its N images have loaded (or ``error``), which
the tests read back from headless Chromium.
"""
from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd

from crosscheck.reporting.tables import failing_runs_table, headline, identity_table
from crosscheck.running.verdict import passed
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


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _heatmaps(df: pd.DataFrame) -> list[str]:
    import matplotlib.pyplot as plt

    ref = df[(df["check"] == "reference") & (df["layer"] >= 0)]
    out = []
    for dtype, part in ref.groupby("dtype", sort=True):
        table = part.groupby(["engine", "quantity", "layer"])["max_ulp"].max().reset_index()
        columns = sorted({(q, l) for q, l in zip(table["quantity"], table["layer"])},
                         key=lambda ql: (QUANTITY_ORDER.index(ql[0]) if ql[0] in QUANTITY_ORDER else 99, ql[1]))
        engines = list(dict.fromkeys(part["engine"]))
        grid = np.full((len(engines), len(columns)), np.nan)
        for row in table.itertuples():
            grid[engines.index(row.engine), columns.index((row.quantity, row.layer))] = row.max_ulp
        fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(columns)), 0.5 * len(engines) + 1.6))
        image = ax.imshow(np.log10(1 + grid), aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(columns)), [f"{q}[{l}]" for q, l in columns], rotation=90, fontsize=8)
        ax.set_yticks(range(len(engines)), engines)
        ax.set_title(f"worst error against the float64 reference, log10(1 + ulp), {dtype}")
        fig.colorbar(image, ax=ax)
        out.append(_png(fig))
    return out


def _width(scenario_id: str) -> float:
    try:
        sizes = Scenario.from_id(scenario_id).layer_sizes
    except ValueError:
        return float("nan")
    return max(sizes[:-1])


def _error_plots(df: pd.DataFrame) -> list[str]:
    import matplotlib.pyplot as plt

    ref = df[(df["check"] == "reference") & (df["layer"] >= 0)].copy()
    ref["width"] = ref["scenario"].map(_width)
    out = []
    for dtype, part in ref.groupby("dtype", sort=True):
        fig, axes = plt.subplots(1, 3, figsize=(13, 3.4), sharey=True)
        for ax, (column, label) in zip(axes, [("m", "batch size m"), ("depth", "depth L"), ("width", "widest layer")]):
            plotted = False
            for engine, rows in part.groupby("engine", sort=False):
                worst = rows.groupby(column)["max_rel_err"].max()
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


def report_html(result, title: str, unavailable: dict, environment: dict, rerun: str | None = None,
                asked=(), network: str | None = None, diagnosis=None) -> str:
    """The page for a run; ``rerun`` is the start of the command that reruns a failing
    scenario (its --backward and the options that go with it), ``network`` the --network
    file; ``diagnosis`` (analyses/diagnosis.py) opens the page."""
    import matplotlib

    from crosscheck.engines import rerun_command

    matplotlib.use("Agg")
    df = result.observations
    failed = df[~df["passed"].astype(bool)]
    verdict = "pass" if passed(df, asked) else "fail"
    runs = failing_runs_table(df, result.where)
    shown = runs.head(MAX_ROWS).copy()
    shown["rerun"] = [rerun_command(rerun or "crosscheck run", row.scenario, row.engine,
                                    network if row.scenario.startswith("net-") else None)
                      for row in shown.itertuples()]
    env = pd.DataFrame(list(environment.items()), columns=["", "value"])
    found = [] if diagnosis is None or not len(diagnosis) else [
        "<h2>Diagnosis</h2>", "<ul>" + "".join(
            f"<li><b>{html.escape(row.engine)}</b>: {html.escape(row.finding)}. Smallest failing scenario: "
            f"<code>{html.escape(row.smallest_failing)}</code>; rerun: <code>{html.escape(row.rerun)}</code></li>"
            for row in diagnosis.itertuples()) + "</ul>"]
    body = [
        f"<h1>backprop-crosscheck: {html.escape(title)}</h1>",
        f'<pre class="{verdict}">{html.escape(headline(df, unavailable, asked))}</pre>',
        *found,
        "<h2>The article's identities on each engine's own values</h2>", _table(identity_table(df)),
        "<h2>Worst error in ULPs, per engine x quantity x layer</h2>", *_heatmaps(df),
        "<h2>Error against batch size, depth and width</h2>", *_error_plots(df),
        f"<h2>Failing scenarios ({len(runs)}; {len(failed)} failing rows)</h2>",
        "<p>One row per failing scenario x engine, with its first wrong quantity"
        + (f"; the first {MAX_ROWS}" if len(runs) > MAX_ROWS else "") + ". Every failing row is in discrepancies.csv.</p>",
        _table(shown),
        "<h2>Environment</h2>", _table(env),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>backprop-crosscheck: {html.escape(title)}</title><style>{STYLE}</style></head>\n"
            f"<body data-status=\"loading\">\n" + "\n".join(body) + SCRIPT + "</body></html>\n")
