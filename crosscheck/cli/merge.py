"""``crosscheck merge``: one report of a whole suite from the output folders of its shards."""
from __future__ import annotations

from pathlib import Path

from crosscheck.cli.common import EXIT_FAIL, EXIT_PASS, UsageError, coloured, emit, writable

HELP = "combine the outputs of --shard runs into one report"


def add_parser(sub) -> None:
    mrg = sub.add_parser("merge", help=HELP)
    mrg.add_argument("dirs", nargs="+", help="the shards' output folders")
    mrg.add_argument("--out", default="reports/latest", help="report folder (default: reports/latest)")


def main(args) -> int:
    from crosscheck.reporting.files import USER_LOG, write_files, write_reports
    from crosscheck.reporting.tables import headline
    from crosscheck.running.shards import merge
    from crosscheck.running.verdict import passed

    try:
        result, meta = merge([Path(d) for d in args.dirs])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = writable(Path(args.out))
    asked = tuple(meta.get("asked") or ())
    paths = write_reports(result, out, meta["title"], meta["unavailable"], {**meta, "shard": None})
    logs = [Path(d) / USER_LOG for d in args.dirs if (Path(d) / USER_LOG).is_file()]
    if logs:  # what a user's code printed, shard by shard
        write_files(out, {USER_LOG: "".join(f"=== {log.parent} ===\n{log.read_text()}" for log in logs)})
    emit(coloured(headline(result.observations, meta["unavailable"], asked)))
    emit(f"reports: {', '.join(map(str, paths.values()))}")
    return EXIT_PASS if passed(result.observations, asked) else EXIT_FAIL
