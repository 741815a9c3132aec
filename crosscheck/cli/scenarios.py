"""``crosscheck scenarios``: the scenario ids of a suite (or JSON objects with their fields), or
with ``--coverage`` what its data reach per activation (scenarios/coverage.py)."""
from __future__ import annotations

import json

from crosscheck.cli.common import EXIT_PASS, emit, scenarios, suite_options

HELP = "list the scenarios of a suite, or what their data reach (--coverage)"


def add_parser(sub) -> None:
    lst = suite_options(sub.add_parser("scenarios", help=HELP))
    lst.add_argument("--json", action="store_true", help="a JSON list of objects (id, layer_sizes, ...)")
    lst.add_argument("--coverage", action="store_true",
                     help="per activation: min and max z, the tails reached, values close to each side of a kink")


def main(args) -> int:
    chosen = scenarios(args)
    if args.coverage:
        return _coverage(args, chosen)
    if args.json:
        emit(json.dumps([s.as_json() for s in chosen], indent=1))
    else:
        emit("\n".join(s.id for s in chosen))
    return EXIT_PASS


def _coverage(args, chosen) -> int:
    """The reach table (or JSON objects) of the chosen scenarios; exit 0 whatever they reach."""
    from dataclasses import asdict

    from crosscheck.scenarios.coverage import NEAR, suite_reach, table

    reaches = suite_reach(chosen)
    if args.json:
        emit(json.dumps([{**asdict(r), "tail_thresholds": list(r.thresholds), "tails_reached": list(r.tails_reached),
                          "near": NEAR, "complete": r.complete} for r in reaches], indent=1))
        return EXIT_PASS
    emit(f"suite {args.suite}: {len(chosen)} scenarios, z of every layer of the float64 reference forward, per "
         f"activation; tails: where |g'| < 1e-6 of its peak; kink: values within {NEAR:g} of z = 0, outside the "
         "kink margin")
    emit(table(reaches))
    return EXIT_PASS
