"""Issue 25's memory target: the peak RSS of a run with per-example checks against the same
run without them, on the suite's scenarios with the most per-example values (compared in
chunks of examples: crosscheck/checks/per_example.py, reference/examples.py), for each
engine that gives per-example gradients alone and for all of them together; and what the
per-example checks add to the default run (``--suite default``, those engines together):
its wall time and peak RSS with and without them, JAX's cache warm (one run of each mode
first, not counted, each mode with a cache folder of its own).

Each run is a fresh child process that only runs ``crosscheck.running.runner.run`` on one
scenario; its peak RSS is its ``ru_maxrss`` (imports included, as a user's run has them).
"Without" is the same child with the per-example values turned off where they are made: the
reference's ``per_example_gradients``, each engine's ``per_example_layers`` and the rows
(jax's gradient program keeps a batch of one in it: its program is the same shape).  The
two children of a pair run one after the other, the order alternated between repeats; the
table gives the medians and their ratio.  JAX's persistent cache is off in both (a cached
program of the other mode would be reused).

    python benchmarks/per_example_memory.py [--suite full] [--scenarios 2] [--engines E,...] [--repeats 1]
        [--default-repeats 2] [--write]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from results import Section, add_arguments

ROOT = Path(__file__).resolve().parents[1]
#: The issue's goal: peak RSS with per-example checks at most this multiple of without.
GOAL = 1.5
ENGINE_SETS = ("numpy", "torch", "jax", "opacus", "backpack", "numpy,torch,jax,opacus,backpack")

_CHILD = r"""
import json, resource, sys, time
from collections import defaultdict
mode, engines, scenario_id, suite_name = sys.argv[1:5]
start = time.perf_counter()
from crosscheck.scenarios import suite
from crosscheck.engines import EngineSpec
from crosscheck.running.runner import run
if mode == "without":
    import importlib
    from crosscheck.reference import network
    from crosscheck.running import records
    network.per_example_gradients = lambda A, dZ, chunk, formulas=None: (None, None)
    records.reference_examples = lambda ref: ({}, {})
    records.per_example_observations = lambda *args, **kwargs: []
    nothing = lambda made, s: defaultdict(lambda: None)
    for name in ("torch_autograd", "opacus_samples", "backpack_batchgrad", "jax_grad"):
        try:
            module = importlib.import_module(f"crosscheck.adapters.{name}")
        except ImportError:
            continue
        module.per_example_layers = nothing
        if name == "jax_grad":
            module.chunk_examples = lambda sizes, m: 1
scenarios = list(suite(suite_name)) if scenario_id == "-" else [s for s in suite(suite_name) if s.id == scenario_id]
ready, unavailable = EngineSpec(tuple(engines.split(","))).build()
if unavailable:
    print(json.dumps({"error": f"unavailable: {unavailable}"}))
    sys.exit(0)
df = run(scenarios, ready, progress=False)
print(json.dumps({"peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": len(df),
                  "seconds": time.perf_counter() - start,
                  "failed": int((~df["passed"]).sum()),
                  "per_example_rows": int((df["check"] == "x(a-y) per example").sum())}))
"""


def largest(suite_name: str, count: int) -> list:
    """The ``count`` scenarios of the suite with the most per-example bytes (values x itemsize)."""
    from crosscheck.scenarios import suite
    from crosscheck.scenarios.dtypes import numpy_dtype

    def size(s):
        per = sum(s.layer_sizes[l] * s.layer_sizes[l - 1] + s.layer_sizes[l] for l in range(1, len(s.layer_sizes)))
        return per * s.m * numpy_dtype(s.dtype).itemsize

    return sorted(suite(suite_name), key=size, reverse=True)[:count], size


def child(mode: str, engines: str, scenario_id: str, suite_name: str, cache: str = "off") -> dict:
    env = {**os.environ, "CROSSCHECK_JAX_CACHE": cache}
    done = subprocess.run([sys.executable, "-c", _CHILD, mode, engines, scenario_id, suite_name], cwd=ROOT,
                          capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"child failed ({mode}, {engines}, {scenario_id}): {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def default_run(out: Section, engines: str, repeats: int) -> None:
    """The default suite with and without per-example checks: wall time and peak RSS."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="per-example-bench-") as folder:
        caches = {mode: str(Path(folder) / mode) for mode in ("with", "without")}
        for mode in caches:  # warm each mode's JAX cache
            child(mode, engines, "-", "default", caches[mode])
        got = {"with": [], "without": []}
        for r in range(repeats):
            for mode in (("with", "without") if r % 2 == 0 else ("without", "with")):
                got[mode].append(child(mode, engines, "-", "default", caches[mode]))
    med = {mode: {k: statistics.median(g[k] for g in runs) for k in ("seconds", "peak")} for mode, runs in got.items()}
    rows = {mode: (runs[0]["rows"], runs[0]["per_example_rows"], runs[0]["failed"]) for mode, runs in got.items()}
    out.add("", f"The default run (`--suite default`, engines {engines}), JAX's cache warm, median of {repeats}:", "",
            "| per-example checks | rows (per-example) | failed | wall s | peak RSS MiB |", "|---|---|---|---|---|")
    for mode in ("without", "with"):
        out.add(f"| {mode} | {rows[mode][0]} ({rows[mode][1]}) | {rows[mode][2]} | {med[mode]['seconds']:.1f} | "
                f"{med[mode]['peak']:.0f} |")
    out.add(f"| with / without | | | {med['with']['seconds'] / med['without']['seconds']:.2f} | "
            f"{med['with']['peak'] / med['without']['peak']:.2f} |")


def main() -> None:
    parser = add_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--suite", default="full")
    parser.add_argument("--scenarios", type=int, default=2, help="the N scenarios with the most per-example bytes")
    parser.add_argument("--engines", nargs="*", default=list(ENGINE_SETS),
                        help="engine sets, each comma-separated (default: each alone, then all together)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--default-repeats", type=int, default=2,
                        help="runs of the default suite in each mode (0: not measured)")
    args = parser.parse_args()
    out = Section(__file__, "Per-example checks: peak memory and time with and without them (issue 25)")
    scenarios, size = largest(args.suite, args.scenarios)
    out.add(f"Scenarios: the {args.scenarios} of the {args.suite} suite with the most per-example bytes "
            f"(dW_i and db_i of every layer, in the scenario's dtype); goal: with / without <= {GOAL}.", "",
            "| scenario | per-example MiB | engines | rows (per-example) | peak RSS without MiB | with MiB | "
            "with / without | goal met |", "|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for s in scenarios:
        for engines in args.engines:
            peaks = {"with": [], "without": []}
            result = None
            for r in range(args.repeats):
                for mode in (("with", "without") if r % 2 == 0 else ("without", "with")):
                    got = child(mode, engines, s.id, args.suite)
                    if "error" in got:
                        break
                    peaks[mode].append(got["peak"])
                    if mode == "with":
                        result = got
            if not peaks["with"] or not peaks["without"]:
                out.add(f"| `{s.id}` | {size(s) / 2**20:.0f} | {engines} | skipped: {got.get('error')} | | | | |")
                continue
            w, wo = statistics.median(peaks["with"]), statistics.median(peaks["without"])
            ratio = w / wo
            worst = max(worst, ratio)
            out.add(f"| `{s.id}` | {size(s) / 2**20:.0f} | {engines} | {result['rows']} ({result['per_example_rows']}),"
                    f" {result['failed']} failed | {wo:.0f} | {w:.0f} | {ratio:.2f} | "
                    f"{'yes' if ratio <= GOAL else 'NO'} |")
    out.add("", f"Greatest ratio: {worst:.2f} (goal <= {GOAL}).")
    if args.default_repeats:
        default_run(out, ENGINE_SETS[-1], args.default_repeats)
    out.finish(args)


if __name__ == "__main__":
    main()
