"""``crosscheck merge``: one report of a whole suite from the output folders of its shards."""
from __future__ import annotations

import sys
from pathlib import Path

from crosscheck.cli.common import EXIT_FAIL, EXIT_PASS, UsageError, coloured, emit, writable, writable_file

HELP = "combine the outputs of --shard runs into one report"


def add_parser(sub) -> None:
    mrg = sub.add_parser("merge", help=HELP)
    mrg.add_argument("dirs", nargs="+", help="the shards' output folders")
    mrg.add_argument("--out", default="reports/latest", help="report folder (default: reports/latest)")
    mrg.add_argument("--known-failures", dest="known_failures", metavar="FILE", default=None,
                     help="the known-failures file of the shards (default: the one they ran with, from run.json); "
                     "for shards run without one, applied here")
    mrg.add_argument("--strict-known", dest="strict_known", action="store_true",
                     help="a fixed entry of the known failures, or one that matches no row, fails the run")
    mrg.add_argument("--strict-findings", dest="strict_findings", action="store_true",
                     help="measure again the findings of the engines the shards ran (docs/findings.md): one that "
                     "no longer reproduces, or whose figure changed, fails the run")
    mrg.add_argument("--junit-xml", metavar="FILE", default=None,
                     help="also write JUnit XML there: one testcase per scenario x engine (docs/reports.md)")


def main(args) -> int:
    from crosscheck.reporting.files import USER_LOG, write_files, write_reports
    from crosscheck.reporting.settings import settings_lines
    from crosscheck.reporting.step_summary import step_summary_path
    from crosscheck.checks.findings import run_lines
    from crosscheck.reporting.tables import headline
    from crosscheck.reporting.terminal import reports_line, wrap_all
    from crosscheck.running.shards import merge
    from crosscheck.running.verdict import passed

    try:
        result, meta = merge([Path(d) for d in args.dirs])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    from crosscheck.running.known import KnownFailuresError, apply, for_merge

    try:  # the shards labelled their own rows; the entries are judged here, on the whole run
        known = for_merge(meta.get("known_failures"), args.known_failures, args.strict_known)
    except KnownFailuresError as exc:
        raise UsageError(str(exc)) from None
    if known is not None:
        result, meta = apply(result, known), {**meta, "known_failures": known.meta()}
    out = writable(Path(args.out))
    junit = writable_file(args.junit_xml, "--junit-xml")
    asked = tuple(meta.get("asked") or ())
    paths = write_reports(result, out, meta["title"], meta["unavailable"], {**meta, "shard": None},
                          junit_xml=junit, step_summary=step_summary_path())
    logs = [Path(d) / USER_LOG for d in args.dirs if (Path(d) / USER_LOG).is_file()]
    if logs:  # what a user's code printed, shard by shard
        write_files(out, {USER_LOG: "".join(f"=== {log.parent} ===\n{log.read_text()}" for log in logs)})
    findings_ok, findings_lines = run_lines(result.observations, args.strict_findings)
    for line in wrap_all([headline(result.observations, meta["unavailable"], asked, result.known)]):
        emit(coloured(line))
    for line in wrap_all(settings_lines(meta)):  # the shards' config, overrides and engines' own tolerances, as run prints them
        emit(line)
    for line in result.known.warnings() if result.known is not None else []:
        print(f"crosscheck: warning: {line}", file=sys.stderr)
    for line in wrap_all(findings_lines):
        emit(line)
    for line in wrap_all([reports_line({k: v for k, v in paths.items() if k != "log"}, out)]):
        emit(line)
    ok = passed(result.observations, asked, result.known) and findings_ok
    return EXIT_PASS if ok else EXIT_FAIL
