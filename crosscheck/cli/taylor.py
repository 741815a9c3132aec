"""``crosscheck taylor``: the Taylor-remainder test of the reference's (or a mutant's) gradients."""
from __future__ import annotations

import math
from pathlib import Path

from crosscheck.cli.common import EXIT_FAIL, EXIT_PASS, UsageError, emit, scenarios, suite_options, writable

HELP = "Taylor-remainder test of the reference's gradients (O(h^2) over a sweep of h); exit 1 if one is not"


def add_parser(sub) -> None:
    tay = suite_options(sub.add_parser("taylor", help=HELP))
    tay.add_argument("--scenario", help="one scenario id instead of a suite")
    tay.add_argument("--mutant", default=None, help="test this mutant's backward pass instead (it should fail)")
    tay.add_argument("--out", default="reports/taylor", help="report folder (default: reports/taylor)")
    tay.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(args) -> int:
    from crosscheck.analyses.taylor import SWEEP, taylor_table
    from crosscheck.reporting.files import write_files

    chosen = scenarios(args)
    formulas = None
    if args.mutant:
        from crosscheck.analyses.mutants import mutant

        try:
            formulas = mutant(args.mutant).formulas
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    out = writable(Path(args.out))
    table = taylor_table(chosen, formulas, progress=False if args.no_progress else None)
    write_files(out, {"taylor.csv": table.to_csv(index=False, lineterminator="\n")})
    bad = table[~table["passed"]]
    exact = int(table["verdict"].str.startswith("first-order exact").sum())
    emit(f"{len(table)} gradients of {table['scenario'].nunique()} scenarios, h = 2^{round(math.log2(SWEEP[0]))}"
         f" .. 2^{round(math.log2(SWEEP[-1]))}: {len(table) - len(bad) - exact} O(h^2), {exact} first-order exact, "
         f"{len(bad)} not the gradient -> {'FAIL' if len(bad) else 'PASS'}")
    for row in bad.head(20).itertuples():
        emit(f"FAIL {row.scenario} {row.quantity}[{row.layer}]: {row.verdict}")
    emit(f"report: {out / 'taylor.csv'}")
    return EXIT_FAIL if len(bad) else EXIT_PASS
