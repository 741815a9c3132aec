"""The Taylor-remainder test: a gradient is right when the remainder shrinks as O(h^2).

For a quantity theta (W[l], b[l], or Z[l] / A[l] through the forward pass's offsets), a
random direction V and the gradient g that a backward pass claims,

    r(h) = | J(theta + h V) - J(theta) - h <g, V> |

is O(h^2) when g is dJ/dtheta, and only O(h) when it is not (the error <g - dJ/dtheta, V>
stays in the first-order term).  Over the sweep h = 2^-12 ... 2^-20 the observed order is
the least-squares slope of log r against log h over the (up to) four smallest h whose
remainder is above the rounding floor of J.  No eps is chosen: the verdict is the
order, 2 or not.

J may curve so little along V that fewer than three remainders clear the floor.  Larger
steps do not help: past a kink (ReLU) J has a remainder of its own, and where the
quadratic term is nearly zero the cubic one mixes in (orders from 1.4 to 2.9 were seen
with h up to 2^-2 on the default suite).  The verdict is then ``first-order exact``:
r(h) under the floor means |<g - dJ/dtheta, V>| is under about floor / h, reported as
``error_bound`` (at most 5.6e-8 on the default suite); a wrong gradient's
r(h) = h |<g - dJ/dtheta, V>| stands above the floor unless its error is that small.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from crosscheck import reference
from crosscheck.reference.directions import PARAMETERS, cost_along, directions
from crosscheck.reference.trace import Trace

#: h V moves a pre-activation by ~h |V| (V ~ N(0, 1), scaled by 1/sqrt(fan-in) for W):
#: h <= 2^-12 keeps that under the suites' 1e-3 margin around ReLU kinks, where J is
#: not smooth.
SWEEP = tuple(2.0 ** -k for k in range(12, 21))
#: The order is the slope over this many of the smallest h above the floor.
ASYMPTOTIC_POINTS = 4
#: The observed order must be within this of 2.
ORDER_TOLERANCE = 0.25
#: J is a mean of per-example losses, each off by a few ulps: its rounding is taken as
#: NOISE_ULPS * eps * (1 + |J|), and a remainder counts only when it is 100 times that
#: (rounding then moves log r by under 1%).
NOISE_ULPS = 64
FLOOR_ULPS = 100 * NOISE_ULPS
COLUMNS = ["scenario", "quantity", "layer", "order", "points", "verdict", "passed", "error_bound"]


class TaylorResult(NamedTuple):
    quantity: str
    layer: int
    order: float
    points: int
    verdict: str
    passed: bool
    #: min over the sweep of max(r(h), floor) / h: how large <g - dJ/dtheta, V> can be.
    error_bound: float


def remainders(J0: float, along, slope: float, sweep) -> tuple[list, list, float]:
    """(the h whose remainder clears the floor, those remainders, min of max(r, floor) / h)."""
    floor = FLOOR_ULPS * np.finfo(np.float64).eps * (1 + abs(J0))
    hs, rs, bound = [], [], float("inf")
    for h in sweep:
        r = abs(along(h) - J0 - h * slope)
        bound = min(bound, max(r, floor) / h)
        if r > floor:
            hs.append(h)
            rs.append(r)
    return hs, rs, bound


def observed_order(J0: float, along, slope: float) -> tuple[float, int, float]:
    """(order of r(h) at the smallest h above the floor, how many h are above it, error bound)."""
    hs, rs, bound = remainders(J0, along, slope, SWEEP)
    if len(hs) < 3:
        return float("nan"), len(hs), bound
    k = ASYMPTOTIC_POINTS  # the smallest h above the floor: nearest the limit h -> 0
    return float(np.polyfit(np.log(hs[-k:]), np.log(rs[-k:]), 1)[0]), len(hs), bound


def taylor_test(problem, trace: Trace | None = None) -> list[TaylorResult]:
    """Every dW[l], db[l], dZ[l], dA[l] of ``trace`` (default: the reference's, in float64)."""
    p = problem.astype(np.float64)
    s = p.scenario
    P, X, Y, acts, m = p.parameters, p.X, p.Y, s.activations, s.m
    if trace is None:
        trace = reference.trace(P, X, Y, acts, loss=s.loss)

    J0, results = float(reference.cost(P, X, Y, acts, loss=s.loss)), []
    A, Z = reference.forward(P, X, acts)
    shapes = {"dW": lambda l: P[f"W{l}"].shape, "db": lambda l: P[f"b{l}"].shape,
              "dZ": lambda l: Z[l].shape, "dA": lambda l: A[l].shape}
    keys = [(q, l) for l in range(s.depth, 0, -1) for q in ("dZ", "dW", "db", "dA")] + [("dA", 0)]
    for q, l in keys:
        g = trace.get(q, l)
        g = None if g is None else np.asarray(g, np.float64)
        if g is None or g.shape != shapes[q](l):
            got = "missing" if g is None else f"shape {g.shape}"
            results.append(TaylorResult(q, l, float("nan"), 0, f"{got}, expected {shapes[q](l)}", False, float("nan")))
            continue
        V = directions(s.seed, q, l, g.shape, stream=(7,))
        along = cost_along(p, q, l, V)
        # per-example quantities: dJ/dQ = dQ / m
        slope = float(np.sum(g * V)) if q in PARAMETERS else float(np.sum(g * V)) / m
        order, points, bound = observed_order(J0, along, slope)
        if points < 3:
            verdict, passed = "first-order exact: the remainder is at rounding level", True
        elif abs(order - 2) <= ORDER_TOLERANCE:
            verdict, passed = "O(h^2)", True
        else:
            verdict, passed = f"O(h^{order:.2f}): not the gradient", False
        results.append(TaylorResult(q, l, order, points, verdict, passed, bound))
    return results


def taylor_table(scenarios, formulas=None, progress: bool | None = None):
    """One row per scenario x quantity x layer (COLUMNS); ``formulas``: test a mutant's
    backward pass instead of the reference's."""
    import pandas as pd
    from tqdm import tqdm

    from crosscheck.scenarios import build_problem

    rows = []
    for s in tqdm(scenarios, desc="taylor", unit="sc", disable=None if progress is None else not progress, leave=False):
        problem = build_problem(s)
        trace = None
        if formulas is not None:
            p = problem.astype(np.float64)
            try:
                with np.errstate(all="ignore"):
                    trace = reference.trace(p.parameters, p.X, p.Y, s.activations, formulas=formulas, loss=s.loss)
            except Exception as exc:  # a mutant that cannot even run here fails here
                rows.append({"scenario": s.id, "quantity": "-", "layer": -1, "order": float("nan"), "points": 0,
                             "verdict": f"backward raised {type(exc).__name__}: {exc}", "passed": False,
                             "error_bound": float("nan")})
                continue
        rows += [{"scenario": s.id, **r._asdict()} for r in taylor_test(problem, trace)]
    return pd.DataFrame(rows, columns=COLUMNS)
