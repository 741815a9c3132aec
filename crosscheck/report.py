"""From the long table of observations to files: discrepancies.csv and summary.md.

Every file is written to a temporary file in the output folder and renamed into place,
so a reader never sees a half-written report.  Nothing in summary.md depends on
timing, so the same scenarios give the same bytes.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from crosscheck.checks import IDENTITIES
from crosscheck.runner import BLIND, CONVENTION, EXPECTED_NOT_TO_HOLD, INCONCLUSIVE, NOT_APPLICABLE
from crosscheck.verdict import engine_lines, idle_engines, passed

#: Statuses of rows that differ and pass: they are shown apart from the identities.
EXPECTED_STATUSES = (EXPECTED_NOT_TO_HOLD, INCONCLUSIVE, CONVENTION, BLIND)
from crosscheck.differences import COURSE_THRESHOLD


#: summary.md lists this many failing rows (then a count): short enough for a CI step summary.
MAX_FAILURES = 50


def _g(x) -> str:
    return "-" if pd.isna(x) else f"{x:.3g}"


def _md(df: pd.DataFrame) -> str:
    return df.to_markdown(index=False) if len(df) else "_none_"


def headline(df: pd.DataFrame, unavailable: dict, asked=()) -> str:
    """Scenarios, engines, dtypes, rows, failures; per engine how many scenarios it checked;
    engines that could not run, and engines asked for that checked nothing (a FAIL)."""
    failed = int((~df["passed"].astype(bool)).sum())
    idle = idle_engines(df, asked)
    text = (
        f"{df['scenario'].nunique()} scenarios x {df['framework'].nunique()} engines "
        f"({', '.join(df['framework'].unique())}) x dtypes {', '.join(sorted(df['dtype'].unique()))}: "
        f"{len(df)} checks, {failed} failed"
        + (f", {len(idle)} engine{'s' if len(idle) > 1 else ''} checked nothing" if idle else "")
        + f" -> {'PASS' if passed(df, asked) else 'FAIL'}"
    )
    text += "".join(f"\n{line}" for line in engine_lines(df))
    for name, reason in idle.items():
        text += f"\nengine {name} checked no scenario: {reason}"
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
    runs = df[(df["check"] == "run") & (df["status"] == NOT_APPLICABLE)]
    for engine, part in runs.groupby("framework", sort=False):
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
    engines = list(dict.fromkeys(df["framework"]))
    for check in IDENTITIES:
        row = {"identity": check}
        for engine, all_rows in df[df["check"] == check].groupby("framework", sort=False):
            expected = all_rows["status"].isin(EXPECTED_STATUSES)
            part, texts = all_rows[~expected], []
            if len(part):
                bad = int((~part["passed"]).sum())
                verdict = "holds" if bad == 0 else f"FAILS in {part.loc[~part['passed'], 'scenario'].nunique()} scenarios"
                texts.append(f"{verdict} ({len(part) - bad}/{len(part)}); worst {_g(part['max_ulp'].max())} ulp, "
                             f"abs {_g(part['max_abs_err'].max())}")
            if expected.any():
                n_inconclusive = int((all_rows["status"] == INCONCLUSIVE).sum())
                n_convention = int((all_rows["status"] == CONVENTION).sum())
                n_blind = int((all_rows["status"] == BLIND).sum())
                n_controls = int(expected.sum()) - n_inconclusive - n_convention - n_blind
                if n_controls or n_inconclusive:
                    texts.append(f"does not hold, as expected, in {n_controls} negative controls"
                                 + (f" ({n_inconclusive} inconclusive at this precision)" if n_inconclusive else ""))
                if n_convention:
                    texts.append(f"differs by a convention in {n_convention} rows")
                if n_blind:
                    texts.append(f"{n_blind} rows inconclusive at this precision")
            row[engine] = "; ".join(texts)
        for engine in engines:
            if engine not in row:
                row[engine] = _missing_identity(df[df["framework"] == engine], check)
        rows.append(row)
    return pd.DataFrame(rows, columns=["identity", *engines])


def not_returned_lines(df: pd.DataFrame) -> list[str]:
    """For engines that return only some dA, dZ (a user's function): what they did not
    return, said once (those rows are not made; they are not failures)."""
    lines = []
    for engine, part in df[df["check"] == "reference"].groupby("framework", sort=False):
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
    part = df[df["status"].isin(EXPECTED_STATUSES)]
    if not len(part):
        return part
    table = part.groupby(["status", "framework", "check", "quantity", "message"], sort=False).agg(
        rows=("passed", "size"), scenarios=("scenario", "nunique"),
        smallest_max_rel_err=("max_rel_err", "min"),
    ).reset_index()
    table["smallest_max_rel_err"] = table["smallest_max_rel_err"].map(_g)
    return table[["status", "framework", "check", "quantity", "rows", "scenarios", "smallest_max_rel_err", "message"]]


def worst_table(df: pd.DataFrame) -> pd.DataFrame:
    """Worst agreement with the reference per engine x quantity x dtype."""
    ref = df[(df["check"] == "reference") & (df["status"] != "unsupported")]
    table = ref.groupby(["framework", "quantity", "dtype"], sort=False).agg(
        rows=("passed", "size"), failed=("passed", lambda p: int((~p).sum())),
        max_abs_err=("max_abs_err", "max"), max_rel_err=("max_rel_err", "max"), max_ulp=("max_ulp", "max"),
        max_err_ku=("err_ku", "max"),
    ).reset_index()
    for col in ("max_abs_err", "max_rel_err", "max_ulp", "max_err_ku"):
        table[col] = table[col].map(_g)
    return table


def failures_table(df: pd.DataFrame) -> pd.DataFrame:
    """Every failing row: where, how far off, which side is which, and the tolerance (a
    scenario the engine could not run at all: what it raised, with layer and numbers blank)."""
    bad = df[~df["passed"].astype(bool)]
    table = bad[["scenario", "framework", "check", "quantity", "layer", "shape", "mismatched",
                 "max_abs_err", "max_rel_err", "worst_index", "actual_at_worst", "expected_at_worst",
                 "rtol", "atol", "message"]].copy()
    for col in ("max_abs_err", "max_rel_err", "actual_at_worst", "expected_at_worst", "rtol", "atol"):
        table[col] = table[col].map(_g)
    run = bad["check"] == "run"
    table["layer"] = table["layer"].astype(object).where(~run, "")
    table["mismatched"] = table["mismatched"].astype(object).where(~run, "")
    table["quantity"] = table["quantity"].where(~run, "")
    return table


def difference_table(differences: pd.DataFrame) -> pd.DataFrame:
    """The course's gradient-check difference per engine x dtype: worst, median, and where."""
    rows = []
    for (engine, dtype), part in differences.groupby(["framework", "dtype"], sort=False):
        known = part.dropna(subset=["difference"])
        worst = known.loc[known["difference"].idxmax()] if len(known) else None
        rows.append({"framework": engine, "dtype": dtype, "scenarios": len(part),
                     "worst": _g(worst["difference"]) if worst is not None else "-",
                     "median": _g(known["difference"].median()),
                     f"above {COURSE_THRESHOLD:g}": int((known["difference"] > COURSE_THRESHOLD).sum()),
                     "not computable": int(part["difference"].isna().sum()),
                     "worst scenario": worst["scenario"] if worst is not None else ""})
    return pd.DataFrame(rows)


def where_lines(where: pd.DataFrame, limit: int = 50) -> list[str]:
    """One line per failing scenario x engine: the first wrong quantity, then what follows."""
    lines = []
    for (scenario, engine), part in where.groupby(["scenario", "framework"], sort=False):
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


def summary_markdown(df: pd.DataFrame, title: str, unavailable: dict, differences=None, where=None,
                     asked=()) -> str:
    """summary.md: headline; (a) identities x engines; (b) worst per engine x quantity x dtype;
    (c) failing rows (the first MAX_FAILURES, then a count); where it goes wrong; the course's
    gradient-check difference."""
    extra = [] if where is None else [
        "## Where it goes wrong", "",
        "In backprop order (dA[L], dZ[L], dW[L], db[L], dA[L-1], ...): the first quantity that fails the "
        "reference check, and for each failing one whether it originates there (not what its formula gives "
        "from the engine's own inputs) or is inherited from a wrong input. All of it in where.csv.", "",
        *where_lines(where), "",
    ]
    extra += [] if differences is None else [
        "## The course's gradient-check difference", "",
        "`norm(g - g_ref) / (norm(g) + norm(g_ref))` over all dW, db (g_ref: the float64 reference); the "
        f"course's exercise fails above {COURSE_THRESHOLD:g}, a float64 threshold. Per scenario in "
        "differences.csv.", "",
        _md(difference_table(differences)), "",
    ]
    return "\n".join([
        f"# backprop-crosscheck: {title}", "",
        "```", headline(df, unavailable, asked), "```", "",
        *[f"- {line}" for line in not_returned_lines(df) + not_applicable_lines(df)],
        *([""] if not_returned_lines(df) or not_applicable_lines(df) else []),
        "## The article's identities on each engine's own values", "",
        "`A-Y`: dZ[L] = A[L] - Y (canonical output/loss pairs); `chain`: dZ[L] = dA[L] * g'(Z[L]); `x(a-y)`: dW[l] = (1/m) dZ[l] A[l-1]^T; `db`: db[l] = mean of dZ[l]"
        " over the batch; `recursion`: dZ[l-1] = W[l]^T dZ[l] * g'[l-1](Z[l-1]).", "",
        _md(identity_table(df)), "",
        *([] if not df["status"].isin(EXPECTED_STATUSES).any() else [
            "## Differences that are expected", "",
            "Negative controls: `A-Y` on an output/loss pair where it must not hold (the `chain` row of the "
            "same scenario checks dZ[L] = dA[L] * g'(Z[L]) instead); a negative control that holds is a "
            "failure. Conventions: rows where the engine's value is what the reference gives under a named "
            "convention (relu'(0), the chain rule at a saturated output, BCELoss's clamping, JAX without "
            "x64), checked value by value; anything else stays a failure. Not counted as failures.", "",
            _md(expected_table(df)), ""]),
        "## Worst agreement with the float64 reference", "",
        "`max_err_ku`: the greatest error in units of the rounding budget k * u * max|expected| of the "
        "reduction that produced the value (k = m for dW and db, n_(l+1) for dA[l] and dZ[l], n_(l-1) for "
        "Z[l] and A[l]; u the dtype's unit roundoff).", "",
        _md(worst_table(df)), "",
        f"## Failing rows ({int((~df['passed']).sum())})", "",
        _md(failures_table(df).head(MAX_FAILURES)), "",
        *([f"... and {int((~df['passed']).sum()) - MAX_FAILURES} more failing rows in discrepancies.csv", ""]
          if (~df["passed"]).sum() > MAX_FAILURES else []),
        *extra,
    ])


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is as readable as any file
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_files(out: Path, texts: dict[str, str]) -> None:
    """Write each ``{name: text}`` into ``out``, each file atomically."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        _write_atomic(out / name, text)


def write_reports(result, out: Path, title: str, unavailable: dict, meta: dict | None = None) -> dict[str, Path]:
    """Write discrepancies.csv, differences.csv, where.csv, summary.md, report.html (and
    run.json, what `crosscheck merge` needs to know about the run) into ``out``, each file
    atomically."""
    from crosscheck.environment import environment
    from crosscheck.html_report import report_html

    df = result.observations
    asked = () if (meta or {}).get("shard") else tuple((meta or {}).get("asked") or ())  # a shard: merge judges
    names = {"csv": "discrepancies.csv", "differences": "differences.csv", "where": "where.csv",
             "summary": "summary.md", "html": "report.html"}
    texts = {
        names["csv"]: df.to_csv(index=False, lineterminator="\n"),
        names["differences"]: result.differences.to_csv(index=False, lineterminator="\n"),
        names["where"]: result.where.to_csv(index=False, lineterminator="\n"),
        names["summary"]: summary_markdown(df, title, unavailable, result.differences, result.where, asked),
    }
    texts[names["html"]] = report_html(result, title, unavailable, environment(), (meta or {}).get("rerun"), asked,
                                       (meta or {}).get("network"))
    log = printed_log(result.printed, (meta or {}).get("printed_on_import", ""))
    if log:
        names["log"] = USER_LOG
        texts[USER_LOG] = log
    if meta is not None:
        texts["run.json"] = json.dumps(meta, indent=1, sort_keys=True) + "\n"
    write_files(out, texts)  # every text is made before the first file is written
    return {key: out / name for key, name in names.items()}


#: What a user's code printed, per scenario, in the output folder.
USER_LOG = "user-output.log"


def printed_log(printed, on_import: str = "") -> str:
    """The text of user-output.log: what the user's code printed on import, then per scenario."""
    parts = [f"== on import ==\n{on_import}"] if on_import else []
    if printed is not None:
        parts += [f"== {row.scenario} ({row.framework}) ==\n{row.output}" for row in printed.itertuples()]
    return "\n".join(p if p.endswith("\n") else p + "\n" for p in parts)


def check_writable(out: Path) -> None:
    """Raise OSError (with the reason) unless reports can be written into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".write-test.")
    os.close(fd)
    os.unlink(tmp)
