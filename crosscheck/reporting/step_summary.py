"""What ``crosscheck run``, ``merge`` and ``compare`` append to GitHub's step summary: the
Markdown file that the environment variable GITHUB_STEP_SUMMARY names, shown on the job's
page.

For a run: the headline, the diagnosis, the identity table (the views summary.md shows,
tables.views) and the first MAX_FAILURES failing scenarios, each with the command that
reruns it; for compare: its verdict and the first MAX_FAILURES regressions.  At most
MAX_BYTES (GitHub takes 1 MiB per step), with a line saying what was cut.  The file is
appended to, never overwritten; a file that cannot be written is one line on stderr and
never changes the exit code.
"""
from __future__ import annotations

import os
import sys

import pandas as pd

#: The environment variable that names the file (GitHub Actions sets it in every step).
ENV = "GITHUB_STEP_SUMMARY"
#: The most one command appends; GitHub's own limit is 1 MiB per step.
MAX_BYTES = 64 * 1024
#: Failing scenarios (run, merge) or regressions (compare) listed, then a count.
MAX_FAILURES = 10


def step_summary_path(environ=None) -> str | None:
    """The file GITHUB_STEP_SUMMARY names, or None where it is unset or empty."""
    return (os.environ if environ is None else environ).get(ENV) or None


def _cell(value) -> str:
    """A table cell's text: a ``|`` in it would end the cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(df: pd.DataFrame) -> str:
    if not len(df):
        return "_none_"
    return df.astype(object).map(_cell).to_markdown(index=False)


def _code(text) -> str:
    return "`" + str(text).replace("`", "'") + "`"


def run_markdown(shared, title: str, out, rerun: str = "crosscheck run", network: str | None = None,
                 diagnosis=None) -> str:
    """The step summary of a run or a merge: ``shared`` the report folder's views
    (tables.views), ``out`` its folder, ``rerun`` and ``network`` what rerun commands start
    with (engines.rerun_command), ``diagnosis`` the run's (analyses/diagnosis.py)."""
    from crosscheck.analyses.diagnosis import diagnosis_lines
    from crosscheck.engines import rerun_command

    runs = shared.runs
    lines = [f"## backprop-crosscheck: {title}", "", "```", shared.headline, "```", ""]
    if diagnosis is not None and len(diagnosis):
        lines += ["### Diagnosis", "", *diagnosis_lines(diagnosis), ""]
    lines += ["### The article's identities on each engine's own values", "", _table(shared.identities), ""]
    if len(runs):
        lines += [f"### Failing scenarios ({len(runs)}"
                  + (f"; the first {MAX_FAILURES}" if len(runs) > MAX_FAILURES else "") + ")", ""]
        for row in runs.head(MAX_FAILURES).to_dict("records"):
            scenario, engine = row["scenario"], row["engine"]
            command = rerun_command(rerun, scenario, engine, network if scenario.startswith("net-") else None)
            first, where = row["first wrong"], row["first failing row"]
            lines.append(f"- **{engine}** {_code(scenario)}: " + (f"first wrong {first}; " if first else "")
                         + f"{row['failing rows']} failing rows; " + (f"{where}: " if where else "")
                         + f"{_code(row['message'])}; rerun: {_code(command)}")
        if len(runs) > MAX_FAILURES:
            lines.append(f"- ... and {len(runs) - MAX_FAILURES} more failing scenarios")
        lines.append("")
    lines += [f"All of it: {_code(os.path.join(str(out), 'summary.md'))}, report.html and discrepancies.csv "
              "in the same folder.", ""]
    return bounded("\n".join(lines), os.path.join(str(out), "summary.md"), MAX_BYTES - 1)


def compare_verdict(found: pd.DataFrame, n_baseline: int, n_current: int, factor: float) -> str:
    """The first line ``crosscheck compare`` prints: no regression, or how many of each kind."""
    if found.empty:
        return f"no regression: {n_current} rows against {n_baseline} baseline rows (ulp growth factor {factor:g})"
    counts = found["kind"].value_counts()
    return f"{len(found)} regressions: " + ", ".join(f"{n} {kind}" for kind, n in counts.items())


def compare_markdown(found: pd.DataFrame, n_baseline: int, n_current: int, factor: float, baseline: str,
                     current: str) -> str:
    """The step summary of ``crosscheck compare``: its verdict line (compare_verdict) and the
    first regressions (regressions.REGRESSION_COLUMNS)."""
    lines = [f"## backprop-crosscheck compare: {_code(current)} against {_code(baseline)}", "",
             "```", compare_verdict(found, n_baseline, n_current, factor), "```", ""]
    if len(found):
        lines += [f"### Regressions ({len(found)}" + (f"; the first {MAX_FAILURES}" if len(found) > MAX_FAILURES
                                                      else "") + ")", "",
                  _table(found.head(MAX_FAILURES)), ""]
        if len(found) > MAX_FAILURES:
            lines += [f"... and {len(found) - MAX_FAILURES} more: "
                      f"{_code(f'crosscheck compare {baseline} {current}')} lists them", ""]
    return bounded("\n".join(lines), f"the output of crosscheck compare {baseline} {current}", MAX_BYTES - 1)


def bounded(text: str, rest: str, limit: int | None = None) -> str:
    """``text`` if it has at most ``limit`` bytes (UTF-8; default MAX_BYTES); else its first
    whole lines, a code block left open closed, and a line saying how much was cut and
    where ``rest`` is."""
    limit = MAX_BYTES if limit is None else limit
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text if text.endswith("\n") else text + "\n"
    lines = text.splitlines(keepends=True)
    note_room = 512 + len(rest.encode("utf-8"))
    kept, size, fenced = [], 0, False
    for line in lines:
        n = len(line.encode("utf-8"))
        if size + n > limit - note_room:
            break
        kept.append(line)
        size += n
        if line.startswith("```"):
            fenced = not fenced
    cut = len(lines) - len(kept)
    cap = MAX_BYTES if limit >= MAX_BYTES - 1 else limit  # less by the blank line that may go before it
    cap = f"{cap // 1024} KiB" if cap % 1024 == 0 else f"{cap} bytes"
    return ("".join(kept) + ("```\n" if fenced else "")
            + f"\n_Cut here, to stay within {cap}: {cut} more lines ({len(data) - size} bytes) left out; "
            f"all of it is in {rest}._\n")


def append_step_summary(markdown: str, path: str | None) -> bool:
    """Append ``markdown`` (at most MAX_BYTES) to the file ``path`` (step_summary_path);
    nothing when it is None.  A file that cannot be written: one line on stderr, False."""
    if not path:
        return False
    try:
        with open(path, "ab") as f:
            sep = b"\n" if f.tell() else b""  # a blank line after what earlier steps wrote
            f.write(sep + bounded(markdown, "the report", MAX_BYTES - len(sep)).encode("utf-8"))
    except OSError as exc:
        print(f"crosscheck: warning: cannot append to {ENV} {path}: {exc.strerror or exc}; the run goes on",
              file=sys.stderr)
        return False
    return True


def append_compare_summary(found: pd.DataFrame, n_baseline: int, n_current: int, factor: float, baseline: str,
                           current: str, environ=None) -> bool:
    """``crosscheck compare``'s step summary (compare_markdown), appended where
    GITHUB_STEP_SUMMARY is set (append_step_summary)."""
    path = step_summary_path(environ)
    return bool(path) and append_step_summary(
        compare_markdown(found, n_baseline, n_current, factor, baseline, current), path)
