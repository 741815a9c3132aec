"""How long the main job takes: `crosscheck run --suite default`, end to end, as a user runs it,
as a multiple of the import floor measured beside it.

The floor is a fresh Python importing numpy, pandas, torch and jax: what any run of the four
engines pays before it computes anything. Each run of the command is timed in a fresh process
right after a floor measurement, so a change in the machine's load hits both; the table gives
the medians and their ratio. Three kinds of run:

- warm: the JAX cache (``CROSSCHECK_JAX_CACHE``) as an earlier run left it (every later run);
- cold: ``CROSSCHECK_JAX_CACHE=off``, nothing kept between runs (as on a fresh machine, and
  for every run of someone who turns the cache off);
- first: an empty cache directory, which the run fills (a new machine's first run; reported,
  no goal).

Peak memory is each run's maximum resident set (``ru_maxrss`` of a process that runs only it).
``--write`` puts the figures in benchmarks/RESULTS.md (section default_suite.py).

    python benchmarks/default_suite.py [--repeats 3] [--suite default] [--engines numpy,torch,jax,fd] [--write]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from results import Section, add_arguments

FLOOR_IMPORTS = "numpy, pandas, torch, jax"
#: The goals of issue 15: warm and cold wall times as multiples of the import floor.
GOALS = {"warm": 2.5, "cold": 4.5}
#: The peak resident set of the warm default run before issue 15 (MiB), not to be exceeded.
MEMORY_GOAL_MIB = 953

#: Runs a command in a child, prints its wall time and peak RSS (the child is the only one
#: this process waits for, so RUSAGE_CHILDREN is its own).
_TIMED = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rc": done.returncode, "seconds": seconds, "mib": peak, "stderr": done.stderr[-2000:]}))
"""


def timed(cmd: list[str], env: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", _TIMED, *cmd], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def floor(env: dict) -> float:
    return timed([sys.executable, "-c", f"import {FLOOR_IMPORTS}"], env)["seconds"]


def run_once(suite: str, engines: str, out: Path, cache: str) -> dict:
    env = {**os.environ, "CROSSCHECK_JAX_CACHE": cache}
    f = floor(env)
    result = timed([sys.executable, "-m", "crosscheck", "run", "--suite", suite, "--engines", engines,
                    "--out", str(out), "--no-progress"], env)
    if result["rc"] not in (0, 1):
        sys.exit(f"benchmark: crosscheck exited {result['rc']}: {result['stderr'].strip()}")
    return {**result, "floor": f}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="default")
    parser.add_argument("--engines", "--frameworks", dest="engines",
                        default="numpy,torch,jax,fd")  # what `make report` runs
    parser.add_argument("--repeats", type=int, default=3, help="runs of each kind (default 3; medians)")
    args = add_arguments(parser).parse_args()
    section = Section(__file__, "The main job: `crosscheck run`, end to end, against the import floor")
    runs = {"first": [], "warm": [], "cold": []}
    with tempfile.TemporaryDirectory() as tmp:
        cache, out = str(Path(tmp, "jax-cache")), Path(tmp, "out")
        runs["first"].append(run_once(args.suite, args.engines, out, cache))
        for _ in range(args.repeats):  # alternated, so that the machine's load hits both kinds
            runs["warm"].append(run_once(args.suite, args.engines, out, cache))
            runs["cold"].append(run_once(args.suite, args.engines, out, "off"))
        runs["warm"].append(run_once(args.suite, args.engines, out, cache))  # its report is read below
        df = pd.read_csv(out / "discrepancies.csv", low_memory=False)
    per_engine = df.drop_duplicates(["scenario", "engine"]).groupby("engine", sort=False)["engine_seconds"].sum()
    section.add(f"`crosscheck run --suite {args.suite} --engines {args.engines} --no-progress` in a fresh process, "
                f"each run right after a fresh `python -c \"import {FLOOR_IMPORTS}\"` (the import floor). "
                "The wall time includes starting Python, the imports, building the scenarios and writing the "
                "report. warm: the JAX cache an earlier run left; cold: `CROSSCHECK_JAX_CACHE=off` (nothing kept "
                "between runs); first: an empty cache that the run fills. Medians of "
                f"{args.repeats} runs (first: one), warm and cold alternated.",
                "",
                f"{df['scenario'].nunique()} scenarios, {len(df)} rows, {int((~df['passed'].astype(bool)).sum())} "
                "failed.",
                "",
                "| run | wall s | floor s | / floor | goal | peak RSS MiB |",
                "|---|---|---|---|---|---|")
    for kind in ("warm", "cold", "first"):
        wall = statistics.median(r["seconds"] for r in runs[kind])
        f = statistics.median(r["floor"] for r in runs[kind])
        peak = max(r["mib"] for r in runs[kind])
        goal = f"<= {GOALS[kind]}x: {'met' if wall / f <= GOALS[kind] else 'missed'}" if kind in GOALS else "-"
        memory = f"{peak:.0f}" + (f" (goal <= {MEMORY_GOAL_MIB}: {'met' if peak <= MEMORY_GOAL_MIB else 'missed'})"
                                  if kind == "warm" else "")
        section.add(f"| {kind} | {wall:.1f} | {f:.2f} | {wall / f:.1f}x | {goal} | {memory} |")
    section.add("",
                "Every run: " + "; ".join(f"{kind} " + ", ".join(f"{r['seconds']:.1f}/{r['floor']:.2f}" for r in rs)
                                          for kind, rs in runs.items()) + " (wall s / floor s).",
                "",
                "Last warm run, time inside each engine's `trace` (the report's `engine_seconds`, summed over "
                "scenarios):",
                "",
                "| engine | s | / wall |",
                "|---|---|---|")
    wall = runs["warm"][-1]["seconds"]
    for name, seconds in per_engine.items():
        section.add(f"| {name} | {seconds:.2f} | {seconds / wall:.0%} |")
    section.finish(args)


if __name__ == "__main__":
    main()
