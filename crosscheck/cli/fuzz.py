"""``crosscheck fuzz``: property-based scenarios through the engines; a failure is shrunk
to the smallest network that still fails."""
from __future__ import annotations

import shlex
import sys

from crosscheck.adapters import ENGINES
from crosscheck.cli.common import (
    EXIT_FAIL,
    EXIT_PASS,
    UsageError,
    emit,
    engine_names,
    engines_option,
    names,
    tolerance_options,
)
from crosscheck.scenarios import DTYPES

HELP = "property-based scenarios; shrink a failure to the smallest network"


def add_parser(sub) -> None:
    fz = sub.add_parser("fuzz", help=HELP)
    fz.add_argument("--examples", type=int, default=200, help="scenarios to try (default 200)")
    fz.add_argument("--seed", type=int, default=0, help="seed of the search (default 0)")
    engines_option(fz, "comma-separated engines, as crosscheck run takes them (an entry point's name, "
                       f"module.path:Class too; default: {','.join(ENGINES)})")
    fz.add_argument("--dtypes", default=None,
                    help=f"comma-separated, from {','.join(DTYPES)} (default: float64,float32)")
    fz.add_argument("--mutant", default=None, help="plant this mutant of crosscheck/analyses/mutants.py as the engine")
    tolerance_options(fz)


def main(args) -> int:
    from crosscheck.analyses.fuzz import fuzz
    from crosscheck.reporting.terminal import wrap_all
    from crosscheck.running.verdict import counted
    from crosscheck.engines import EngineSpec

    if args.examples < 1:
        raise UsageError(f"--examples {args.examples}: must be at least 1")
    dtypes = tuple(names(args.dtypes, DTYPES, "dtype")) if args.dtypes else None
    chosen = engine_names(args.engines) if args.engines else [] if args.mutant else list(ENGINES)
    if args.mutant:
        chosen += engine_names(f"mutant:{args.mutant}")
    engines, unavailable = EngineSpec(tuple(chosen)).build()
    for name, reason in unavailable.items():
        print(f"crosscheck: skipping {name}: {reason}", file=sys.stderr)
    result = fuzz(engines, args.examples, args.seed, dtypes)
    found = [f"{k} ({counted(rows, 'row')} in {counted(n, 'scenario')})" for k, (rows, n) in result.findings.items()]
    if result.failing is None:
        emit(f"{result.examples} scenarios, 0 failures ({', '.join(e.name for e in engines)}; seed {args.seed})")
        for line in wrap_all([f"explained by findings (docs/findings.md): {', '.join(found)}"] if found else []):
            emit(line)
        return EXIT_PASS
    sid = result.failing.id
    emit(f"FAIL after {result.examples} scenarios; smallest failing scenario: {sid}")
    emit(f"  {result.first_failure}")
    emit(f"  rerun: crosscheck run --scenario {sid} --engines {shlex.quote(','.join(chosen))}")
    return EXIT_FAIL
