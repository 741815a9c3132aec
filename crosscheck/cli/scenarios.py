"""``crosscheck scenarios``: the scenario ids of a suite (or JSON objects with their fields)."""
from __future__ import annotations

import json

from crosscheck.cli.common import EXIT_PASS, emit, scenarios, suite_options

HELP = "list the scenarios of a suite"


def add_parser(sub) -> None:
    lst = suite_options(sub.add_parser("scenarios", help=HELP))
    lst.add_argument("--json", action="store_true", help="a JSON list of objects (id, layer_sizes, ...)")


def main(args) -> int:
    chosen = scenarios(args)
    if args.json:
        emit(json.dumps([s.as_json() for s in chosen], indent=1))
    else:
        emit("\n".join(s.id for s in chosen))
    return EXIT_PASS
