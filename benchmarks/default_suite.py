"""How long the main job takes: `crosscheck run --suite default`, end to end, as a user runs it.

Runs the command in fresh processes, first with an empty JAX compilation cache (a new
machine) and then with the cache it left (every later run), and prints the wall times
side by side with the one-minute budget and with each other, plus each engine's share
from the report's ``engine_seconds`` column.  ``--write`` puts the figures in
benchmarks/RESULTS.md (section default_suite.py).

    python benchmarks/default_suite.py [--suite default] [--engines numpy,torch,jax,fd] [--write]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from results import Section, add_arguments

BUDGET_S = 60.0


def timed_run(suite: str, engines: str, out: Path, cache: Path) -> float:
    env = {**os.environ, "CROSSCHECK_JAX_CACHE": str(cache)}
    cmd = [sys.executable, "-m", "crosscheck", "run", "--suite", suite, "--engines", engines,
           "--out", str(out), "--no-progress"]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"benchmark: crosscheck exited {done.returncode}: {done.stderr.strip()}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="default")
    parser.add_argument("--engines", "--frameworks", dest="engines",
                        default="numpy,torch,jax,fd")  # what `make report` runs
    args = add_arguments(parser).parse_args()
    section = Section(__file__, "The main job: `crosscheck run`, end to end")
    with tempfile.TemporaryDirectory() as tmp:
        cache, out = Path(tmp, "jax-cache"), Path(tmp, "out")
        cold = timed_run(args.suite, args.engines, out, cache)
        warm = timed_run(args.suite, args.engines, out, cache)
        df = pd.read_csv(out / "discrepancies.csv")
    per_engine = df.drop_duplicates(["scenario", "engine"]).groupby("engine", sort=False)["engine_seconds"].sum()
    section.add(f"`crosscheck run --suite {args.suite} --engines {args.engines} --no-progress` in a fresh process, "
             "twice: first with an empty JAX compilation cache (a new machine), then with the cache the first "
             "run left (every later run). The wall time includes starting Python, the imports, building the "
             "scenarios and writing the report. JAX compiles one program per network shape, batch size, dtype "
             "and loss and keeps it in its persistent cache, which is what the second run reuses.",
             "",
             f"{df['scenario'].nunique()} scenarios, {len(df)} rows, {int((~df['passed']).sum())} failed.",
             "",
             "| run | wall s | / budget 60 s | / warm run |",
             "|---|---|---|---|",
             f"| cold JAX cache (fresh machine) | {cold:.1f} | {cold / BUDGET_S:.2f} | {cold / warm:.2f} |",
             f"| warm JAX cache (later runs) | {warm:.1f} | {warm / BUDGET_S:.2f} | 1.00 |",
             "",
             "Warm run, time inside each engine's `trace` (the report's `engine_seconds`, summed over "
             "scenarios), against the numpy engine and against the run's wall time:",
             "",
             "| engine | s | / numpy | / wall |",
             "|---|---|---|---|")
    base = per_engine.get("numpy", per_engine.min())
    for name, seconds in per_engine.items():
        section.add(f"| {name} | {seconds:.2f} | {seconds / base:.1f}x | {seconds / warm:.0%} |")
    section.finish(args)


if __name__ == "__main__":
    main()
