"""The verdict of a run, in one place: per engine, how many scenarios it actually checked,
and whether the run passed: no failing row, and every engine that was asked for (by name,
``--backward``, ``--mutant``) checked at least one scenario.  Nothing checked is never a
PASS.  Rows a ``--known-failures`` file lists pass (status ``known``); under
``--strict-known`` an entry of it that is fixed or matches no row fails the run
(running/known.py: Judgement).
"""
from __future__ import annotations

import re

import pandas as pd

from crosscheck.running.statuses import CONVENTION, FINDING, INCONCLUSIVE, KNOWN, NOT_APPLICABLE, RUN, UNSUPPORTED


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


#: The start of the reason of an engine that checked no scenario at all (idle_engines).
NOTHING = "checked no scenario: "
#: The start of the message of an inconclusive row whose expected values are all exactly 0
#: (crosscheck/running/runner.py).
ALL_ZERO = "inconclusive: every expected value is exactly 0"
#: The start of the message of a half-precision row that only the error carried down from a
#: cancelled sum lets pass, where the dtype cannot tell a slip (running/records.py).
CANCELLED = "inconclusive: below a sum that cancels"


def idle_engines(df: pd.DataFrame, asked=()) -> dict[str, str]:
    """{engine: what it left unchecked, a sentence that follows its name} for the engines in
    ``asked`` that checked no scenario ("checked no scenario: every scenario was 20 not
    applicable; ..."), or no value of a parameter's gradient in the whole run: a dW[l] or
    db[l] whose every row expected exactly zero (a network whose weights all start at 0) or
    lies below a sum that cancels in half precision (CANCELLED), where no slip could show.
    (Rows that only the dtype's absolute term covers, bfloat16's db, are inconclusive without
    this: the same layer is checked in another dtype.)"""
    idle = {}
    counts = engine_counts(df).set_index("engine")
    for name in asked:
        if name in counts.index and counts.loc[name, "checked"] > 0:
            rows = df[(df["engine"] == name) & (df["check"] == "reference") & df["quantity"].isin(["dW", "db"])]
            inconclusive = rows["status"] == INCONCLUSIVE
            zero = inconclusive & rows["message"].str.startswith(ALL_ZERO)
            blind = (zero | inconclusive & rows["message"].str.startswith(CANCELLED)).groupby(
                [rows["quantity"], rows["layer"]], sort=True).all()
            if blind.any():
                names = ", ".join(f"{q}[{l}]" for q, l in blind[blind].index)
                why = ("every value of them expected exactly zero" if zero.groupby(
                    [rows["quantity"], rows["layer"]], sort=True).all()[blind].all() else
                       "every value of them expected exactly zero or lay below a sum that cancels in half precision")
                idle[name] = f"checked no value of {names}: {why} (every row inconclusive), where no slip could show"
            continue
        runs = df[(df["engine"] == name) & (df["check"] == RUN)]
        if not len(runs):
            idle[name] = NOTHING + "it ran no scenario"
            continue
        kinds = runs["status"].value_counts()
        what = " and ".join(f"{n} {status}" for status, n in kinds.items())
        idle[name] = NOTHING + f"every scenario was {what}; first: {runs['message'].iloc[0]}"
    return idle


def passed(df: pd.DataFrame, asked=(), known=None) -> bool:
    """True when no row failed, every engine asked for checked something and, with a
    known-failures file (``known``: its Judgement), no entry fails the run under strict."""
    return (bool(df["passed"].astype(bool).all()) and not idle_engines(df, asked)
            and (known is None or known.passed))


#: The cause in brackets at the end of a ``run`` row's message (runner.not_run_message).
_SHORT = re.compile(r" \[([^\[\]]+)\]$")
#: The name of a convention in a row's message: "convention (NAME): ...".
_CONVENTION = re.compile(r"^convention \(([^)]+)\)")
#: The finding's id at the start of a ``finding`` row's message.
FINDING_ID = re.compile(r"^finding \(([^)]+)\)")


def why_not_checked(messages: pd.Series, limit: int = 3) -> str:
    """The causes of ``messages`` (the run rows of one status) in a few words each, the
    commonest first: "tanh (declared)", or "100 tanh (declared); 38 loss mse (no loss
    parameter)"; a row without a bracketed cause counts by its reason, cut short."""
    def cause(message: str) -> str:
        found = _SHORT.search(message)
        if found:
            return found[1]
        reason = message.partition(": ")[2] or message
        return reason if len(reason) <= 60 else reason[:57] + "..."

    counts = messages.map(cause).value_counts(sort=True)
    if len(counts) == 1:
        return counts.index[0]
    shown = counts if len(counts) <= limit + 1 else counts.head(limit)
    text = "; ".join(f"{n} {label}" for label, n in shown.items())
    rest = counts.iloc[len(shown):]
    return text + (f"; {rest.sum()} for {len(rest)} other causes (discrepancies.csv)" if len(rest) else "")


def counted(n: int, noun: str) -> str:
    """``1 scenario``, ``2 scenarios``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _named(counts) -> str:
    """``name (3 rows), other (1 row)`` from {name: rows}."""
    return ", ".join(f"{name} ({counted(n, 'row')})" for name, n in counts.items())


def engine_lines(df: pd.DataFrame) -> list[str]:
    """Per engine, one line: 'NAME: N scenarios checked, K not applicable: WHY, U unsupported:
    WHY, F failed', then the rows shown apart (known failures, conventions by name, rows
    that could not have failed)."""
    lines = []
    for row in engine_counts(df).itertuples(index=False):
        part = df[df["engine"] == row.engine]
        runs = part[part["check"] == RUN]
        parts = [f"{counted(row.checked, 'scenario')} checked"]
        for n, what in ((row[3], NOT_APPLICABLE), (row.unsupported, UNSUPPORTED)):
            if n:
                parts.append(f"{n} {what}: {why_not_checked(runs.loc[runs['status'] == what, 'message'])}")
        inconclusive = int((part["status"] == INCONCLUSIVE).sum())
        known = part.loc[part["status"] == KNOWN, "scenario"].nunique()
        named = part.loc[part["status"] == CONVENTION, "message"].str.extract(_CONVENTION)[0].value_counts()
        found = part.loc[part["status"] == FINDING, "message"].str.extract(FINDING_ID)[0].value_counts()
        lines.append(f"{row.engine}: {', '.join(parts)}, {row.failed} failed"
                     + (f", {known} with known failures" if known else "")
                     + (f", findings: {_named(found)}" if len(found) else "")
                     + (f", conventions: {_named(named)}" if len(named) else "")
                     + (f" ({inconclusive} rows inconclusive: they could not have failed)" if inconclusive else ""))
    return lines
