"""``crosscheck mutants``: every formula mutant of the catalogue over a suite; exit 1 if one survives."""
from __future__ import annotations

from pathlib import Path

from crosscheck.cli.common import (
    EXIT_FAIL,
    EXIT_PASS,
    UsageError,
    emit,
    engine_names,
    scenarios,
    suite_options,
    tolerance_options,
    writable,
)

HELP = "run the formula mutants over a suite; exit 1 if one survives"


def add_parser(sub) -> None:
    mut = suite_options(sub.add_parser("mutants", help=HELP))
    mut.add_argument("--out", default="reports/mutants", help="report folder (default: reports/mutants)")
    mut.add_argument("--planted-in", metavar="ENGINE",
                     help="plant each mutant in this engine's results instead of the NumPy reference's code "
                          "(its own values, changed by exactly what the mutant changes)")
    mut.add_argument("--no-progress", action="store_true", help="no progress bar")
    tolerance_options(mut)


def main(args) -> int:
    from crosscheck.analyses.mutant_kills import mutants_markdown, mutation_table, plantable, survivors
    from crosscheck.analyses.mutants import CATALOGUE
    from crosscheck.reporting.files import write_files

    chosen = scenarios(args)
    out = writable(Path(args.out))
    host, title = None, f"suite {args.suite}"
    if args.planted_in:
        host = _host(args.planted_in)
        title += f", planted in {host.name}"
    try:
        table = mutation_table(chosen, progress=False if args.no_progress else None, host=host)
    finally:
        if host is not None:
            host.close()
    text = mutants_markdown(table, title)
    write_files(out, {"mutants.csv": table.to_csv(index=False, lineterminator="\n"), "summary.md": text})
    alive = survivors(table)
    real = table[table["equivalent"] == ""]
    emit(f"{int(real['killed'].sum())} of {len(real)} mutants killed{' in ' + host.name if host else ''}, "
         f"{len(alive)} survived, "
         f"{len(table) - len(real)} equivalent")
    for row in alive.itertuples():
        emit(f"SURVIVED {row.id}: {row.description}")
    left = len(CATALOGUE) - len(plantable(CATALOGUE, host))
    if left:
        emit(f"{left} per-example mutants not planted: {host.name} gives no per-example gradients")
    emit(f"reports: {out / 'mutants.csv'}, {out / 'summary.md'}")
    return EXIT_FAIL if len(alive) else EXIT_PASS


def _host(name: str):
    """The one engine ``--planted-in`` names, loaded (UsageError if it is unknown, a mutant, or
    cannot run here)."""
    from crosscheck.engines import MUTANT, EngineSpec

    names = engine_names(name)
    if len(names) != 1:
        raise UsageError(f"--planted-in {name}: one engine, not {len(names)}")
    name = names[0]
    if name.startswith(MUTANT):
        raise UsageError(f"--planted-in {name}: a mutant cannot host another one")
    engines, unavailable = EngineSpec((name,)).build()
    if unavailable:
        raise UsageError(f"--planted-in {name}: engine unavailable: {next(iter(unavailable.values()))}")
    return engines[0]
