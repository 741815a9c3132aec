"""The op-level survey: g(z) and g'(z) of every activation, as each engine computes them in
each of its dtypes, against exact values (mpmath), over both tails.

    python -m crosscheck.findings.survey [--engines numpy,torch] [--dtypes float64] [--csv PATH]

The grid (``grid``): for each dtype a symmetric log-spaced grid from the dtype's unit
roundoff u to 1 and from 1 out to max(1.05 ln(1 / tiny), 100) (tiny: the dtype's smallest
normal number; at ln(1 / tiny) e^-|z|, and with it every exponential tail's g', falls below
tiny; 100 reaches float16's overflows), plus a uniform core on [-8, 8] and 0; each point
rounded to the dtype first, so that the exact value is taken at the input the engine really
gets.  An activation is judged on a side with a tail (scenarios/tails.py) out to where its
exact |g'| falls below tiny (``surveyed``), on a side without one (relu's, softplus'
positive side, ...) out to the grid's end.

For each (engine, dtype, activation, quantity g or g') a row gives:

- ``worst_rel``: the greatest |engine - exact| / max(|exact|, tiny), its ``worst_ulps``
  (the error in units in the last place of the dtype at the exact value) and ``z_worst``;
- the allowance at each z, ``ULPS`` ulps of the value plus the function's own conditioning:
  ``ULPS ulp(v) / max(|v|, tiny) + cond(z) u``, cond = |z g'(z) / g(z)| for g and
  |z g''(z) / g'(z)| for g' (an algorithm that rounds its intermediate results, z / sqrt 2
  for instance, is allowed what that rounding costs through the function); where the value
  is below (1 + |z|) tiny, all of it (an intermediate below tiny, sigma(z) of z sigma(z),
  may be flushed to zero, as CPUs with FTZ/DAZ and GPUs do);
- ``beyond``: how many points exceed it; ``flagged``: how many of those the reference's
  own formulas, run in the same dtype, do not explain (the engine's error is more than
  ULPS times the formula's, its greatest within NEIGHBOURS grid points, plus the allowance:
  a cancellation such as sigma(1 - sigma) or 1 - tanh^2 in a tail is the formula's, in
  every engine that uses it); ``rel``, ``ulps``, ``z``, ``allowance`` and ``formula_rel``:
  the worst flagged point (the worst point beyond the allowance when none is flagged);
  ``core_rel`` and ``z_core``: the same on the core, |z| <= 8, where networks mostly are;
- ``vs_reference``: the greatest deviation from the float64 reference's own g or g'
  (reference/activations.py) at the same inputs, relative as above: what a network-level
  comparison sees, since the reference is the arbiter there, not the exact value;
- ``network``: whether that deviation passes the network-level tolerance of the dtype
  (scenarios/tolerances.py: ``tolerance``), ``|d| <= max(atol, scale T) + rtol |ref|``:
  ``inside`` even when the value is the largest of its array (T = |ref|); ``alone`` when it
  fails only as the largest of its array, i.e. it passes beside a unit of typical size
  (T = the function's largest |value| on |z| <= 2), so it shows only in an array whose every
  element is out there; ``visible`` when it fails even beside one;
- ``verdict``: ``within`` the allowance; ``formula`` (beyond it only where the reference's
  formulas in the same dtype are as far out; the numpy engine's own rows beyond it are
  always this); ``candidate`` (flagged points: a finding to confirm).

relu' and leaky_relu' are not surveyed at z = 0, where the derivative is a convention
(docs/conventions.md), not a value; softmax is surveyed on the column (z, 0)
(crosscheck/findings/exact.py).

The command prints the candidates and the network-visible rows (``--all``: every row) and
exits 0 whatever it finds (a measurement, not a check), 2 for an unknown name.  Every
framework is imported only when its engine is surveyed (crosscheck/findings/evaluations.py).
"""
from __future__ import annotations

import argparse
import math
import sys
from functools import lru_cache

import numpy as np

from crosscheck.findings import evaluations
from crosscheck.reference.activations import ACTIVATIONS
from crosscheck.scenarios.dtypes import UNIT_ROUNDOFF, numpy_dtype

#: The "few ulps" of the allowance, beyond the conditioning; and how many times the error of
#: the reference's formulas in the same dtype an engine's error may be and still be the
#: formula's (the same algorithm, rounded differently: 1 - tanh(z)^2 where tanh rounds to 1).
ULPS = 4
#: The grid: points per side from u to 1 and from 1 to the tail's end; the uniform core.
N_SMALL, N_TAIL, N_CORE, CORE = 128, 512, 1025, 8.0
#: How far past ln(1 / tiny) the grid goes, and at least how far (a side without a tail:
#: float16's exp overflows at 11.1 and gelu_tanh's z^3 at 40.3).
TAIL_MARGIN, END = 1.05, 100.0
#: The formula's error at a point is taken as its greatest within this many grid points on
#: either side: what it can cost there (its bound), not what it happened to cost (where the
#: result is a cancellation of a few ulps, one ulp either way changes it by O(1)).
NEIGHBOURS = 8
#: Tails are cut where |g'| first falls below tiny beyond this |z| (away from g''s zeros).
CUT_FROM = 2.0
#: |z| up to which a function's values are "typical" (the network label's beside-a-unit T).
TYPICAL = 2.0
#: Significand bits (with the implicit one) and the smallest normal number of each dtype.
PRECISION = {"float64": 53, "float32": 24, "float16": 11, "bfloat16": 8}
TINY = {"float64": 2.0 ** -1022, "float32": 2.0 ** -126, "float16": 2.0 ** -14, "bfloat16": 2.0 ** -126}
#: Activations whose g' is a convention at z = 0 (left out there).
KINKED = ("relu", "leaky_relu")

COLUMNS = ("engine", "version", "dtype", "activation", "quantity", "points", "returned", "worst_rel", "worst_ulps",
           "z_worst", "beyond", "flagged", "rel", "ulps", "z", "allowance", "formula_rel", "core_rel", "z_core",
           "excess", "z_excess",
           "vs_reference", "z_vs_reference", "network", "verdict")


def grid(dtype: str) -> np.ndarray:
    """The survey's inputs for ``dtype``: float64 values, each exactly a value of ``dtype``."""
    u, tiny = UNIT_ROUNDOFF[dtype], TINY[dtype]
    end = max(TAIL_MARGIN * math.log(1 / tiny), END)
    side = np.concatenate([np.geomspace(u, 1.0, N_SMALL), np.geomspace(1.0, end, N_TAIL)])
    z = np.concatenate([-side, side, np.linspace(-CORE, CORE, N_CORE), [0.0]])
    return np.unique(z.astype(numpy_dtype(dtype)).astype(np.float64))


@lru_cache(maxsize=None)
def _exact(dtype: str, names: tuple) -> dict:
    from crosscheck.findings.exact import exact

    return exact(names, grid(dtype))


@lru_cache(maxsize=None)
def _reference(dtype: str, names: tuple, computed_in: str = "float64") -> dict:
    """The reference's (g, g') at the dtype's grid, computed in ``computed_in``: float64 (the
    network check's arbiter), or ``dtype`` (the formula's own cost in that dtype, each
    result rounded to it: NumPy computes some in a wider type, scipy's erf of float16 in
    float64 and of bfloat16 in float32, and there the formula is that much more accurate)."""
    as_computed = numpy_dtype(computed_in)
    values, _ = evaluations.evaluate("numpy", computed_in, grid(dtype).astype(as_computed), names)
    return {name: tuple(v.astype(as_computed).astype(np.float64) for v in values[name][:2]) for name in names}


def surveyed(name: str, dtype: str, z: np.ndarray, g_prime: np.ndarray) -> np.ndarray:
    """Which of ``z`` the survey judges for activation ``name``: on a side with a tail
    (scenarios/tails.py; softmax's are sigmoid's), up to where the exact |g'| first falls
    below tiny beyond |z| = CUT_FROM, and no further; all of a side without one."""
    from crosscheck.scenarios.tails import tail_thresholds

    keep = np.ones(len(z), bool)
    for side, threshold in zip((-1, 1), tail_thresholds("sigmoid" if name == "softmax" else name)):
        if threshold is None:
            continue
        below = (side * z > CUT_FROM) & (np.abs(g_prime) < TINY[dtype])
        if below.any():
            keep &= side * z < np.min(side * z[below])
    return keep


def _around(values: np.ndarray, points: int = NEIGHBOURS) -> np.ndarray:
    """The greatest of ``values`` within ``points`` grid points on either side of each (NaN
    counts as infinite: nothing explained where the formula was not run)."""
    padded = np.pad(np.where(np.isnan(values), np.inf, values), points, constant_values=-np.inf)
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * points + 1).max(axis=1)


def _ulp(value: np.ndarray, dtype: str) -> np.ndarray:
    """One unit in the last place of ``dtype`` at each |value| (the subnormal spacing below tiny)."""
    magnitude = np.maximum(np.abs(value), TINY[dtype])
    return np.exp2(np.floor(np.log2(magnitude)) - (PRECISION[dtype] - 1))


def pointwise(dtype: str, name: str, quantity: str, z, got, exact, reference, formula=None) -> dict:
    """Per point of ``z`` the survey judges (``surveyed``; relu' and leaky_relu' not at 0):
    {"z", "rel", "ulps", "allow", "beyond", "flagged", "formula_rel", "deviation" (relative
    to max(|exact|, tiny)), "alone", "beside"} as arrays, for ``got`` (the engine's g or g' at
    ``z``) against ``exact`` ((g, g', g'') of exact.exact, each (hi, lo)), ``reference`` (the
    float64 reference's values of the same quantity: the network check's arbiter) and
    ``formula`` (the reference's formulas run in ``dtype``; None: nothing is explained by it).
    The module's docstring says what each means."""
    from crosscheck.scenarios.tolerances import tolerance

    u, tiny = UNIT_ROUNDOFF[dtype], TINY[dtype]
    k = 0 if quantity == "g" else 1
    (hi, lo), (d_hi, _) = exact[k], exact[k + 1]
    keep = surveyed(name, dtype, z, exact[1][0])
    if quantity != "g" and name in KINKED:
        keep &= z != 0
    formula = np.full(len(z), np.nan) if formula is None else formula
    z, got, hi, lo, d_hi, reference, formula = (np.asarray(a, np.float64)[keep]
                                                 for a in (z, got, hi, lo, d_hi, reference, formula))
    floor = np.maximum(np.abs(hi), tiny)
    with np.errstate(all="ignore"):
        error = np.where(np.isfinite(got), np.abs((got - hi) - lo), np.inf)
        rel = error / floor
        cond = np.abs(z) * np.abs(d_hi) / floor
        # an intermediate below tiny (sigma(z) of z sigma(z)), times up to 1 + |z|, may be flushed to zero
        flushed = np.abs(hi) < (1 + np.abs(z)) * tiny
        allow = np.where(flushed, 1.0, ULPS * _ulp(hi, dtype) / floor + cond * u)
        formula_rel = np.where(np.isfinite(formula), np.abs((formula - hi) - lo), np.inf) / floor
        deviation = np.where(np.isfinite(got), np.abs(got - reference), np.inf)
        tol = tolerance(dtype)
        typical = float(np.max(np.abs(hi[np.abs(z) <= TYPICAL]), initial=0.0))
        alone = deviation > np.maximum(tol.atol, tol.scale * np.abs(reference)) + tol.rtol * np.abs(reference)
        beside = deviation > np.maximum(tol.atol, tol.scale * np.maximum(typical, np.abs(reference))) + \
            tol.rtol * np.abs(reference)
        beyond = rel > allow
        flagged = beyond & ~(rel <= ULPS * _around(formula_rel) + allow)  # NaN formula: nothing explained
        return {"z": z, "rel": rel, "ulps": error / _ulp(hi, dtype), "allow": allow, "beyond": beyond,
                "flagged": flagged, "formula_rel": formula_rel, "deviation": deviation / floor, "alone": alone,
                "beside": beside}


def measure(engine: str, dtype: str, name: str, quantity: str, z, got, exact, reference, formula=None,
            version="", returned="") -> dict:
    """One row of the survey (COLUMNS) from ``pointwise``'s arrays for the same arguments."""
    p = pointwise(dtype, name, quantity, z, got, exact, reference, formula)
    rel, beyond, flagged = p["rel"], p["beyond"], p["flagged"]
    with np.errstate(all="ignore"):
        excess = rel / p["allow"]
    worst, most, apart = int(np.argmax(rel)), int(np.argmax(excess)), int(np.argmax(p["deviation"]))
    row = {"engine": engine, "version": version, "dtype": dtype, "activation": name, "quantity": quantity,
           "points": int(len(p["z"])), "returned": returned, "worst_rel": float(rel[worst]),
           "worst_ulps": float(p["ulps"][worst]), "z_worst": float(p["z"][worst]), "beyond": int(beyond.sum()),
           "flagged": int(flagged.sum()), "rel": np.nan, "ulps": np.nan, "z": np.nan, "allowance": np.nan,
           "formula_rel": np.nan, "core_rel": np.nan, "z_core": np.nan, "excess": float(excess[most]), "z_excess": float(p["z"][most]),
           "vs_reference": float(p["deviation"][apart]), "z_vs_reference": float(p["z"][apart]),
           "network": "visible" if p["beside"].any() else "alone" if p["alone"].any() else "inside",
           "verdict": "candidate" if flagged.any() else "formula" if beyond.any() else "within"}
    shown = flagged if flagged.any() else beyond if beyond.any() else None
    if shown is not None:  # the worst point beyond the allowance (not explained by the formula, where any is)
        at = np.flatnonzero(shown)[int(np.argmax(rel[shown]))]
        row.update(rel=float(rel[at]), ulps=float(p["ulps"][at]), z=float(p["z"][at]),
                   allowance=float(p["allow"][at]), formula_rel=float(p["formula_rel"][at]))
        core = shown & (np.abs(p["z"]) <= CORE)
        if core.any():
            at = np.flatnonzero(core)[int(np.argmax(rel[core]))]
            row.update(core_rel=float(rel[at]), z_core=float(p["z"][at]))
    return row


def survey(engines=evaluations.ENGINES, dtypes=None, activations=None, evaluate=None) -> "pd.DataFrame":  # noqa: F821
    """One row per engine x dtype x activation x quantity (g, g'), in that order (COLUMNS;
    the module's docstring says what each means).  ``dtypes``: those of each engine's
    adapter when None, else the ones of these it runs; ``activations``: every one of
    reference.ACTIVATIONS when None; ``evaluate``: what computes an engine's values,
    ``evaluations.evaluate`` when None (the references are computed by it in any case).  An
    engine that is not installed, or whose framework fails to load, is left out, and named in
    the frame's ``attrs["unavailable"]`` with the reason."""
    import pandas as pd

    from crosscheck.adapters import EngineUnavailable

    evaluate = evaluate or evaluations.evaluate
    names = tuple(activations or ACTIVATIONS)
    rows, unavailable = [], {}
    for engine in engines:
        reason = evaluations.unavailable(engine)
        if reason:
            unavailable[engine] = reason
            continue
        for dtype in [d for d in evaluations.engine_dtypes(engine) if dtypes is None or d in dtypes]:
            z = grid(dtype)
            try:
                values, version = evaluate(engine, dtype, z.astype(numpy_dtype(dtype)), names)
            except EngineUnavailable as exc:
                unavailable[engine] = str(exc)
                break
            exact, reference = _exact(dtype, names), _reference(dtype, names)
            formula = _reference(dtype, names, dtype)
            for name in names:
                g, g_prime, returned = values[name]
                for k, quantity in enumerate(("g", "g'")):
                    rows.append(measure(engine, dtype, name, quantity, z, (g, g_prime)[k], exact[name],
                                        reference[name][k], formula[name][k], version, returned))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame.attrs["unavailable"] = unavailable
    return frame


def candidates(frame):
    """The candidate findings (verdict ``candidate``) and the rows visible at the network level."""
    return frame[(frame["verdict"] == "candidate") | (frame["network"] == "visible")]


def table(frame, width: int = 100) -> str:
    """The rows of ``frame`` as a compact text table, at most ``width`` characters wide: the
    worst point beyond the allowance where there is one (else the worst point)."""
    header = f"{'engine':<10} {'dtype':<8} {'activation':<10} {'q':<2} {'rel':>8} {'ulps':>8} {'z':>9} " \
             f"{'allow':>8} {'verdict':<9} {'network':<7}"
    lines = [header, "-" * len(header)]
    for r in frame.itertuples(index=False):
        shown = r.beyond > 0
        rel, ulps, z = (r.rel, r.ulps, r.z) if shown else (r.worst_rel, r.worst_ulps, r.z_worst)
        lines.append(f"{r.engine:<10.10} {r.dtype:<8} {r.activation:<10.10} {r.quantity:<2} {rel:>8.2g} "
                     f"{ulps:>8.3g} {z:>9.4g} {r.allowance:>8.2g} {r.verdict:<9} {r.network:<7}")
    return "\n".join(line[:width] for line in lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crosscheck.findings.survey", description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=",".join(evaluations.ENGINES), help="comma-separated (default: all)")
    parser.add_argument("--dtypes", default=None, help="comma-separated (default: each engine's)")
    parser.add_argument("--activations", default=None, help="comma-separated (default: every one)")
    parser.add_argument("--csv", default=None, metavar="PATH", help="write every row here")
    parser.add_argument("--all", action="store_true", help="print every row, not only the candidates")
    args = parser.parse_args(argv)
    split = lambda text: tuple(t.strip() for t in text.split(",") if t.strip()) if text else None  # noqa: E731
    engines, dtypes, activations = split(args.engines), split(args.dtypes), split(args.activations)
    unknown = [e for e in engines if e not in evaluations.ENGINES] + \
        [a for a in activations or () if a not in ACTIVATIONS] + \
        [d for d in dtypes or () if d not in UNIT_ROUNDOFF]
    if unknown:
        print(f"survey: unknown {', '.join(unknown)}; engines: {', '.join(evaluations.ENGINES)}; "
              f"dtypes: {', '.join(UNIT_ROUNDOFF)}; activations: {', '.join(ACTIVATIONS)}", file=sys.stderr)
        return 2
    frame = survey(engines, dtypes, activations)
    shown = frame if args.all else candidates(frame)
    print(table(shown))
    print(f"{len(candidates(frame))} of {len(frame)} rows beyond the allowance or visible at the network level "
          f"({(frame['verdict'] == 'candidate').sum()} candidates)")
    for engine, reason in frame.attrs["unavailable"].items():
        print(f"{engine}: not surveyed: {reason}")
    if args.csv:
        frame.to_csv(args.csv, index=False)
        print(f"every row: {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
