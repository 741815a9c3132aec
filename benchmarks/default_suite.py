"""The figures of issue 26, each beside its goal: the main job (`crosscheck run --suite
default`, end to end, as a user runs it) as a multiple of the import floor measured beside
it, its peak memory, and the wall times of the README's commands from a fresh clone.

The floor is a fresh Python importing numpy, pandas and every engine's framework (its
``module``): what a run of those engines pays before it computes anything. Each run of the
command is timed in a fresh process right after a floor measurement, so a change in the
machine's load hits both; the table gives the medians and their ratio. Three kinds of run:

- warm: the JAX cache (``CROSSCHECK_JAX_CACHE``) as an earlier run left it (every later run);
- cold: ``CROSSCHECK_JAX_CACHE=off``, nothing kept between runs (as on a fresh machine, and
  for every run of someone who turns the cache off);
- first: an empty cache directory, which the run fills (a new machine's first run; reported,
  no goal).

Peak memory is each run's maximum resident set (``ru_maxrss`` of a process that runs only it).

The README's commands (not with ``--no-make``), each once, from a fresh ``git clone`` of this
checkout's HEAD (what is committed, not the working tree) in a temporary folder:
``make report`` with its set-up (a new .venv), then ``make test`` there (the set-up done:
the quick set's wall time), then ``CI=true bash .ci/run`` in a second fresh clone, set-up
included, as CI runs it (all tests). These take about 20 minutes together.

``--write`` puts the figures in benchmarks/RESULTS.md (section default_suite.py).

    python benchmarks/default_suite.py [--repeats 3] [--suite default] [--engines E,...] [--no-make] [--write]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from results import Section, add_arguments

ROOT = Path(__file__).resolve().parents[1]
#: Issue 26's goals: warm and cold wall times as multiples of the import floor, the warm
#: run's peak RSS, and the wall times (s) of the README's commands from a fresh clone.
GOALS = {"warm": 3.0, "cold": 6.0}
MEMORY_GOAL_MIB = 1.2 * 1024
MAKE_GOALS = {"make test (quick set)": 120, "CI (CI=true bash .ci/run, all tests)": 8 * 60,
              "make report (set-up included)": 150}

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


def timed(cmd: list[str], env: dict, cwd=None) -> dict:
    done = subprocess.run([sys.executable, "-c", _TIMED, *cmd], env=env, capture_output=True, text=True,
                          check=True, cwd=cwd)
    return json.loads(done.stdout)


def floor_modules(engines: list[str]) -> list[str]:
    """numpy, pandas and the framework module each engine imports (its class's ``module``;
    importing the adapters imports no framework)."""
    from crosscheck.adapters import get_engine

    modules = ["numpy", "pandas"]
    for name in engines:
        module = get_engine(name).module
        if module and module not in modules:
            modules.append(module)
    return modules


def floor(env: dict, modules: list[str]) -> float:
    return timed([sys.executable, "-c", f"import {', '.join(modules)}"], env)["seconds"]


def run_once(suite: str, engines: list[str], modules: list[str], out: Path, cache: str) -> dict:
    env = {**os.environ, "CROSSCHECK_JAX_CACHE": cache}
    f = floor(env, modules)
    result = timed([sys.executable, "-m", "crosscheck", "run", "--suite", suite, "--engines", ",".join(engines),
                    "--out", str(out), "--no-progress"], env)
    if result["rc"] not in (0, 1):
        sys.exit(f"benchmark: crosscheck exited {result['rc']}: {result['stderr'].strip()}")
    return {**result, "floor": f}


def make_figures(tmp: str) -> dict:
    """Wall seconds of the README's commands from fresh clones of HEAD (see the docstring)."""
    # as a new user's shell: no CI, no active virtual environment (the clones make their own)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "VIRTUAL_ENV", "PYTHONPATH")}
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(venv))
    figures = {}

    def clone(name: str) -> Path:
        where = Path(tmp, name)
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(where)], check=True)
        return where

    def step(label: str, cmd: list[str], cwd: Path, **extra) -> None:
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, env={**env, **extra}, capture_output=True, text=True)
        figures[label] = (time.perf_counter() - start, done.returncode, done.stdout.strip().splitlines()[-1:])
        print(f"{label}: {figures[label][0]:.0f} s, exit {done.returncode}", flush=True)

    first = clone("fresh-report")
    step("make report (set-up included)", ["make", "report"], first)
    step("make test (quick set)", ["make", "test"], first)
    shutil.rmtree(first, ignore_errors=True)
    step("CI (CI=true bash .ci/run, all tests)", ["bash", ".ci/run"], clone("fresh-ci"), CI="true")
    return figures


def installed_engines() -> list[str]:
    """The built-in engines whose framework is installed: what `make report` runs."""
    from crosscheck.adapters import ENGINES, get_engine

    return [name for name in ENGINES if get_engine(name).unavailable_reason() is None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="default")
    parser.add_argument("--engines", "--frameworks", dest="engines", default=None,
                        help="comma-separated engines (default: every installed built-in one, as `make report`)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each kind (default 3; medians)")
    parser.add_argument("--no-make", action="store_true",
                        help="leave out the README's commands from fresh clones (about 20 minutes)")
    args = add_arguments(parser).parse_args()
    engines = args.engines.split(",") if args.engines else installed_engines()
    modules = floor_modules(engines)
    section = Section(__file__, "The main job against the import floor, and the README's commands from a fresh clone")
    runs = {"first": [], "warm": [], "cold": []}
    with tempfile.TemporaryDirectory() as tmp:
        cache, out = str(Path(tmp, "jax-cache")), Path(tmp, "out")
        runs["first"].append(run_once(args.suite, engines, modules, out, cache))
        for _ in range(args.repeats):  # alternated, so that the machine's load hits both kinds
            runs["warm"].append(run_once(args.suite, engines, modules, out, cache))
            runs["cold"].append(run_once(args.suite, engines, modules, out, "off"))
        runs["warm"].append(run_once(args.suite, engines, modules, out, cache))  # its report is read below
        df = pd.read_csv(out / "discrepancies.csv", low_memory=False)
        made = {} if args.no_make else make_figures(tmp)
    per_engine = df.drop_duplicates(["scenario", "engine"]).groupby("engine", sort=False)["engine_seconds"].sum()
    warm_wall = statistics.median(r["seconds"] for r in runs["warm"])
    warm_floor = statistics.median(r["floor"] for r in runs["warm"])
    cold_wall = statistics.median(r["seconds"] for r in runs["cold"])
    cold_floor = statistics.median(r["floor"] for r in runs["cold"])
    peak = max(r["mib"] for r in runs["warm"])

    def met(value, goal):
        return "met" if value <= goal else f"missed by {value / goal - 1:.0%}"

    section.add("Issue 26's table: each figure beside its goal.", "",
                "| figure | measured | goal | |", "|---|---|---|---|")
    for label, (seconds, rc, _) in made.items():
        goal = MAKE_GOALS[label]
        section.add(f"| {label}, wall | {seconds:.0f} s (exit {rc}) | <= {goal} s | "
                    f"{met(seconds, goal) if rc == 0 else 'failed'} |")
    section.add(f"| {args.suite} suite warm / import floor | {warm_wall:.1f} / {warm_floor:.2f} s = "
                f"{warm_wall / warm_floor:.2f}x | <= {GOALS['warm']:g}x | {met(warm_wall / warm_floor, GOALS['warm'])} |",
                f"| {args.suite} suite cold / import floor | {cold_wall:.1f} / {cold_floor:.2f} s = "
                f"{cold_wall / cold_floor:.2f}x | <= {GOALS['cold']:g}x | {met(cold_wall / cold_floor, GOALS['cold'])} |",
                f"| peak RSS of the {args.suite} run (warm) | {peak:.0f} MiB | <= {MEMORY_GOAL_MIB:.0f} MiB | "
                f"{met(peak, MEMORY_GOAL_MIB)} |")
    if made:
        section.add("", "The README's commands ran from fresh `git clone`s of HEAD in a temporary folder: "
                    "`make report` with its set-up, then `make test` there, then `CI=true bash .ci/run` in a second "
                    "fresh clone, set-up included. Their last lines: "
                    + "; ".join(f"{label}: `{tail[0] if tail else ''}`" for label, (_, _, tail) in made.items()) + ".")
    section.add("",
                f"`crosscheck run --suite {args.suite} --engines {','.join(engines)} --no-progress` in a fresh "
                f"process, each run right after a fresh `python -c \"import {', '.join(modules)}\"` (the import "
                "floor). The wall time includes starting Python, the imports, building the scenarios and writing the "
                "report. warm: the JAX cache an earlier run left; cold: `CROSSCHECK_JAX_CACHE=off` (nothing kept "
                "between runs); first: an empty cache that the run fills. Medians of "
                f"{args.repeats} runs (first: one), warm and cold alternated.",
                "",
                f"{df['scenario'].nunique()} scenarios, {len(df)} rows, {int((~df['passed'].astype(bool)).sum())} "
                "failed.",
                "",
                "| run | wall s | floor s | / floor | peak RSS MiB |",
                "|---|---|---|---|---|")
    for kind in ("warm", "cold", "first"):
        wall = statistics.median(r["seconds"] for r in runs[kind])
        f = statistics.median(r["floor"] for r in runs[kind])
        section.add(f"| {kind} | {wall:.1f} | {f:.2f} | {wall / f:.2f}x | {max(r['mib'] for r in runs[kind]):.0f} |")
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
