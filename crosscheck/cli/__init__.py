"""``crosscheck``: run suites through engines and write reports; list scenarios.

One module per subcommand (``crosscheck/cli/<name>.py``: ``add_parser`` and ``main``);
``COMMANDS`` lists them in the order ``crosscheck --help`` shows.

Exit codes (every subcommand): 0 every check passed, 1 a check failed (or an engine asked
for checked no scenario), 2 bad usage or bad input (one line on stderr, no traceback), 3
the harness itself failed (one line on stderr saying where the traceback was saved).
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

from crosscheck.cli.common import EXIT_CRASH, EXIT_USAGE, Parser, UsageError

COMMANDS = ("run", "mutants", "fuzz", "merge", "compare", "audit", "taylor", "scenarios")


def _parser() -> Parser:
    parser = Parser(prog="crosscheck", description=__doc__.splitlines()[0].replace("``", ""))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMANDS:
        importlib.import_module(f"crosscheck.cli.{name}").add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``crosscheck`` console script; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
        return importlib.import_module(f"crosscheck.cli.{args.command}").main(args)
    except UsageError as exc:
        print(f"crosscheck: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("crosscheck: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the harness's own failure: never a verdict
        return _crashed(exc, argv)


def _crashed(exc: Exception, argv) -> int:
    """Save the traceback (in the output folder when there is one) and say so on one line."""
    import tempfile
    import traceback

    text = "".join(traceback.format_exception(exc))
    out = None
    args = sys.argv[1:] if argv is None else list(argv)
    if "--out" in args[:-1]:
        out = Path(args[args.index("--out") + 1])
    try:
        folder = out if out is not None and out.is_dir() else Path(tempfile.mkdtemp(prefix="crosscheck-"))
        path = folder / "crosscheck-traceback.txt"
        path.write_text(text)
        saved = f"traceback saved in {path}"
    except OSError:
        saved = "the traceback could not be saved"
    first = (str(exc).splitlines() or [""])[0]
    print(f"crosscheck: internal error (a bug in the harness, not a verdict): {type(exc).__name__}: {first}; {saved}",
          file=sys.stderr)
    return EXIT_CRASH


if __name__ == "__main__":
    sys.exit(main())
