"""``crosscheck compare``: the regressions of a current discrepancies.csv against a baseline."""
from __future__ import annotations

from crosscheck.cli.common import EXIT_FAIL, EXIT_PASS, UsageError, emit

HELP = "regressions of CURRENT against BASELINE (discrepancies.csv)"


def add_parser(sub) -> None:
    cmp_ = sub.add_parser("compare", help=HELP)
    cmp_.add_argument("baseline", help="the baseline discrepancies.csv (or .csv.gz)")
    cmp_.add_argument("current", help="the current discrepancies.csv")
    cmp_.add_argument("--factor", type=float, default=None,
                      help="an error that grew more than this many times in ULPs is a regression (default 10)")


def main(args) -> int:
    from crosscheck.reporting.regressions import DEFAULT_FACTOR, read_report, regressions, tolerance_notes
    from crosscheck.reporting.step_summary import append_compare_summary

    factor = DEFAULT_FACTOR if args.factor is None else args.factor
    if not factor > 1:
        raise UsageError(f"--factor {args.factor}: must be greater than 1")
    try:
        baseline, current = read_report(args.baseline), read_report(args.current)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    found = regressions(baseline, current, factor)
    append_compare_summary(found, len(baseline), len(current), factor, args.baseline, args.current)
    notes = [f"note: the two reports were judged under different tolerances (--tolerance, or another table): {n}"
             for n in tolerance_notes(baseline, current)]
    if found.empty:
        emit(f"no regression: {len(current)} rows against {len(baseline)} baseline rows "
             f"(ulp growth factor {factor:g})")
        for note in notes:
            emit(note)
        return EXIT_PASS
    counts = found["kind"].value_counts()
    emit(f"{len(found)} regressions: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    for note in notes:
        emit(note)
    emit(found.head(50).to_string(index=False))
    if len(found) > 50:
        emit(f"... {len(found) - 50} more")
    return EXIT_FAIL
