"""Measure the error of correct engines against the float64 reference, per dtype.

For every element of every comparison the harness makes (``reference`` and the
identities, every engine, every scenario of the suite), take e = expected,
d = |actual - expected| and S the scale of that array's terms (crosscheck/budget.py:
term_scales, at least max|expected|).  For a grid of
absolute terms in units of the array's scale, atol = c * u * S (u: the dtype's unit
roundoff), print the smallest rtol with which every element passes
(d <= c u S + rtol |e|), in units of u too.  scenarios/tolerances.py explains how the
table follows from these figures.

    python benchmarks/tolerance_survey.py [--suite default] [--engines numpy,torch,jax]
    python benchmarks/tolerance_survey.py --engines fd   (the finite-difference engine's own tolerance)
"""
from __future__ import annotations

import argparse

import numpy as np

from crosscheck.adapters.base import Unsupported
from crosscheck.checks.budget import term_scales
from crosscheck.checks.identities import Observation, identity_observations, reference_observations
from crosscheck.engines import resolve_engines
from crosscheck.running.runner import reference_trace
from crosscheck.scenarios import build_problem, suite
from crosscheck.scenarios.dtypes import UNIT_ROUNDOFF

#: The absolute term's multiples c of u * S.
SCALES = (0.0, 1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0)


def survey(scenarios, engines):
    """Per dtype: elements seen, greatest |diff|, and per atol the rtol needed and where."""
    worst: dict[str, dict] = {}
    for s in scenarios:
        problem = build_problem(s)
        ref = reference_trace(problem)
        scales = term_scales(problem, ref)
        for engine in engines:
            if problem.scenario.dtype not in engine.dtypes:  # fd on float32, numpy on half
                continue
            try:
                trace = engine.trace(problem)
            except Unsupported:
                continue
            if getattr(trace, "projections", None) is not None:  # fd's projection mode
                observed = [Observation("reference", *p) for p in trace.projections]
            else:
                observed = [*reference_observations(ref, trace), *identity_observations(problem, trace)]
            u = UNIT_ROUNDOFF[s.dtype]
            for obs in observed:
                if not obs.holds or obs.expected is None:  # a negative control: it must not hold
                    continue
                e = np.abs(obs.expected)
                d = np.abs(np.asarray(obs.actual, np.float64) - obs.expected)
                scale = max(scales.get((obs.quantity, obs.layer), 0.0), float(e.max()) if e.size else 0.0)
                w = worst.setdefault(s.dtype, {"n": 0, "d": 0.0, "need": {c: (0.0, "") for c in SCALES}})
                w["n"] += e.size
                w["d"] = max(w["d"], float(d.max()) if d.size else 0.0)
                where = f"{s.id} {engine.name} {obs.check} {obs.quantity}[{obs.layer}]"
                for c in SCALES:
                    atol = c * u * scale
                    with np.errstate(divide="ignore", invalid="ignore"):
                        need = float(np.where(d <= atol, 0.0, (d - atol) / e).max()) if d.size else 0.0
                    if need > w["need"][c][0]:
                        w["need"][c] = (need, where)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="default")
    parser.add_argument("--engines", default="numpy,torch,jax")
    args = parser.parse_args()
    engines, unavailable = resolve_engines(args.frameworks.split(","))
    for name, reason in unavailable.items():
        print(f"skipping {name}: {reason}")
    for dtype, w in sorted(survey(suite(args.suite), engines).items()):
        u = UNIT_ROUNDOFF[dtype]
        print(f"\n{dtype}: {w['n']} elements, unit roundoff u = {u:.3g}, greatest |diff| {w['d']:.3g}")
        print(f"{'atol = c u S, c':>16} {'rtol needed':>12} {'= u x':>10}  worst at")
        for c, (need, where) in w["need"].items():
            print(f"{c:16g} {need:12.3g} {need / u:10.3g}  {where}")


if __name__ == "__main__":
    main()
