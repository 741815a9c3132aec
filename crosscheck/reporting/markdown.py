"""summary.md: the headline, the diagnosis, then the identity table, the expected
differences, the worst agreement, the failing scenarios, the known failures (with
--known-failures), where it goes wrong and the gradient-check difference.  Nothing
in it depends on timing, so the same scenarios give the same bytes."""
from __future__ import annotations

import pandas as pd

from crosscheck.analyses.diagnosis import diagnosis_lines
from crosscheck.checks.gradient_check import COURSE_THRESHOLD
from crosscheck.checks.identities import IDENTITY_TEXT
from crosscheck.checks.localise import WHERE_COLUMNS
from crosscheck.reporting.tables import (
    SHARE_TEXT,
    Views,
    difference_table,
    expected_table,
    not_applicable_lines,
    not_returned_lines,
    views,
    where_lines,
    worst_table,
)
from crosscheck.running.statuses import EXPECTED, FAIL, KNOWN

#: summary.md lists this many failing scenarios (then a count): short enough for a CI step summary.
MAX_FAILURES = 50


def _md(df: pd.DataFrame) -> str:
    return df.to_markdown(index=False) if len(df) else "_none_"


def known_lines(df: pd.DataFrame, judgement) -> list[str]:
    """The section "Known failures": every entry of the known-failures file with what became
    of it, then the known rows per scenario x engine with their reasons (running/known.py)."""
    from crosscheck.running.known import entries_table, rows_table

    if judgement is None:
        return []
    kf, rows = judgement.known, rows_table(df, judgement)
    listed = f"{len(kf.entries)} entr{'y' if len(kf.entries) == 1 else 'ies'}"
    strict = ("; with strict known failures (`--strict-known`) a fixed entry, or one that matches no row, fails "
              "the run" if kf.strict else "")
    return [
        "## Known failures", "",
        f"`{kf.path}` (sha256 `{kf.sha256[:16]}`) lists {listed}; {int(rows['rows'].sum())} "
        "failing rows match them. They are not counted as failures: their status is `known` in "
        "discrepancies.csv and their message starts with the entry's reason; where they go wrong is in "
        "where.csv. An entry is known when it matches a failing row, fixed when every row it matches passes, "
        f"and reported when it matches no row of the run{strict}.", "",
        _md(entries_table(judgement)), "",
        f"Known failing scenarios ({len(rows.drop_duplicates(['scenario', 'engine']))} scenario x engine pairs):", "",
        _md(rows.head(MAX_FAILURES)), "",
        *([f"... and {len(rows) - MAX_FAILURES} more in discrepancies.csv (status `known`)", ""]
          if len(rows) > MAX_FAILURES else []),
    ]


def summary_markdown(df: pd.DataFrame, title: str, unavailable: dict, differences=None, where=None,
                     asked=(), diagnosis=None, shared: Views | None = None) -> str:
    """summary.md: headline; the diagnosis of every failing engine; (a) identities x engines;
    (b) worst per engine x quantity x dtype; (c) failing scenarios x engines, each with its
    first wrong quantity (the first MAX_FAILURES, then a count); where it goes wrong; the
    course's gradient-check difference.  ``shared``: the views of ``df`` that report.html shows
    too (tables.views), when the caller has made them already."""
    extra = [] if where is None else [
        "## Where it goes wrong", "",
        "In backprop order (dA[L], dZ[L], dW[L], db[L], dA[L-1], ...): the first quantity that fails the "
        "reference check, and for each failing one whether it originates there (not what its formula gives "
        "from the engine's own inputs) or is inherited from a wrong input. All of it in where.csv.", "",
        *where_lines(_still_failing(where, df)), "",
    ]
    extra += [] if differences is None else [
        "## The course's gradient-check difference", "",
        "`norm(g - g_ref) / (norm(g) + norm(g_ref))` over all dW, db (g_ref: the float64 reference); the "
        f"course's exercise fails above {COURSE_THRESHOLD:g}, a float64 threshold. Per scenario in "
        "differences.csv.", "",
        _md(difference_table(differences)), "",
    ]
    if shared is None:
        shared = views(df, unavailable, where if where is not None else pd.DataFrame(columns=WHERE_COLUMNS), asked)
    runs = shared.runs
    notes = not_returned_lines(df) + not_applicable_lines(df)
    return "\n".join([
        f"# backprop-crosscheck: {title}", "",
        "```", shared.headline, "```", "",
        *([] if diagnosis is None or not len(diagnosis) else [
            "## Diagnosis", "",
            "What each failing engine's values are: a slip of the mutant catalogue they match (checked on every "
            "failing scenario and on passing ones), a constant factor, or the features that separate its failing "
            "scenarios from the passing ones. All of it in diagnosis.csv.", "",
            *diagnosis_lines(diagnosis), ""]),
        *[f"- {line}" for line in notes],
        *([""] if notes else []),
        "## The article's identities on each engine's own values", "",
        "; ".join(f"`{check}`: {text}" for check, text in IDENTITY_TEXT.items()) + f". `worst`: {SHARE_TEXT}",
        "",
        _md(shared.identities), "",
        *([] if not df["status"].isin(EXPECTED).any() else [
            "## Differences that are expected", "",
            "Negative controls: `A-Y` on an output/loss pair where it must not hold (the `chain` row of the "
            "same scenario checks dZ[L] = dA[L] * g'(Z[L]) instead); a negative control that holds is a "
            "failure. Conventions: rows where the engine's value is what the reference gives under a named "
            "convention (relu'(0), the chain rule at a saturated output, BCELoss's clamping, JAX without "
            "x64), checked value by value; anything else stays a failure. Not counted as failures.", "",
            _md(expected_table(df)), ""]),
        "## Worst agreement with the float64 reference", "",
        f"`worst, of its tolerance`: {SHARE_TEXT} Over the rows judged (conventions, inconclusive rows and "
        "known failures are counted apart), as `max_abs_err` and `max_rel_err`.", "",
        _md(worst_table(df)), "",
        f"## Failing scenarios ({len(runs)}; {int((~df['passed']).sum())} failing rows, all in discrepancies.csv)",
        "", _md(runs.head(MAX_FAILURES)), "",
        *([f"... and {len(runs) - MAX_FAILURES} more failing scenarios in discrepancies.csv", ""]
          if len(runs) > MAX_FAILURES else []),
        *known_lines(df, shared.known),
        *extra,
    ])


def _still_failing(where: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """``where`` without the scenario x engine pairs whose failures are all known ones."""
    if not (df["status"] == KNOWN).any():
        return where
    failing = set(zip(*(df.loc[df["status"] == FAIL, c] for c in ("scenario", "engine"))))
    return where[[pair in failing for pair in zip(where["scenario"], where["engine"])]]
