"""``crosscheck``: run suites through engines and write reports; list scenarios.

One module per subcommand (``crosscheck/cli/<name>.py``: ``add_parser`` and ``main``);
``COMMANDS`` lists them in the order ``crosscheck --help`` shows.

Exit codes (every subcommand): 0 every check passed, 1 a check failed (or an engine asked
for checked no scenario), 2 bad usage or bad input (one line on stderr, no traceback), 3
the harness itself failed (one line on stderr saying where the traceback was saved).

``run``, ``fuzz`` and ``mutants`` read the project's ``[tool.crosscheck]`` table
(crosscheck/config.py) as their defaults, so that an option on the command line wins (a
``--backward`` drops all the keys of the user's code, config.USER_CODE_KEYS); the
tolerance overrides (``--tolerance``, the table's ``tolerances``) are in force around the
command (scenarios/tolerances.py).  ``crosscheck --version`` prints the installed release.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

from crosscheck.cli.common import EXIT_CRASH, EXIT_USAGE, Parser, UsageError

COMMANDS = ("run", "mutants", "fuzz", "merge", "compare", "audit", "taylor", "scenarios", "findings")


def _parser(config=None) -> Parser:
    """The parser; with ``config`` (crosscheck.config.Config), its values as the defaults of
    the commands that read them."""
    from crosscheck.reporting.versions import DISTRIBUTION, release

    parser = Parser(prog="crosscheck", description=__doc__.splitlines()[0].replace("``", ""))
    parser.add_argument("--version", action="version", version=f"{DISTRIBUTION} {release()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMANDS:
        importlib.import_module(f"crosscheck.cli.{name}").add_parser(sub)
    if config is not None:
        for name, command in sub.choices.items():
            command.set_defaults(**config.defaults(name, {action.dest for action in command._actions}))
    return parser


def _configured(argv):
    """The parsed arguments, with the [tool.crosscheck] values the command reads as defaults
    (``config_record``: what run.json records of them) and the tolerance overrides in force
    (``tolerances``: {dtype: Tolerance}; ``tolerance_record``: run.json's account)."""
    from crosscheck.config import READERS, Config, load, tolerance_record, tolerance_table

    args = _parser().parse_args(argv)  # bad usage is said before any pyproject.toml is read
    config = Config()
    try:
        if args.command in READERS:
            # the options given on the command line (args: parsed without the table) that drop keys
            config = load().for_options(args.command, getattr(args, "backward", None), getattr(args, "set", None))
            if config.path is not None:
                args = _parser(config).parse_args(argv)
        table, sources = ({}, {}) if not hasattr(args, "tolerance") else \
            tolerance_table(config, args.tolerance, args.force_tolerance)
    except ValueError as exc:  # ConfigError, or a --tolerance that cannot be used
        raise UsageError(str(exc)) from None
    args.tolerances, args.tolerance_record = table, tolerance_record(table, sources, config)
    args.config_record = config.taken(args.command, args, sources)
    return args


def main(argv=None) -> int:
    """Entry point of the ``crosscheck`` console script; returns the exit code."""
    from crosscheck.scenarios.tolerances import overridden

    try:
        args = _configured(argv)
        with overridden(args.tolerances):
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
