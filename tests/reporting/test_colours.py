"""One colour per engine on every plot of report.html: the same engine has the same colour
in the float32 and the float64 panels, even where the engines come in another order (MLX's
float64 rows come after fd's) or one is missing (fd has no float32)."""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from crosscheck.checks.localise import WHERE_COLUMNS
from crosscheck.reporting import html
from tests.reporting.test_tables import _row

ORDER = ("numpy", "torch", "jax", "tensorflow", "autograd", "mlx", "fd")


def _run_rows() -> pd.DataFrame:
    """Reference rows as a run of every engine has them: float32 without fd; in float64 the
    engines that run the first scenarios come first, mlx (which declines most) after fd."""
    rows = []
    for dtype, engines in (("float32", ORDER[:-1]), ("float64", ("numpy", "torch", "jax", "tensorflow", "autograd",
                                                                 "fd", "mlx"))):
        for k, (scenario, m) in enumerate((("relu-sigmoid_4-5-1_m16_{}_s0", 16), ("tanh-sigmoid_4-3-1_m64_{}_s0", 64))):
            for engine in engines:
                rows.append(_row(engine, scenario=scenario.format(dtype), dtype=dtype, err=1e-7 * (k + 1)) | {"m": m})
    return pd.DataFrame(rows)


def _colours(figure) -> dict[str, str]:
    return {line.get_label(): line.get_color() for ax in figure.axes for line in ax.get_lines()
            if not line.get_label().startswith("_")}


def test_each_engine_has_one_colour_from_the_runs_order():
    colours = html.engine_colours(["numpy", "torch", "numpy", "fd", "mlx"])
    assert list(colours) == ["numpy", "torch", "fd", "mlx"] and len(set(colours.values())) == 4
    assert html.engine_colours(ORDER)["fd"] == html.PALETTE[6]


def test_the_same_engine_has_the_same_colour_in_both_dtype_panels(plots, monkeypatch):
    df = _run_rows()
    drawn = []
    monkeypatch.setattr(html, "_png", lambda fig: drawn.append(fig) or "<img>")  # the figures, before rendering
    result = SimpleNamespace(observations=df, where=pd.DataFrame(columns=WHERE_COLUMNS), known=None)
    html.report_html(result, "suite default", {}, {"Python": "3"})
    error_figures = [fig for fig in drawn if len(fig.axes) == 3]
    assert len(error_figures) == 2  # float32, float64
    float32, float64 = (_colours(fig) for fig in error_figures)
    assert set(float32) == set(ORDER) - {"fd"} and set(float64) == set(ORDER)
    assert all(float64[engine] == colour for engine, colour in float32.items())
    assert len(set(float64.values())) == len(ORDER)  # and no two engines share one
    assert float64 == html.engine_colours(df["engine"])
    # every panel of a figure: the same colours, in the run's order
    for fig in error_figures:
        for ax in fig.axes:
            labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
            assert labels == [e for e in ORDER if e in labels]
