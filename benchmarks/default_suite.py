"""How long the main job takes: `crosscheck run --suite default`, end to end, as a user runs it.

Runs the command in fresh processes, first with an empty JAX compilation cache (a new
machine) and then with the cache it left (every later run), and prints the wall times
side by side with the one-minute budget, plus each engine's share from the report's
``engine_seconds`` column.

    python benchmarks/default_suite.py [--suite default] [--engines numpy,torch,jax,fd]
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

BUDGET_S = 60.0


def timed_run(suite: str, frameworks: str, out: Path, cache: Path) -> float:
    env = {**os.environ, "CROSSCHECK_JAX_CACHE": str(cache)}
    cmd = [sys.executable, "-m", "crosscheck", "run", "--suite", suite, "--engines", frameworks,
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
    parser.add_argument("--engines", default="numpy,torch,jax,fd")  # what `make report` runs
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache, out = Path(tmp, "jax-cache"), Path(tmp, "out")
        cold = timed_run(args.suite, args.frameworks, out, cache)
        warm = timed_run(args.suite, args.frameworks, out, cache)
        df = pd.read_csv(out / "discrepancies.csv")
    per_engine = df.drop_duplicates(["scenario", "engine"]).groupby("engine", sort=False)["engine_seconds"].sum()
    print(f"suite {args.suite}: {df['scenario'].nunique()} scenarios, engines {args.frameworks}, "
          f"{len(df)} rows, {int((~df['passed']).sum())} failed")
    print(f"{'run':<34}{'wall s':>8}{'/ budget 60 s':>15}")
    print(f"{'cold JAX cache (fresh machine)':<34}{cold:8.1f}{cold / BUDGET_S:15.2f}")
    print(f"{'warm JAX cache (later runs)':<34}{warm:8.1f}{warm / BUDGET_S:15.2f}")
    print(f"\nwarm run, time inside each engine (ratio to numpy):")
    base = per_engine.get("numpy", per_engine.min())
    for name, seconds in per_engine.items():
        print(f"  {name:<8}{seconds:8.2f} s {seconds / base:8.1f}x")


if __name__ == "__main__":
    main()
