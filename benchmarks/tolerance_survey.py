"""Measure the error of correct engines against the float64 reference, per dtype.

For every element of every comparison the harness makes (``reference`` and the four
identities, every engine, every scenario of the suite), take e = expected and
d = |actual - expected|.  For a grid of atol values print the smallest rtol with which
every element passes (d <= atol + rtol |e|), and the same in units of the dtype's unit
roundoff u.  scenarios/tolerances.py explains how the table follows from these figures.

    python benchmarks/tolerance_survey.py [--suite default] [--frameworks numpy,torch,jax]
    python benchmarks/tolerance_survey.py --frameworks fd   (the finite-difference engine's own tolerance)
"""
from __future__ import annotations

import argparse

import numpy as np

from adapters.user_backward import Unsupported
from crosscheck.checks import Observation, identity_observations, reference_observations
from crosscheck.runner import reference_trace, resolve_engines
from scenarios import build_problem, suite
from scenarios.dtypes import UNIT_ROUNDOFF

ATOLS = (0.0, 1e-15, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2)


def survey(scenarios, engines):
    """Per dtype: elements seen, greatest |diff|, and per atol the rtol needed and where."""
    worst: dict[str, dict] = {}
    for s in scenarios:
        problem = build_problem(s)
        ref = reference_trace(problem)
        for engine in engines:
            try:
                trace = engine.trace(problem)
            except Unsupported:  # fd on a float32 scenario
                continue
            if getattr(trace, "projections", None) is not None:  # fd's projection mode
                observed = [Observation("reference", *p) for p in trace.projections]
            else:
                observed = [*reference_observations(ref, trace), *identity_observations(problem, trace)]
            for obs in observed:
                if not obs.holds:  # a negative control: it must not hold
                    continue
                e = np.abs(obs.expected)
                d = np.abs(np.asarray(obs.actual, np.float64) - obs.expected)
                w = worst.setdefault(s.dtype, {"n": 0, "d": 0.0, "need": {a: (0.0, "") for a in ATOLS}})
                w["n"] += e.size
                w["d"] = max(w["d"], float(d.max()))
                where = f"{s.id} {engine.name} {obs.check} {obs.quantity}[{obs.layer}]"
                for atol in ATOLS:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        need = float(np.where(d <= atol, 0.0, (d - atol) / e).max())
                    if need > w["need"][atol][0]:
                        w["need"][atol] = (need, where)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="default")
    parser.add_argument("--frameworks", default="numpy,torch,jax")
    args = parser.parse_args()
    engines, unavailable = resolve_engines(args.frameworks.split(","))
    for name, reason in unavailable.items():
        print(f"skipping {name}: {reason}")
    for dtype, w in sorted(survey(suite(args.suite), engines).items()):
        u = UNIT_ROUNDOFF[dtype]
        print(f"\n{dtype}: {w['n']} elements, unit roundoff u = {u:.3g}, greatest |diff| {w['d']:.3g}")
        print(f"{'atol':>8} {'rtol needed':>12} {'= u x':>10}  worst at")
        for atol, (need, where) in w["need"].items():
            print(f"{atol:8.0e} {need:12.3g} {need / u:10.3g}  {where}")


if __name__ == "__main__":
    main()
