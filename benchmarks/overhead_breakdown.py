"""Where the time of a warm `run` on the default suite goes (cProfile, cumulative seconds).

    python benchmarks/overhead_breakdown.py

Explains the overhead ratio of benchmarks/speed.py: the bare gradient calls are a few
hundred microseconds per scenario, and everything the harness adds is Python per array.
"""
from __future__ import annotations

import cProfile
import pstats

from crosscheck.engines import resolve_engines
from crosscheck.running.runner import run_all
from crosscheck.scenarios import suite

PARTS = [  # (label, file suffix, function name)
    ("whole run_all", "crosscheck/runner.py", "run_all"),
    ("building the scenarios' data", "scenarios/problem.py", "build_problem"),
    ("float64 reference trace", "crosscheck/runner.py", "reference_trace"),
    ("numpy engine", "adapters/numpy_reference.py", "trace"),
    ("torch engine (adapter)", "adapters/torch_autograd.py", "trace"),
    ("jax engine (adapter)", "adapters/jax_grad.py", "trace"),
    ("identity checks' expected values", "crosscheck/checks.py", "identity_observations"),
    ("comparisons (compare_many)", "crosscheck/metrics.py", "compare_many"),
    ("localisation", "crosscheck/runner.py", "_where"),
    ("differences", "crosscheck/differences.py", "gradient_check_difference"),
]


def main() -> None:
    engines, _ = resolve_engines(["numpy", "torch", "jax"])
    scenarios = suite("default")
    run_all(scenarios, engines, progress=False)  # warm
    profile = cProfile.Profile()
    profile.runcall(run_all, scenarios, engines, progress=False)
    stats = pstats.Stats(profile).stats
    total = None
    print("| part | cumulative s (profiled) | share |\n|---|---|---|")
    for label, suffix, name in PARTS:
        seconds = sum(v[3] for (file, _, func), v in stats.items() if file.endswith(suffix) and func == name)
        total = total or seconds
        print(f"| {label} | {seconds:.3f} | {seconds / total:.0%} |")


if __name__ == "__main__":
    main()
