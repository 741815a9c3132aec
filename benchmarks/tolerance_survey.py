"""Measure the error of correct engines against the float64 reference, per dtype.

For every element of every comparison the harness makes (``reference`` and the
identities, every engine, every scenario of the suite), take e = expected,
d = |actual - expected| and S the scale of that array's terms
(crosscheck/checks/budget.py: term_scales, at least max|expected|).  For a grid of
absolute terms in units of the array's scale, atol = c * u * S (u: the dtype's unit
roundoff), print the smallest rtol with which every element passes
(d <= c u S + rtol |e|), in units of u too.  scenarios/tolerances.py explains how the
table follows from these figures.

An engine with a tolerance of its own (``fd``, whose error is its step size's, not the
dtype's) is surveyed on its own, over absolute terms atol = 0, 1e-12, ..., 1e-6, the
form of its tolerance.

    python benchmarks/tolerance_survey.py [--suite default] [--engines numpy,torch,jax] [--write]
    python benchmarks/tolerance_survey.py --suite full   (the survey behind scenarios/tolerances.py; hours)
    python benchmarks/tolerance_survey.py --engines fd   (the finite-difference engine's own tolerance)
    python benchmarks/tolerance_survey.py --engines numpy,torch,jax,fd --write   (make bench: both)

``--write`` puts the tables in benchmarks/RESULTS.md (section tolerance_survey.py).
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
from results import Section, add_arguments

#: The absolute term's multiples c of u * S (engines judged by the dtype's table).
SCALES = (0.0, 1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0)
#: Absolute terms for an engine with its own tolerance (rtol, atol).
ATOLS = (0.0, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6)


def survey(scenarios, engines, own: bool = False):
    """Per dtype: elements seen, greatest |diff|, and per atol the rtol needed and where.

    ``own``: the grid is ATOLS (absolute), not SCALES (multiples of u S)."""
    grid = ATOLS if own else SCALES
    worst: dict[str, dict] = {}
    for s in scenarios:
        if not any(s.dtype in engine.dtypes for engine in engines):  # fd on float32, numpy on half
            continue
        problem = build_problem(s)
        ref = reference_trace(problem)
        scales = term_scales(problem, ref)
        for engine in engines:
            if problem.scenario.dtype not in engine.dtypes:
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
                w = worst.setdefault(s.dtype, {"n": 0, "d": 0.0, "need": {c: (0.0, "") for c in grid}})
                w["n"] += e.size
                w["d"] = max(w["d"], float(d.max()) if d.size else 0.0)
                where = f"{s.id} {engine.name} {obs.check} {obs.quantity}[{obs.layer}]"
                for c in grid:
                    atol = c if own else c * u * scale
                    with np.errstate(divide="ignore", invalid="ignore"):
                        need = float(np.where(d <= atol, 0.0, (d - atol) / e).max()) if d.size else 0.0
                    if need > w["need"][c][0]:
                        w["need"][c] = (need, where)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="default")
    parser.add_argument("--engines", "--frameworks", dest="engines", default="numpy,torch,jax")
    args = add_arguments(parser).parse_args()
    engines, unavailable = resolve_engines(args.engines.split(","))
    for name, reason in unavailable.items():
        print(f"skipping {name}: {reason}")
    out = Section(__file__, "Tolerances: the error of correct engines against the float64 reference")
    out.add(f"Suite {args.suite}. For every element of every comparison the harness makes (the reference check "
            "and the identities, every engine, every scenario), e = expected, d = |actual - expected|, S = the "
            "scale of the array's terms (crosscheck/checks/budget.py: term_scales, at least max|e|). For each "
            "absolute term, the smallest rtol with which every element passes, d <= atol + rtol |e|, and "
            "where the worst element is. Negative controls (identities that must not hold) are left out. "
            "scenarios/tolerances.py explains how the tolerance table follows from such figures.")
    shared = [e for e in engines if e.tolerance is None]
    groups = ([(f"engines {', '.join(e.name for e in shared)}: the dtype's tolerance table, atol = c u S "
                "(u: the dtype's unit roundoff)", shared, False)] if shared else [])
    groups += [(f"engine {e.name}: its own tolerance (rtol {e.tolerance.rtol:g}, atol {e.tolerance.atol:g}), "
                "atol absolute", [e], True) for e in engines if e.tolerance is not None]
    for title, group, own in groups:
        found = survey(suite(args.suite), group, own)
        out.add("", f"### {title}")
        for dtype, w in sorted(found.items()):
            u = UNIT_ROUNDOFF[dtype]
            out.add("", f"{dtype}: {w['n']} elements, u = {u:.3g}, greatest |diff| {w['d']:.3g}", "",
                    f"| {'atol' if own else 'c (atol = c u S)'} | rtol needed | rtol / u | worst at |",
                    "|---|---|---|---|")
            for c, (need, where) in w["need"].items():
                out.add(f"| {c:g} | {need:.3g} | {need / u:.3g} | {where or '-'} |")
    out.finish(args)


if __name__ == "__main__":
    main()
