"""A report folder: discrepancies.csv, differences.csv, where.csv, summary.md, report.html,
run.json and user-output.log.

Every file is written to a temporary file in the output folder and renamed into place,
and every text is made before the first file is written, so a reader never sees a
half-written report.
"""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

from crosscheck.analyses.diagnosis import diagnose
from crosscheck.reporting.environment import environment
from crosscheck.reporting.html import report_html
from crosscheck.reporting.markdown import summary_markdown
from crosscheck.reporting.settings import settings_environment, settings_lines
from crosscheck.reporting.tables import views
from crosscheck.reporting.versions import SCHEMA, release


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


def write_reports(result, out: Path, title: str, unavailable: dict, meta: dict | None = None,
                  diagnosis=None, junit_xml: Path | None = None, step_summary: str | None = None) -> dict[str, Path]:
    """Write discrepancies.csv, differences.csv, where.csv, evidence.csv, diagnosis.csv,
    summary.md, report.html (and run.json, what `crosscheck merge` needs to know about the
    run, with the report schema and the release: reporting/versions.py) into ``out``, each
    file atomically; ``diagnosis``: the run's, when the caller has made it already
    (analyses/diagnosis.py: diagnose).  ``junit_xml``: also that file
    (reporting/junit.py, atomically; an OSError names it); ``step_summary``: a file to
    append a short summary to (GITHUB_STEP_SUMMARY, reporting/step_summary.py; one that
    cannot be written is one line on stderr, never an error)."""
    df = result.observations
    meta_ = meta or {}
    shard = bool(meta_.get("shard"))
    asked = () if shard else tuple(meta_.get("asked") or ())  # a shard: merge judges
    # a shard's diagnosis would see only its own scenarios: merge diagnoses the whole suite
    if shard:
        diagnosis = None
    elif diagnosis is None:  # made here unless the caller has it already (merge: under the shards' tolerances)
        from crosscheck.config import recorded_tolerances
        from crosscheck.scenarios.tolerances import overridden

        recorded = meta_.get("tolerances")
        with overridden(recorded_tolerances(recorded)) if recorded else nullcontext():
            diagnosis = diagnose(df, result.evidence, result.where, meta_.get("rerun") or "crosscheck run",
                                 meta_.get("network"))
    names = {"csv": "discrepancies.csv", "differences": "differences.csv", "where": "where.csv",
             "evidence": "evidence.csv", "summary": "summary.md", "html": "report.html"}
    shared = views(df, unavailable, result.where, asked, result.known)  # what summary.md and report.html both show
    settings = settings_lines(meta_)  # the [tool.crosscheck] file and tolerance overrides: under the headline
    if settings:
        shared = replace(shared, headline="\n".join([shared.headline, *settings]))
    texts = {
        names["csv"]: df.assign(schema=SCHEMA).to_csv(index=False, lineterminator="\n"),  # reporting/versions.py
        names["differences"]: result.differences.to_csv(index=False, lineterminator="\n"),
        names["where"]: result.where.to_csv(index=False, lineterminator="\n"),
        names["evidence"]: result.evidence.to_csv(index=False, lineterminator="\n"),
        names["summary"]: summary_markdown(df, title, unavailable, result.differences, result.where, asked, diagnosis,
                                            shared),
    }
    if diagnosis is not None:
        names["diagnosis"] = "diagnosis.csv"
        texts["diagnosis.csv"] = diagnosis.to_csv(index=False, lineterminator="\n")
    texts[names["html"]] = report_html(result, title, unavailable, environment() | settings_environment(meta_),
                                       meta_.get("rerun"), asked,
                                       meta_.get("network"), diagnosis, shared)
    log = printed_log(result.printed, (meta or {}).get("printed_on_import", ""))
    if log:
        names["log"] = USER_LOG
        texts[USER_LOG] = log
    if meta is not None:
        texts["run.json"] = json.dumps({**meta, "schema": SCHEMA, "crosscheck": release()}, indent=1,
                                       sort_keys=True) + "\n"
    ci = {}  # the outputs for CI pages, made from the same views
    if junit_xml is not None:
        from crosscheck.reporting.junit import junit_xml as junit_text

        ci["junit"] = junit_text(df, title, shared.headline, shared.passed, asked, unavailable,
                                 meta_.get("rerun") or "crosscheck run", meta_.get("network"))
    if step_summary:
        from crosscheck.reporting.step_summary import run_markdown

        ci["step_summary"] = run_markdown(shared, title, out, meta_.get("rerun") or "crosscheck run",
                                          meta_.get("network"), diagnosis)
    write_files(out, texts)  # every text is made before the first file is written
    paths = {key: out / name for key, name in names.items()}
    if "junit" in ci:
        write_junit(Path(junit_xml), ci["junit"])
        paths["junit"] = Path(junit_xml)
    if "step_summary" in ci:
        from crosscheck.reporting.step_summary import append_step_summary

        append_step_summary(ci["step_summary"], step_summary)
    return paths


def write_junit(path: Path, text: str) -> None:
    """Write the JUnit XML ``text`` to ``path`` atomically (its folder made if need be); an
    OSError says which file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, text)
    except OSError as exc:
        raise OSError(exc.errno, f"--junit-xml {path}: {exc.strerror or exc}") from None


#: What a user's code printed, per scenario, in the output folder.
USER_LOG = "user-output.log"


def printed_log(printed, on_import: str = "") -> str:
    """The text of user-output.log: what the user's code printed on import, then per scenario."""
    parts = [f"== on import ==\n{on_import}"] if on_import else []
    if printed is not None:
        parts += [f"== {row.scenario} ({row.engine}) ==\n{row.output}" for row in printed.itertuples()]
    return "\n".join(p if p.endswith("\n") else p + "\n" for p in parts)


def check_writable(out: Path) -> None:
    """Raise OSError (with the reason) unless reports can be written into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".write-test.")
    os.close(fd)
    os.unlink(tmp)
