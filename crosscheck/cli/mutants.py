"""``crosscheck mutants``: every formula mutant of the catalogue over a suite; exit 1 if one survives."""
from __future__ import annotations

from pathlib import Path

from crosscheck.cli.common import EXIT_FAIL, EXIT_PASS, emit, scenarios, suite_options, writable

HELP = "run the formula mutants over a suite; exit 1 if one survives"


def add_parser(sub) -> None:
    mut = suite_options(sub.add_parser("mutants", help=HELP))
    mut.add_argument("--out", default="reports/mutants", help="report folder (default: reports/mutants)")
    mut.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(args) -> int:
    from crosscheck.analyses.mutant_kills import mutants_markdown, mutation_table, survivors
    from crosscheck.reporting.files import write_files

    chosen = scenarios(args)
    out = writable(Path(args.out))
    table = mutation_table(chosen, progress=False if args.no_progress else None)
    text = mutants_markdown(table, f"suite {args.suite}")
    write_files(out, {"mutants.csv": table.to_csv(index=False, lineterminator="\n"), "summary.md": text})
    alive = survivors(table)
    real = table[table["equivalent"] == ""]
    emit(f"{int(real['killed'].sum())} of {len(real)} mutants killed, {len(alive)} survived, "
         f"{len(table) - len(real)} equivalent")
    for row in alive.itertuples():
        emit(f"SURVIVED {row.id}: {row.description}")
    emit(f"reports: {out / 'mutants.csv'}, {out / 'summary.md'}")
    return EXIT_FAIL if len(alive) else EXIT_PASS
