"""The frames and lines every view of a run shows (summary.md, report.html, the terminal,
``Result``): the headline, the identity table, the worst agreement, the failing rows, where
it goes wrong and the course's gradient-check difference."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crosscheck.checks.gradient_check import COURSE_THRESHOLD
from crosscheck.checks.identities import IDENTITIES
from crosscheck.running.statuses import (
    INCONCLUSIVE,
    CONVENTION,
    EXPECTED,
    INCONCLUSIVE_CONTROL,
    KNOWN,
    NOT_APPLICABLE,
    RUN,
    UNSUPPORTED,
)
from crosscheck.running.verdict import NOTHING, engine_lines, idle_engines, passed


def _g(x) -> str:
    return "-" if pd.isna(x) else f"{x:.3g}"


def headline(df: pd.DataFrame, unavailable: dict, asked=(), known=None) -> str:
    """Scenarios, engines, dtypes, rows, failures; per engine how many scenarios it checked;
    engines that could not run, and engines asked for that checked nothing (a FAIL); the
    known failures, and the entries of the known-failures file that are fixed (``known``:
    its Judgement, running/known.py)."""
    failed = int((~df["passed"].astype(bool)).sum())
    n_known = int((df["status"] == KNOWN).sum())
    idle = idle_engines(df, asked)
    text = (
        f"{df['scenario'].nunique()} scenarios x {df['engine'].nunique()} engines "
        f"({', '.join(df['engine'].unique())}) x dtypes {', '.join(sorted(df['dtype'].unique()))}: "
        f"{len(df)} checks, {failed} failed"
        + (f", {n_known} known failures" if n_known else "")
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


def _missing_identity(part: pd.DataFrame, check: str) -> str:
    """Why an engine has no row of identity ``check``: what it did not return, or no such layer."""
    ref = part[part["check"] == "reference"]
    if not len(ref):
        return "- (nothing checked)"
    quantities = set(ref["quantity"])
    if "dZ" not in quantities:
        return "- (no dZ returned)"
    if check == "chain":
        top = ref[(ref["quantity"] == "dA") & (ref["layer"] == ref["depth"])]
        return "- (no dA[L] returned)" if not len(top) else "- (no dZ[L] returned)"
    if check == "recursion" and (ref["depth"] == 1).all():
        return "- (no such layer: depth 1 only)"
    return "- (not returned: the values it needs)"


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
    """Identities x engines: holds in every scenario?, failing rows, worst ulp and abs error;
    negative controls (where the identity must not hold) counted apart; where an engine has
    no row, why (what it did not return)."""
    rows = []
    engines = list(dict.fromkeys(df["engine"]))
    for check in IDENTITIES:
        row = {"identity": check}
        for engine, all_rows in df[df["check"] == check].groupby("engine", sort=False):
            expected = all_rows["status"].isin(EXPECTED)
            known = all_rows["status"] == KNOWN  # failures the known-failures file lists: apart
            part, texts = all_rows[~expected & ~known], []
            if len(part):
                bad = int((~part["passed"]).sum())
                verdict = "holds" if bad == 0 else f"FAILS in {part.loc[~part['passed'], 'scenario'].nunique()} scenarios"
                texts.append(f"{verdict} ({len(part) - bad}/{len(part)}); worst {_g(part['max_ulp'].max())} ulp, "
                             f"abs {_g(part['max_abs_err'].max())}")
            if expected.any():
                n_inconclusive_controls = int((all_rows["status"] == INCONCLUSIVE_CONTROL).sum())
                n_convention = int((all_rows["status"] == CONVENTION).sum())
                n_inconclusive = int((all_rows["status"] == INCONCLUSIVE).sum())
                n_controls = int(expected.sum()) - n_inconclusive_controls - n_convention - n_inconclusive
                if n_controls or n_inconclusive_controls:
                    texts.append(f"does not hold, as expected, in {n_controls} negative controls"
                                 + (f" ({n_inconclusive_controls} inconclusive at this precision)"
                                    if n_inconclusive_controls else ""))
                if n_convention:
                    texts.append(f"differs by a convention in {n_convention} rows")
                if n_inconclusive:
                    texts.append(f"{n_inconclusive} rows inconclusive (they could not have failed)")
            if known.any():
                texts.append(f"fails as known in {all_rows.loc[known, 'scenario'].nunique()} scenarios "
                             f"({int(known.sum())} rows)")
            row[engine] = "; ".join(texts)
        for engine in engines:
            if engine not in row:
                row[engine] = _missing_identity(df[df["engine"] == engine], check)
        rows.append(row)
    return pd.DataFrame(rows, columns=["identity", *engines])


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
    """Worst agreement with the reference per engine x quantity x dtype."""
    ref = df[(df["check"] == "reference") & (df["status"] != UNSUPPORTED)]
    table = ref.groupby(["engine", "quantity", "dtype"], sort=False).agg(
        rows=("passed", "size"), failed=("passed", lambda p: int((~p).sum())),
        max_abs_err=("max_abs_err", "max"), max_rel_err=("max_rel_err", "max"), max_ulp=("max_ulp", "max"),
        max_err_ku=("err_ku", "max"), known=("status", lambda s: int((s == KNOWN).sum())),
    ).reset_index()
    for col in ("max_abs_err", "max_rel_err", "max_ulp", "max_err_ku"):
        table[col] = table[col].map(_g)
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
