"""Where the time of a warm `run` on the default suite goes (cProfile, cumulative seconds).

    python benchmarks/overhead_breakdown.py [--write]

Explains the overhead ratio of benchmarks/speed.py: the bare gradient calls are a few
hundred microseconds per scenario, and everything the harness adds is Python per array.
Each part is found by its function's code object, so a moved or renamed function fails
here instead of reading 0.  ``--write`` puts the table in benchmarks/RESULTS.md (section
overhead_breakdown.py).
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from crosscheck.checks import arrays, gradient_check, identities
from crosscheck.engines import resolve_engines
from crosscheck.running import runner
from crosscheck.scenarios import problem, suite
from results import Section, add_arguments
from speed import jax_programs_note


def parts(engines):
    """(label, function) for each part, the whole run first."""
    by_name = {e.name: type(e).trace for e in engines}
    return [
        ("whole run_all", runner.run_all),
        ("building the scenarios' data", problem.build_problem),
        ("float64 reference trace", runner.reference_trace),
        ("numpy engine", by_name["numpy"]),
        ("torch engine (adapter)", by_name["torch"]),
        ("jax engine (adapter)", by_name["jax"]),
        ("identity checks' expected values", identities.identity_observations),
        ("comparisons (compare_columns)", arrays.compare_columns),
        ("localisation", runner._where),
        ("differences", gradient_check.gradient_check_difference),
    ]


def key(function) -> tuple:
    code = function.__code__
    return code.co_filename, code.co_firstlineno, code.co_name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args = add_arguments(parser).parse_args()
    engines, unavailable = resolve_engines(["numpy", "torch", "jax"])
    if unavailable:
        raise SystemExit(f"overhead breakdown needs all engines: {unavailable}")
    scenarios = suite("default")
    out = Section(__file__, "Where a warm `run` spends its time (the overhead of speed.py, target 1)")
    runner.run_all(scenarios, engines, progress=False)  # warm: JAX compiles every shape once
    start = time.perf_counter()
    runner.run_all(scenarios, engines, progress=False)
    plain = time.perf_counter() - start
    profile = cProfile.Profile()
    profile.runcall(runner.run_all, scenarios, engines, progress=False)
    stats = pstats.Stats(profile).stats
    rows = []
    for label, function in parts(engines):
        if key(function) not in stats:
            raise SystemExit(f"overhead breakdown: {function.__qualname__} ({key(function)}) never ran: "
                             "has the runner changed?")
        rows.append((label, stats[key(function)][3]))
    total = rows[0][1]
    out.add(f"A warm `run_all` on the default suite ({len(scenarios)} scenarios; engines numpy, torch, jax) "
            f"under cProfile, after a warm-up run: cumulative seconds of each part and its share of the whole. "
            f"The same run took {plain:.2f} s unprofiled and {total:.2f} s profiled ({total / plain:.1f}x: the "
            "profiler's cost is per Python call, so it inflates the harness's many small calls more than the "
            "engines' arithmetic; read the shares, not the seconds).", "",
            "| part | cumulative s (profiled) | share |", "|---|---|---|")
    for label, seconds in rows:
        out.add(f"| {label} | {seconds:.3f} | {seconds / total:.0%} |")
    note = jax_programs_note(engines, scenarios)
    if note:
        out.add("", note)
    out.finish(args)


if __name__ == "__main__":
    main()
