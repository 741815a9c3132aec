"""What every subcommand shares: the exit codes, the one-line usage error, argument parsing
of names, suites and output folders, and printing that survives a closed pipe."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from crosscheck.scenarios import DTYPES, SUITES, Scenario, suite

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3


class UsageError(Exception):
    """Bad usage or bad input: reported on one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise UsageError(message)


def emit(*args) -> None:
    """print to stdout; if the reader has gone (`crosscheck ... | head`), print nothing more."""
    try:
        print(*args, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def coloured(text: str) -> str:
    """PASS in green and FAIL in red, on a terminal only (and never with NO_COLOR set)."""
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):
        return text
    return text.replace("-> PASS", "-> \033[32mPASS\033[0m").replace("-> FAIL", "-> \033[31mFAIL\033[0m")


def names(text: str, accepted, what: str) -> list[str]:
    """Comma-separated names, each one of ``accepted``."""
    chosen = [n.strip() for n in text.split(",") if n.strip()]
    for name in chosen:
        if name not in accepted:
            raise UsageError(f"unknown {what} {name!r}; accepted: {', '.join(accepted)}")
    if not chosen:
        raise UsageError(f"no {what} given; accepted: {', '.join(accepted)}")
    return chosen


def engine_names(text: str) -> list[str]:
    """Comma-separated engine names (crosscheck/engines.py: built-in, variant, mutant:ID, an
    entry point's name, module.path:Class), each checked; UsageError with one line."""
    from crosscheck.engines import check_name

    chosen = [n.strip() for n in text.split(",") if n.strip()]
    if not chosen:
        raise UsageError("no engine given")
    chosen = list(dict.fromkeys(chosen))  # an engine named twice runs once (its rows would be doubled)
    try:
        return [check_name(n) for n in chosen]
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def engines_option(parser, help: str) -> None:
    """``--engines`` (``--frameworks``: its older name, kept as an alias)."""
    parser.add_argument("--engines", "--frameworks", dest="engines", default=None, help=help)


def scenarios(args) -> list[Scenario]:
    """The scenarios of ``--scenario`` or ``--suite``, filtered by ``--dtypes``."""
    try:
        chosen = [Scenario.from_id(args.scenario)] if args.scenario else list(suite(args.suite))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    dtypes = names(args.dtypes, DTYPES, "dtype") if args.dtypes else DTYPES
    chosen = [s for s in chosen if s.dtype in dtypes]
    if not chosen:
        raise UsageError(f"no scenario left after --dtypes {args.dtypes}")
    return chosen


def suite_options(parser):
    """--suite and --dtypes, for the commands that take a whole suite."""
    parser.add_argument("--suite", default="default", help=f"one of {', '.join(SUITES)} (default: default)")
    parser.add_argument("--dtypes", default=None, help=f"comma-separated, from {','.join(DTYPES)} (default: all)")
    parser.set_defaults(scenario=None)
    return parser


def writable(out: Path) -> Path:
    """``out``, once it is known to be a folder reports can be written to."""
    from crosscheck.reporting.files import check_writable

    try:
        check_writable(out)
    except OSError as exc:
        raise UsageError(f"cannot write reports to {out}: {exc.strerror or exc}") from None
    return out


def writable_file(path: str | None, flag: str) -> Path | None:
    """``path`` (the value of ``flag``, e.g. --junit-xml), once a file can be written there
    (its folder is made if need be); None when the option was not given."""
    from crosscheck.reporting.files import check_writable

    if path is None:
        return None
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{flag} {path}: is a folder, not a file")
    try:
        check_writable(target.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {flag} {path}: {exc.strerror or exc}") from None
    return target


def tolerance_options(parser) -> None:
    """``--tolerance DTYPE=RTOL,ATOL`` (repeatable) and ``--force-tolerance``; the overrides are
    put in force around the command by crosscheck/cli/__init__.py (scenarios/tolerances.py)."""
    parser.add_argument("--tolerance", action="append", default=None, metavar="DTYPE=RTOL,ATOL",
                        help="use this rtol and atol for DTYPE instead of the measured table (repeatable; the "
                        "absolute term stays max(atol, scale * T); docs/tolerances.md#overrides)")
    parser.add_argument("--force-tolerance", action="store_true",
                        help="accept a --tolerance looser than the sanity bound")
