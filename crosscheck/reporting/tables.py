"""The frames and lines every view of a run shows (summary.md, report.html, the terminal,
``Result``): the headline, the identity table (in words) and the table of checks (short
cells, the terminal's), the worst agreement, the failing rows and scenarios, where it goes
wrong and the course's gradient-check difference.  The worst error is said in one unit
everywhere: its share of the tolerance it was judged by (tolerance_share, share_text)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crosscheck.checks.gradient_check import COURSE_THRESHOLD
from crosscheck.checks.identities import IDENTITIES
from crosscheck.checks.per_example import CHECK as PER_EXAMPLE_CHECK
from crosscheck.running.statuses import (
    INCONCLUSIVE,
    CONVENTION,
    EXPECTED,
    FINDING,
    INCONCLUSIVE_CONTROL,
    KNOWN,
    NOT_APPLICABLE,
    RUN,
    UNSUPPORTED,
)
from crosscheck.running.verdict import NOTHING, engine_lines, idle_engines, passed


def _g(x) -> str:
    return "-" if pd.isna(x) else f"{x:.3g}"


def tolerance_share(df: pd.DataFrame) -> pd.Series:
    """Each row's greatest error as a share of the tolerance it was judged by:
    ``max_abs_err / (atol + rtol |expected_at_worst|)`` at the element of the greatest
    |actual - expected| (discrepancies.csv's columns; ``atol`` the absolute term used for
    that array).  At most 1 on a passing row; a failing row's is at least 1 (an element
    is outside: where the greatest |diff| sits inside its own bound, another element is
    not, and the share is said as just over 1).  0 for an exact row, inf for NaN or inf
    among the values, NaN where nothing was compared (a ``run`` row)."""
    err = df["max_abs_err"].astype(float)
    bound = df["atol"].astype(float) + df["rtol"].astype(float) * df["expected_at_worst"].astype(float).abs()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(err == 0, 0.0, err / bound)
    share = pd.Series(share, index=df.index, dtype=float)
    failing = ~df["passed"].astype(bool) & (df["mismatched"].astype(float) > 0)
    return share.where(~failing | ~(share <= 1), np.nextafter(1.0, 2.0))


#: What "worst" means, in every view (docs/reports.md: The worst error).
SHARE_TEXT = ("the greatest error as a share of the tolerance it was judged by, max_abs_err / (atol + rtol "
              "|expected|) at the element of the greatest |diff|: up to 100% passes (2% is far inside it), "
              "beyond it a multiple (40x: forty times what is allowed).")


def share_text(share: float) -> str:
    """A share of the tolerance, in words a reader can judge: up to the tolerance as a
    percentage of it ("2.1%", "100%"), beyond it as a multiple ("40x")."""
    if pd.isna(share):
        return "-"
    if np.isinf(share):
        return "inf"
    if share == 0:
        return "0%"
    if share <= 1:
        percent = 100 * share
        return "<0.01%" if percent < 0.01 else f"{percent:.2g}%" if percent < 10 else f"{percent:.0f}%"
    return f"{share:.2g}x" if share < 10 or share >= 1e5 else f"{share:.0f}x"


def headline(df: pd.DataFrame, unavailable: dict, asked=(), known=None) -> str:
    """Scenarios, engines, dtypes, rows, failures; per engine (one line each, in the order
    they ran, which names them) how many scenarios it checked;
    engines that could not run, and engines asked for that checked nothing (a FAIL); the
    known failures, and the entries of the known-failures file that are fixed (``known``:
    its Judgement, running/known.py)."""
    failed = int((~df["passed"].astype(bool)).sum())
    n_known = int((df["status"] == KNOWN).sum())
    n_found = int((df["status"] == FINDING).sum())
    idle = idle_engines(df, asked)
    dtypes, n_engines, n_scenarios = sorted(df["dtype"].unique()), df["engine"].nunique(), df["scenario"].nunique()
    text = (
        f"{n_scenarios} scenario{'s' if n_scenarios != 1 else ''} x {n_engines} engine{'s' if n_engines != 1 else ''} "
        f"x {len(dtypes)} "
        f"dtype{'s' if len(dtypes) != 1 else ''} ({', '.join(dtypes)}): {len(df)} checks, {failed} failed"
        + (f", {n_known} known failures" if n_known else "")
        + (f", {n_found} explained by findings" if n_found else "")
        + "".join(f", {n} engine{'s' if n > 1 else ''} {what}" for n, what in (
            (sum(r.startswith(NOTHING) for r in idle.values()), "checked nothing"),
            (sum(not r.startswith(NOTHING) for r in idle.values()), "left a gradient unchecked")) if n)
        + f" -> {'PASS' if passed(df, asked, known) else 'FAIL'}"
    )
    text += "".join(f"\n{line}" for line in engine_lines(df))
    text += "".join(f"\n{line}" for line in (known.lines() if known is not None else []))
    for name, reason in idle.items():
        text += f"\nengine {name} {reason}"
    for name, reason in unavailable.items():
        text += f"\nengine {name} unavailable: {reason}"
    return text


#: Why an engine has no row of a check, in the long form (summary.md) and the short (the terminal).
_MISSING = {
    "nothing": ("- (nothing checked)", "not checked"),
    "dZ": ("- (no dZ returned)", "no dZ"),
    "dA[L]": ("- (no dA[L] returned)", "no dA[L]"),
    "dZ[L]": ("- (no dZ[L] returned)", "no dZ[L]"),
    "depth": ("- (no such layer: depth 1 only)", "depth 1"),
    "other": ("- (not returned: the values it needs)", "not given"),
    "per example": ("- (no per-example gradients)", "none"),
}


def _missing_identity(part: pd.DataFrame, check: str, short: bool = False) -> str:
    """Why an engine has no row of identity ``check``: what it did not return, or no such layer."""
    ref = part[part["check"] == "reference"]
    if not len(ref):
        why = "nothing"
    elif check == PER_EXAMPLE_CHECK:
        why = "per example"
    elif "dZ" not in set(ref["quantity"]) and check != "reference":
        why = "dZ"
    elif check == "chain":
        top = ref[(ref["quantity"] == "dA") & (ref["layer"] == ref["depth"])]
        why = "dA[L]" if not len(top) else "dZ[L]"
    elif check == "recursion" and (ref["depth"] == 1).all():
        why = "depth"
    else:
        why = "other"
    return _MISSING[why][1 if short else 0]


@dataclass(frozen=True)
class Cell:
    """The rows of one engine x check, counted: those judged (pass or fail), and those shown
    apart (negative controls, conventions, inconclusive rows, known failures)."""

    judged: int
    failed: int
    failed_scenarios: int
    #: The greatest error of the judged rows as a share of its tolerance (tolerance_share).
    worst: float
    worst_abs: float
    controls: int
    inconclusive_controls: int
    convention: int
    inconclusive: int
    known: int
    known_scenarios: int
    finding: int = 0

    @property
    def apart(self) -> dict[str, int]:
        """{what: rows} of the rows shown apart, the ones there are."""
        counts = {"negative controls": self.controls + self.inconclusive_controls, "convention": self.convention,
                  "inconclusive": self.inconclusive, "known failures": self.known, "findings": self.finding}
        return {what: n for what, n in counts.items() if n}


def _cell(rows: pd.DataFrame) -> Cell:
    status = rows["status"]
    expected, known = status.isin(EXPECTED), status == KNOWN
    judged = rows[~expected & ~known]
    failing = ~judged["passed"].astype(bool)
    share = tolerance_share(judged) if len(judged) else pd.Series(dtype=float)
    n_inconclusive_controls = int((status == INCONCLUSIVE_CONTROL).sum())
    n_convention, n_inconclusive = int((status == CONVENTION).sum()), int((status == INCONCLUSIVE).sum())
    n_finding = int((status == FINDING).sum())
    return Cell(len(judged), int(failing.sum()), judged.loc[failing, "scenario"].nunique(),
                float(share.max()) if len(share) else float("nan"),
                float(judged["max_abs_err"].max()) if len(judged) else float("nan"),
                int(expected.sum()) - n_inconclusive_controls - n_convention - n_inconclusive - n_finding,
                n_inconclusive_controls, n_convention, n_inconclusive, int(known.sum()),
                rows.loc[known, "scenario"].nunique(), n_finding)


def _cells(df: pd.DataFrame, checks) -> dict:
    """{(engine, check): Cell} of the engines and checks that have rows."""
    part = df[df["check"].isin(checks)]
    return {key: _cell(rows) for key, rows in part.groupby(["engine", "check"], sort=False)}


def not_applicable_lines(df: pd.DataFrame, limit: int = 3) -> list[str]:
    """Per engine, how many scenarios were not applicable and the commonest reasons."""
    lines = []
    runs = df[(df["check"] == RUN) & (df["status"] == NOT_APPLICABLE)]
    for engine, part in runs.groupby("engine", sort=False):
        reasons = part["message"].str.replace("not applicable: ", "", regex=False).value_counts()
        text = "; ".join(f"{n} because {reason}" for reason, n in reasons.head(limit).items())
        more = f"; {len(reasons) - limit} other reasons in discrepancies.csv" if len(reasons) > limit else ""
        lines.append(f"{engine}: {len(part)} scenarios not applicable: {text}{more}")
    return lines


def identity_table(df: pd.DataFrame) -> pd.DataFrame:
    """Identities x engines, in words: holds in every scenario?, failing rows, the worst
    error as a share of its tolerance and the worst absolute error; negative controls
    (where the identity must not hold), conventions, inconclusive rows and known failures
    counted apart; where an engine has no row, why (what it did not return).  summary.md's
    and report.html's table; the terminal's is check_grid."""
    rows = []
    engines = list(dict.fromkeys(df["engine"]))
    cells = _cells(df, IDENTITIES)
    for check in IDENTITIES:
        row = {"identity": check}
        for engine in engines:
            c = cells.get((engine, check))
            if c is None:
                row[engine] = _missing_identity(df[df["engine"] == engine], check)
                continue
            texts = []
            if c.judged:
                verdict = "holds" if c.failed == 0 else f"FAILS in {c.failed_scenarios} scenarios"
                texts.append(f"{verdict} ({c.judged - c.failed}/{c.judged}); worst {share_text(c.worst)} of its "
                             f"tolerance, abs {_g(c.worst_abs)}")
            if c.controls or c.inconclusive_controls:
                texts.append(f"does not hold, as expected, in {c.controls} negative controls"
                             + (f" ({c.inconclusive_controls} inconclusive at this precision)"
                                if c.inconclusive_controls else ""))
            if c.convention:
                texts.append(f"differs by a convention in {c.convention} rows")
            if c.finding:
                texts.append(f"differs by a finding of the ledger in {c.finding} rows")
            if c.inconclusive:
                texts.append(f"{c.inconclusive} rows inconclusive (they could not have failed)")
            if c.known:
                texts.append(f"fails as known in {c.known_scenarios} scenarios ({c.known} rows)")
            row[engine] = "; ".join(texts)
        rows.append(row)
    return pd.DataFrame(rows, columns=["identity", *engines])


#: The columns of the terminal's table: agreement with the reference, then the identities.
GRID_CHECKS = ("reference", *IDENTITIES)
#: The mark of a cell that has rows shown apart (check_grid's notes say which).
APART = "*"


def check_grid(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The terminal's table, engines x checks (agreement with the reference, then each
    identity), in short cells: ``holds 516`` (rows judged, all passed), ``FAILS 9 of 26``
    (failing rows of the judged), ``no dZ returned`` and the like where there is no row,
    and ``worst``: the engine's greatest error over its judged rows as a share of its
    tolerance (tolerance_share).  A cell with rows shown apart (negative controls,
    conventions, inconclusive rows, known failures) ends in APART, and the notes, one
    line per check and kind, count them per engine; summary.md has them in words."""
    engines = list(dict.fromkeys(df["engine"]))
    cells = _cells(df, GRID_CHECKS)
    judged = df[df["check"].isin(GRID_CHECKS) & ~df["status"].isin(EXPECTED) & (df["status"] != KNOWN)]
    worst = tolerance_share(judged).groupby(judged["engine"], sort=False).max() if len(judged) else pd.Series()
    rows = []
    for engine in engines:
        row = {"engine": engine}
        for check in GRID_CHECKS:
            c = cells.get((engine, check))
            if c is None:
                row[check] = _missing_identity(df[df["engine"] == engine], check, short=True)
                continue
            if c.judged:
                text = f"holds {c.judged}" if c.failed == 0 else f"FAILS {c.failed} of {c.judged}"
            else:  # only rows shown apart: the commonest kind
                what, n = max(c.apart.items(), key=lambda kv: kv[1])
                text = f"{n} {what.split()[0]}"
            row[check] = text + (APART if c.apart else "")
        row["worst"] = share_text(worst.get(engine, float("nan")))
        rows.append(row)
    notes = []
    for check in GRID_CHECKS:
        for what in ("negative controls", "convention", "findings", "inconclusive", "known failures"):
            counts = {e: cells[(e, check)].apart.get(what, 0) for e in engines if (e, check) in cells}
            counts = {e: n for e, n in counts.items() if n}
            if not counts:
                continue
            groups: dict[int, list[str]] = {}
            for engine, n in counts.items():
                groups.setdefault(n, []).append(engine)
            said = "; ".join(f"{n} of {', '.join(names)}" for n, names in groups.items())
            notes.append(f"{check}: {_APART_TEXT[what]}: {said}")
    return pd.DataFrame(rows, columns=["engine", *GRID_CHECKS, "worst"]), notes


#: What the rows of each kind shown apart are, in a few words (check_grid's notes).
_APART_TEXT = {
    "negative controls": "rows where it must not hold, and does not (negative controls)",
    "convention": "rows that differ by a named convention",
    "findings": "rows a finding of the ledger explains (docs/findings.md)",
    "inconclusive": "rows that could not have failed (inconclusive)",
    "known failures": "failing rows the known-failures file lists",
}


def not_returned_lines(df: pd.DataFrame) -> list[str]:
    """For engines that return only some dA, dZ (a user's function): what they did not
    return, said once (those rows are not made; they are not failures)."""
    lines = []
    for engine, part in df[df["check"] == "reference"].groupby("engine", sort=False):
        given = part[part["quantity"].isin(["dA", "dZ"])]
        if "Z" in set(part["quantity"]):
            continue  # an engine that gives its whole trace
        missing = []
        for q in ("dA", "dZ"):
            rows = given[given["quantity"] == q]
            if not len(rows):
                missing.append(f"any {q}")
                continue
            per_scenario = part.drop_duplicates("scenario")
            possible = int((per_scenario["depth"] + (1 if q == "dA" else 0)).sum())
            if len(rows[rows["check"] == "reference"]) < possible:
                top = rows["layer"] == rows["depth"]
                missing.append(f"{q}[L]" if q == "dA" and not top.any()
                               and len(rows) == possible - len(per_scenario) else f"{q} of some layers")
        if missing:
            lines.append(f"{engine} did not return {' or '.join(missing)}: those rows are not made (not failures), "
                         "and the identities that need them are not checked")
    return lines


def expected_table(df: pd.DataFrame) -> pd.DataFrame:
    """Rows that differ as they should: negative controls (and convention differences),
    grouped by status, engine, check and explanation, with how many and how far."""
    part = df[df["status"].isin(EXPECTED)]
    if not len(part):
        return part
    table = part.groupby(["status", "engine", "check", "quantity", "message"], sort=False).agg(
        rows=("passed", "size"), scenarios=("scenario", "nunique"),
        smallest_max_rel_err=("max_rel_err", "min"),
    ).reset_index()
    table["smallest_max_rel_err"] = table["smallest_max_rel_err"].map(_g)
    return table[["status", "engine", "check", "quantity", "rows", "scenarios", "smallest_max_rel_err", "message"]]


def worst_table(df: pd.DataFrame) -> pd.DataFrame:
    """Worst agreement with the reference per engine x quantity x dtype: the greatest error
    as a share of its tolerance (tolerance_share), absolute and relative, of the rows
    judged (conventions, inconclusive rows and known failures are counted apart)."""
    ref = df[(df["check"] == "reference") & (df["status"] != UNSUPPORTED)]
    judged = ~ref["status"].isin(EXPECTED) & (ref["status"] != KNOWN)
    ref = ref.assign(share=tolerance_share(ref).where(judged), abs_err=ref["max_abs_err"].where(judged),
                     rel_err=ref["max_rel_err"].where(judged))
    table = ref.groupby(["engine", "quantity", "dtype"], sort=False).agg(
        rows=("passed", "size"), failed=("passed", lambda p: int((~p).sum())),
        of_tolerance=("share", "max"), max_abs_err=("abs_err", "max"), max_rel_err=("rel_err", "max"),
        known=("status", lambda s: int((s == KNOWN).sum())),
    ).reset_index()
    table["of_tolerance"] = table["of_tolerance"].map(share_text)
    for col in ("max_abs_err", "max_rel_err"):
        table[col] = table[col].map(_g)
    table = table.rename(columns={"of_tolerance": "worst, of its tolerance"})
    if not table["known"].any():  # a column for the known failures only where there are some
        table = table.drop(columns="known")
    return table


def failures_table(df: pd.DataFrame) -> pd.DataFrame:
    """Every failing row: where, how far off, which side is which, and the tolerance (a
    scenario the engine could not run at all: what it raised, with layer and numbers blank)."""
    bad = df[~df["passed"].astype(bool)]
    table = bad[["scenario", "engine", "check", "quantity", "layer", "shape", "mismatched",
                 "max_abs_err", "max_rel_err", "worst_index", "actual_at_worst", "expected_at_worst",
                 "rtol", "atol", "message"]].copy()
    for col in ("max_abs_err", "max_rel_err", "actual_at_worst", "expected_at_worst", "rtol", "atol"):
        table[col] = table[col].map(_g)
    run = bad["check"] == RUN
    table["layer"] = table["layer"].astype(object).where(~run, "")
    table["mismatched"] = table["mismatched"].astype(object).where(~run, "")
    table["quantity"] = table["quantity"].where(~run, "")
    return table


def _first_clause(text: str) -> str:
    """``text`` up to its first ``; `` outside brackets, with `` ...`` where it went on."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == ";" and not depth and text[i + 1:i + 2] == " ":
            return text[:i] + " ..."
    return text


def _apart(actual: float, expected: float) -> tuple[str, str]:
    """Both values with the fewest significant digits (3 at least) that tell them apart."""
    for digits in range(3, 18):
        a, e = f"{actual:.{digits}g}", f"{expected:.{digits}g}"
        if a != e:
            break
    return a, e


#: A failing row's message up to this long is its short reason as it is.
SHORT = 90


def short_reason(row) -> str:
    """Why one failing row failed, in a line: a value mismatch as how many elements are off
    and both sides at the worst one; a shape, dtype, missing key or NaN, or what an engine
    raised, as its message, or the message's first clause where it is longer than SHORT
    (the whole message is in discrepancies.csv and summary.md)."""
    message = "" if pd.isna(row.message) else str(row.message)
    if row.check != RUN and re.match(r"\d+ of \d+ elements ", message):
        both = (" (worst: got {}, expected {})".format(*_apart(row.actual_at_worst, row.expected_at_worst))
                if np.isfinite(row.actual_at_worst) and np.isfinite(row.expected_at_worst) else "")
        return f"{int(row.mismatched)} of {int(row.numel)} elements off{both}"
    return (message if len(message) <= SHORT else _first_clause(message)) or "failed"


def failing_scenarios(df: pd.DataFrame, where: pd.DataFrame) -> pd.DataFrame:
    """One row per failing scenario x engine, short: its first wrong quantity (where.csv)
    and that quantity's failing row (else the first failing row) with its short_reason:
    columns scenario, engine, check, quantity, layer (blank for a scenario it could not
    run), first wrong (the localisation's verdict, its first clause), reason, failing rows."""
    bad = df[~df["passed"].astype(bool)]
    first = where[where["first"].astype(bool)].drop_duplicates(["scenario", "engine"]).set_index(["scenario", "engine"])
    rows = []
    for (scenario, engine), part in bad.groupby(["scenario", "engine"], sort=False):
        top, verdict = part.iloc[0], ""
        if (scenario, engine) in first.index:
            w = first.loc[(scenario, engine)]
            verdict = _first_clause(str(w["verdict"])).removesuffix(" ...")
            if w["quantity"] != "-":
                match = part[(part["check"] == "reference") & (part["quantity"] == w["quantity"])
                             & (part["layer"] == w["layer"])]
                top = match.iloc[0] if len(match) else top
        run = top["check"] == RUN
        rows.append({"scenario": scenario, "engine": engine, "check": top["check"],
                     "quantity": "" if run else top["quantity"], "layer": "" if run else int(top["layer"]),
                     "first wrong": verdict, "reason": short_reason(top), "failing rows": len(part)})
    return pd.DataFrame(rows, columns=["scenario", "engine", "check", "quantity", "layer", "first wrong", "reason",
                                       "failing rows"])


def failing_lines(failing: pd.DataFrame, limit: int = 10, prefix: str = "FAIL ") -> list[str]:
    """One line per failing scenario x engine (failing_scenarios): ``FAIL SCENARIO ENGINE
    CHECK Q[l]: REASON (+N more failing rows)``, the first ``limit``, then a count."""
    lines = []
    for row in failing.head(limit).to_dict("records"):
        where = "" if row["check"] == RUN else f" {row['check']} {row['quantity']}[{row['layer']}]"
        more = row["failing rows"] - 1
        lines.append(f"{prefix}{row['scenario']} {row['engine']}{where}: {row['reason']}"
                     + (f" (+{more} more failing row{'s' if more > 1 else ''})" if more else ""))
    if len(failing) > limit:
        lines.append(f"... and {len(failing) - limit} more failing scenarios "
                     f"({int(failing['failing rows'].iloc[limit:].sum())} failing rows)")
    return lines


def difference_table(differences: pd.DataFrame) -> pd.DataFrame:
    """The course's gradient-check difference per engine x dtype: worst, median, and where."""
    rows = []
    for (engine, dtype), part in differences.groupby(["engine", "dtype"], sort=False):
        known = part.dropna(subset=["difference"])
        worst = known.loc[known["difference"].idxmax()] if len(known) else None
        rows.append({"engine": engine, "dtype": dtype, "scenarios": len(part),
                     "worst": _g(worst["difference"]) if worst is not None else "-",
                     "median": _g(known["difference"].median()),
                     f"above {COURSE_THRESHOLD:g}": int((known["difference"] > COURSE_THRESHOLD).sum()),
                     "not computable": int(part["difference"].isna().sum()),
                     "worst scenario": worst["scenario"] if worst is not None else ""})
    return pd.DataFrame(rows)


def where_lines(where: pd.DataFrame, limit: int = 50) -> list[str]:
    """One line per failing scenario x engine: the first wrong quantity, then what follows."""
    lines = []
    for (scenario, engine), part in where.groupby(["scenario", "engine"], sort=False):
        if part["quantity"].iloc[0] == "-":  # it raised, timed out or died
            lines.append(f"- `{scenario}` {engine}: {part['verdict'].iloc[0]}")
            continue
        steps = [f"{r.quantity}[{r.layer}] {r.verdict}" for r in part.itertuples()]
        lines.append(f"- `{scenario}` {engine}: first wrong **{steps[0]}**"
                     + (f"; then {'; '.join(steps[1:4])}" if len(steps) > 1 else "")
                     + (f"; ... {len(steps) - 4} more" if len(steps) > 4 else ""))
    if len(lines) > limit:
        lines = lines[:limit] + [f"- ... {len(lines) - limit} more in where.csv"]
    return lines or ["_nothing failed_"]


def failing_runs_table(df: pd.DataFrame, where: pd.DataFrame) -> pd.DataFrame:
    """One row per failing scenario x engine: how many rows failed, the first wrong quantity
    (localised, where.csv) and the first failing row's message; every row is in the CSV."""
    bad = df[~df["passed"].astype(bool)]
    first = where[where["first"].astype(bool)].drop_duplicates(["scenario", "engine"]).set_index(["scenario", "engine"])
    rows = []
    for (scenario, engine), part in bad.groupby(["scenario", "engine"], sort=False):
        try:
            w = first.loc[(scenario, engine)]
            wrong = w["verdict"] if w["quantity"] == "-" else f"{w['quantity']}[{w['layer']}] {w['verdict']}"
        except KeyError:
            wrong = ""
        top = part.iloc[0]
        where_ = "" if top["check"] == RUN else f"{top['check']} {top['quantity']}[{top['layer']}]"
        rows.append({"scenario": scenario, "engine": engine, "failing rows": len(part), "first wrong": wrong,
                     "first failing row": where_, "message": top["message"]})
    return pd.DataFrame(rows, columns=["scenario", "engine", "failing rows", "first wrong", "first failing row",
                                       "message"])


@dataclass(frozen=True)
class Views:
    """What summary.md and report.html both show, made once for a report folder."""

    headline: str
    passed: bool
    identities: pd.DataFrame
    runs: pd.DataFrame
    #: The Judgement of a --known-failures file (running/known.py), or None.
    known: object = None


def views(df: pd.DataFrame, unavailable: dict, where: pd.DataFrame, asked=(), known=None) -> Views:
    """The headline, the verdict, the identity table and the failing runs of ``df``
    (``known``: the Judgement of a known-failures file)."""
    return Views(headline(df, unavailable, asked, known), passed(df, asked, known), identity_table(df),
                 failing_runs_table(df, where), known)
