"""The verdict of a run, in one place: per engine, how many scenarios it actually checked,
and whether the run passed: no failing row, and every engine that was asked for (by name,
``--backward``, ``--mutant``) checked at least one scenario.  Nothing checked is never a
PASS.  Rows a ``--known-failures`` file lists pass (status ``known``); under
``--strict-known`` an entry of it that is fixed or matches no row fails the run
(running/known.py: Judgement).
"""
from __future__ import annotations

import pandas as pd

from crosscheck.running.statuses import BLIND, KNOWN, NOT_APPLICABLE, RUN, UNSUPPORTED


def engine_counts(df: pd.DataFrame) -> pd.DataFrame:
    """One row per engine (in the order they ran): scenarios, checked, not applicable,
    unsupported, failed (scenarios with a failing row)."""
    rows = []
    for engine, part in df.groupby("engine", sort=False):
        runs = part[part["check"] == RUN]
        not_applicable = int((runs["status"] == NOT_APPLICABLE).sum())
        unsupported = int((runs["status"] == UNSUPPORTED).sum())
        scenarios = part["scenario"].nunique()
        rows.append({"engine": engine, "scenarios": scenarios, "checked": scenarios - not_applicable - unsupported,
                     "not applicable": not_applicable, "unsupported": unsupported,
                     "failed": part.loc[~part["passed"].astype(bool), "scenario"].nunique()})
    return pd.DataFrame(rows, columns=["engine", "scenarios", "checked", "not applicable", "unsupported", "failed"])


def idle_engines(df: pd.DataFrame, asked=()) -> dict[str, str]:
    """{engine: why it checked nothing} for the engines in ``asked`` that checked no scenario."""
    idle = {}
    counts = engine_counts(df).set_index("engine")
    for name in asked:
        if name in counts.index and counts.loc[name, "checked"] > 0:
            continue
        runs = df[(df["engine"] == name) & (df["check"] == RUN)]
        if not len(runs):
            idle[name] = "it ran no scenario"
            continue
        kinds = runs["status"].value_counts()
        what = " and ".join(f"{n} {status}" for status, n in kinds.items())
        idle[name] = f"every scenario was {what}; first: {runs['message'].iloc[0]}"
    return idle


def passed(df: pd.DataFrame, asked=(), known=None) -> bool:
    """True when no row failed, every engine asked for checked something and, with a
    known-failures file (``known``: its Judgement), no entry fails the run under strict."""
    return (bool(df["passed"].astype(bool).all()) and not idle_engines(df, asked)
            and (known is None or known.passed))


def engine_lines(df: pd.DataFrame) -> list[str]:
    """'NAME: N scenarios checked, K not applicable, U unsupported, F failed' per engine."""
    lines = []
    for row in engine_counts(df).itertuples(index=False):
        parts = [f"{row.checked} scenarios checked"]
        parts += [f"{n} {what}" for n, what in ((row[3], "not applicable"), (row.unsupported, "unsupported")) if n]
        blind = int(((df["engine"] == row.engine) & (df["status"] == BLIND)).sum())
        known = df.loc[(df["engine"] == row.engine) & (df["status"] == KNOWN), "scenario"].nunique()
        lines.append(f"{row.engine}: {', '.join(parts)}, {row.failed} failed"
                     + (f", {known} with known failures" if known else "")
                     + (f" ({blind} rows inconclusive at this precision: a zero would pass them)" if blind else ""))
    return lines
