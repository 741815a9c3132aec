"""Regressions between two discrepancy reports (a baseline and a current run).

A regression is: a row that passed and now fails (or is gone from a scenario x engine
that is still there); an error that grew by more than ``factor`` in ULPs; a scenario or
an engine that disappeared.  ULP counts below ``ULP_FLOOR`` are treated as ``ULP_FLOOR``,
so that 0 -> 3 ulp (rounding noise) is not a growth.  ``tolerance_notes`` says where the
two were judged under different tolerances (a --tolerance override, or another table): the
rtol and atol columns of the rows both have.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from crosscheck.running.statuses import KNOWN

from crosscheck.reporting.versions import check_schema

KEY = ["scenario", "engine", "check", "quantity", "layer"]
NEEDED = KEY + ["passed", "max_ulp"]
DEFAULT_FACTOR = 10.0
ULP_FLOOR = 16.0
REGRESSION_COLUMNS = ["kind", "scenario", "engine", "check", "quantity", "layer", "baseline", "current"]
#: The column names of reports written by the previous release, and what they are called now.
OLDER_COLUMNS = {"framework": "engine"}


def read_report(path) -> pd.DataFrame:
    """A discrepancies.csv (or .csv.gz); ValueError with one clear line if it is not one."""
    try:
        df = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"layer": "Int64", "message": str})
    except FileNotFoundError:
        raise ValueError(f"no file {path}") from None
    except Exception as exc:
        raise ValueError(f"cannot read {path} as CSV: {exc}") from None
    df = df.rename(columns={old: new for old, new in OLDER_COLUMNS.items() if new not in df.columns})
    if "schema" in df.columns:  # reporting/versions.py: absent in the previous release's reports
        for schema in df["schema"].dropna().unique():
            check_schema(schema, path)
    missing = [c for c in NEEDED if c not in df.columns]
    if missing:
        raise ValueError(f"{path} is not a discrepancies report: no column {', '.join(missing)}")
    if df["passed"].dtype != bool:
        df["passed"] = df["passed"].astype(str).str.lower().map({"true": True, "false": False})
        if df["passed"].isna().any():
            raise ValueError(f"{path}: column passed holds values other than True/False")
    return df


def _row(kind, key, baseline="", current="") -> dict:
    return dict(zip(REGRESSION_COLUMNS, (kind, *key, baseline, current)))


def regressions(baseline: pd.DataFrame, current: pd.DataFrame, factor: float = DEFAULT_FACTOR) -> pd.DataFrame:
    """One row per regression, REGRESSION_COLUMNS; empty when nothing got worse.  A row the
    current run labels ``known`` (a known-failures file) passed only by that label: against a
    baseline where it passed, it "now fails (known)" (re-record the baseline to accept it)."""
    out = []
    if "status" in current.columns and (current["status"] == KNOWN).any():
        current = current.assign(passed=current["passed"].astype(bool) & (current["status"] != KNOWN))
        known = set(zip(*[current.loc[current["status"] == KNOWN, k] for k in KEY]))
    else:
        known = set()
    base_engines, cur_engines = set(baseline["engine"]), set(current["engine"])
    for engine in sorted(base_engines - cur_engines):
        out.append(_row("engine disappeared", ("", engine, "", "", "")))
    base_sc, cur_sc = set(baseline["scenario"]), set(current["scenario"])
    for scenario in sorted(base_sc - cur_sc):
        out.append(_row("scenario disappeared", (scenario, "", "", "", "")))
    pairs = lambda df: set(zip(df["scenario"], df["engine"]))  # noqa: E731
    for scenario, engine in sorted(pairs(baseline) - pairs(current)):
        if scenario in cur_sc and engine in cur_engines:
            out.append(_row("scenario x engine disappeared", (scenario, engine, "", "", "")))
    merged = baseline[NEEDED].merge(current[NEEDED], on=KEY, how="left", suffixes=("_base", "_cur"),
                                    indicator=True)
    cur_pairs = pairs(current)  # rows of a pair reported gone above are not listed again
    merged = merged[[p in cur_pairs for p in zip(merged["scenario"], merged["engine"])]]
    gone = merged[(merged["_merge"] == "left_only") & merged["passed_base"]]
    for r in gone.itertuples():
        out.append(_row("row disappeared", (r.scenario, r.engine, r.check, r.quantity, r.layer), "passed", "absent"))
    both = merged[merged["_merge"] == "both"]
    newly = both[both["passed_base"] & ~both["passed_cur"].astype(bool)]
    for r in newly.itertuples():
        key = (r.scenario, r.engine, r.check, r.quantity, r.layer)
        out.append(_row("now fails", key, "passed", "known failure" if key in known else "failed"))
    grown = both[both["passed_cur"].astype(bool)
                 & (both["max_ulp_cur"].astype(float) > factor * both["max_ulp_base"].astype(float).clip(lower=ULP_FLOOR))]
    for r in grown.itertuples():
        out.append(_row(f"ulp grew > {factor:g}x", (r.scenario, r.engine, r.check, r.quantity, r.layer),
                        f"{r.max_ulp_base:.4g} ulp", f"{r.max_ulp_cur:.4g} ulp"))
    return pd.DataFrame(out, columns=REGRESSION_COLUMNS)



def tolerance_notes(baseline: pd.DataFrame, current: pd.DataFrame) -> list[str]:
    """One line per dtype whose rows (those both reports have) were judged under different
    tolerances: the rtols of each side, and on how many rows the absolute term differs.
    Empty when every shared row has the same rtol and atol (or a report lacks the columns)."""
    if not {"rtol", "atol", "dtype"} <= set(baseline.columns) & set(current.columns):
        return []
    both = baseline[KEY + ["dtype", "rtol", "atol"]].merge(current[KEY + ["rtol", "atol"]], on=KEY,
                                                            suffixes=("_base", "_cur"))
    number = {c: pd.to_numeric(both[c], errors="coerce").to_numpy(float)
              for c in ("rtol_base", "rtol_cur", "atol_base", "atol_cur")}
    rtol_differs = ~np.isclose(number["rtol_base"], number["rtol_cur"], rtol=1e-9, atol=0, equal_nan=True)
    # the absolute term is max(atol, scale * T): T comes from the float64 reference, equal to rounding
    atol_differs = ~np.isclose(number["atol_base"], number["atol_cur"], rtol=1e-6, atol=0, equal_nan=True)
    notes = []
    for dtype in sorted(both.loc[rtol_differs | atol_differs, "dtype"].unique()):
        rows = (both["dtype"] == dtype).to_numpy()
        text = f"{dtype}: the same rtol"
        if (rows & rtol_differs).any():
            base, cur = (", ".join(f"{r:g}" for r in sorted(set(number[f"rtol_{side}"][rows & rtol_differs])))
                         for side in ("base", "cur"))
            text = f"{dtype}: rtol {base} in the baseline, {cur} now"
        n = int((rows & atol_differs).sum())
        notes.append(text + (f"; the absolute term differs on {n} of {int(rows.sum())} rows" if n else ""))
    return notes
