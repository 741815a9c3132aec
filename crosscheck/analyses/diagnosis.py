"""Diagnosis: which slip a failing engine's values are, not only where they go wrong.

Two steps, so that every path (one process, ``--workers``, shards and ``merge``, the
plugin, ``check()``) gives the same diagnosis:

- ``scenario_evidence`` runs where the engine's trace is, right after a scenario failed:
  which real mutants of the catalogue (crosscheck/analyses/mutants.py) give the engine's
  values on every quantity it returned, within the tolerance (and, when none does, which
  two mutants together do), and for each failing quantity whether it is the reference
  times one constant.  Values that are all numbers of a narrower dtype than the
  scenario's (a float64 scenario computed in float32) are judged at that dtype's
  tolerance, other values at their own and, where nothing fits there, at float32's
  (``precision``); values that are the reference's at that tolerance say so
  (``accurate``).  One row per failing scenario x engine (EVIDENCE_COLUMNS).
  For a failing dW it also fits an L2 term, dW = ref.dW + (lambd/m) W[l] (``l2``: JSON
  {"dW2": lambd}, where every failing quantity is such a dW).
- ``diagnose`` adds the evidence up per engine: values of a narrower precision, a slip that
  held on every failing scenario it could be tried on (and leaves the passing ones alone),
  a constant factor with its usual cause (which depends on the quantity: QUANTITY_CAUSES),
  an L2 term with one lambd, what the engine raised and where (grouped by exception type
  and location) where it gave no values and no slip raises the same, or else the scenario
  features that separate failing from passing runs, with the smallest failing scenario and
  the command that reruns it.  Its findings come in the order of how many failing
  scenarios each explains (``held``), and each says how many.
"""
from __future__ import annotations

import json
import re
from dataclasses import fields, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from crosscheck import reference
from crosscheck.analyses.mutants import CATALOGUE, Mutant, mutant
from crosscheck.checks.arrays import agrees
from crosscheck.checks.localise import backprop_order, conform
from crosscheck.checks.per_example import CHECK as PER_EXAMPLE_CHECK
from crosscheck.reference.steps import FORMULAS, Formulas
from crosscheck.reference.trace import PER_EXAMPLE, QUANTITIES, Trace
from crosscheck.scenarios.dtypes import UNIT_ROUNDOFF, numpy_dtype
from crosscheck.scenarios.tolerances import tolerance

EVIDENCE_COLUMNS = ["scenario", "engine", "traced", "first", "matches", "pairs", "factors", "raises", "rounded",
                    "precision", "accurate", "l2"]
DIAGNOSIS_COLUMNS = ["engine", "kind", "finding", "held", "not_held", "where_not", "smallest_failing", "rerun"]
#: At most this many first slips are combined with a second one per scenario.
PAIR_STARTS = 3

REAL = tuple(m for m in CATALOGUE if not m.equivalent)


def changed(m: Mutant) -> frozenset:
    """The formulas of the backward pass that ``m`` replaces."""
    return frozenset(f.name for f in fields(Formulas) if getattr(m.formulas, f.name) is not getattr(FORMULAS, f.name))


def combined(first: Mutant, second: Mutant) -> Formulas | None:
    """The formulas with both slips, or None when they replace the same formula."""
    if changed(first) & changed(second):
        return None
    return replace(FORMULAS, **{f: getattr(m.formulas, f) for m in (first, second) for f in changed(m)})


def _derivations(formulas: Formulas) -> tuple:
    """How dZ[L] is computed when the slip is in dA[L]: as the reference does (A - Y for a
    canonical pair, so a slip in dA[L] stays in dA[L]) and by the chain rule from dA[L]
    (dZ[L] = dA[L] g'(Z[L]), as the course's code does: the slip carries into dZ[L])."""
    return (None, "chain") if formulas.output_dA is not FORMULAS.output_dA else (None,)


def _traces(p64, formulas: Formulas, ref: Trace) -> list:
    """The slip's traces, one per way of computing dZ[L] (``_derivations``)."""
    return [_trace(p64, formulas, ref, d) for d in _derivations(formulas)]


def _backward(p64, formulas: Formulas, ref: Trace, derivation=None) -> tuple[Trace | None, str | None]:
    """(the float64 trace with ``formulas``, None) — the forward pass is the reference's: a
    slip is in the backward pass — or (None, the exception it raises, 'ValueError: matmul:
    ...') where it cannot be computed on this network (shapes that do not conform, g' of a
    softmax output): there it matches no values."""
    s = p64.scenario
    try:
        with np.errstate(all="ignore"):  # a slip may divide by zero: its inf is a value like any other
            dA, dZ, dW, db = reference.backward(p64.parameters, ref.A, ref.Z, p64.Y, s.activations,
                                                derivation=derivation, formulas=formulas, loss=s.loss)
    except Exception as exc:
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return Trace(A=ref.A, Z=ref.Z, dA=dA, dZ=dZ, dW=dW, db=db), None


def _trace(p64, formulas: Formulas, ref: Trace, derivation=None) -> Trace | None:
    return _backward(p64, formulas, ref, derivation)[0]


def _keys(problem, trace) -> list[tuple[str, int]]:
    """The (quantity, layer) pairs the engine gave, in backprop order (A[L] only when a
    user's forward gave its own)."""
    order = backprop_order(problem.scenario.depth)
    if trace.given is None:
        return [k for k in order if k[0] != "A"]
    return [k for k in order if k in trace.given]


def _first_apart(trace, candidate, keys, tol, scales) -> tuple[str, int] | None:
    """The first (quantity, layer) in ``keys`` where ``trace`` is not ``candidate``'s value."""
    if candidate is None:
        return keys[0] if keys else ("-", 0)
    for q, l in keys:
        if not agrees(candidate.get(q, l), trace.get(q, l), tol, scales.get((q, l))):
            return q, l
    return None


def _factor(expected, actual, tol, terms) -> float | None:
    """c when ``actual`` is c times ``expected`` within the tolerance (c != 1), else None."""
    try:
        e, a = np.asarray(expected, np.float64), np.asarray(actual, np.float64)
    except (TypeError, ValueError):  # None, or not numbers
        return None
    if e.shape != a.shape:
        return None
    if not (np.isfinite(e).all() and np.isfinite(a).all()):
        return None
    norm = float(np.sum(e * e))
    if norm == 0:
        return None
    c = float(np.sum(a * e)) / norm
    if c == 0 or abs(c - 1) < 1e-6 or not agrees(c * e, a, tol, None if terms is None else abs(c) * terms):
        return None
    return c


#: Constant factors by name: (the factor for a scenario, what it is, its usual cause; for a
#: quantity whose usual cause differs, QUANTITY_CAUSES).
FACTORS = (  # the constants first: where a scenario-dependent name gives the same number, both are said
    (lambda s: -1.0, "-1", "a sign: the opposite sign (Y - A for A - Y, or a minus sign dropped)"),
    (lambda s: 2.0, "2", "twice the value: the 1/2 of a squared loss, or a factor 2 of its derivative"),
    (lambda s: 0.5, "1/2", "half the value: a 1/2 too many"),
    (lambda s: float(s.m), "m", "the batch sum instead of the mean: the 1/m left out"),
    (lambda s: 1.0 / s.m, "1/m", "1/m applied twice (the mean of a quantity that already holds it)"),
    (lambda s: 2.0 / s.layer_sizes[-1], "2/n_L",
     "a mean over the n_L output units instead of the sum, without the 1/2 (Keras-style MSE)"),
    (lambda s: 1.0 / s.layer_sizes[-1], "1/n_L", "a mean over the n_L output units instead of the sum"),
    (lambda s: s.m / s.layer_sizes[0], "m/n_x", "divided by n_x (the input width) instead of by m"),
    (lambda s: s.layer_sizes[0] / s.m, "n_x/m", "multiplied by n_x / m: n_x (the input width) where m belongs"),
)

#: The usual cause of a factor where it depends on the quantity: dZ and dA carry no 1/m of
#: their own (per example, m dJ/dZ), so their 1/m is the mean cost's derivative, not a second 1/m.
QUANTITY_CAUSES = {
    ("1/m", "dZ"): "the mean cost's derivative (dZ of J, not per example)",
    ("1/m", "dA"): "the mean cost's derivative (dA of J, not per example)",
    ("m", "dZ"): "an m too many: dZ is per example (m dJ/dZ) already, and this is m times that",
    ("m", "dA"): "an m too many: dA is per example (m dJ/dA) already, and this is m times that",
}


def _as_float64(trace: Trace, keys, ref: Trace | None = None) -> Trace:
    """The engine's values at ``keys`` as float64 arrays, converted once for the many
    comparisons that follow (``agrees`` would convert them for each); with ``ref``, in the
    reference's shape where theirs differs from it only by length-1 axes (``conform``); what
    is not numbers stays as it is, and agrees with nothing."""
    layers = {q: {} for q in QUANTITIES}
    for q, l in keys:
        value = trace.get(q, l)
        if value is not None:
            try:
                value = np.asarray(value, np.float64)
            except (TypeError, ValueError):
                pass
            else:
                value = value if ref is None else conform(value, np.shape(ref.get(q, l)))
            layers[q][l] = value
    return Trace(**layers, given=trace.given)


def narrower(dtype: str) -> list[str]:
    """The dtypes of the tolerance table less precise than ``dtype``, the most precise first."""
    u = UNIT_ROUNDOFF.get(str(dtype))
    return [] if u is None else sorted((d for d, v in UNIT_ROUNDOFF.items() if v > u), key=UNIT_ROUNDOFF.get)


def _rounded_to(trace: Trace, keys, dtype: str) -> str:
    """The least precise dtype narrower than ``dtype`` whose numbers every finite nonzero
    value the engine returned is (a float64 scenario whose values are all float32 numbers
    was computed in float32, whatever dtype its arrays have), or '' when none is."""
    values = [v for v in (trace.get(q, l) for q, l in keys) if isinstance(v, np.ndarray) and v.dtype == np.float64]
    flat = np.concatenate([v.ravel() for v in values]) if values else np.zeros(0)
    flat = flat[np.isfinite(flat) & (flat != 0)]
    found = ""
    for d in narrower(dtype) if flat.size else ():
        try:
            with np.errstate(all="ignore"):
                # a few values first: most traces fail there, and the whole is converted only when they pass
                if all(np.array_equal(x.astype(numpy_dtype(d)).astype(np.float64), x) for x in (flat[:16], flat)):
                    found = d
        except ImportError:  # bfloat16 without ml_dtypes: not tried
            continue
    return found


def scenario_evidence(problem, ref, trace, tol, scales: dict) -> dict:
    """What the failing engine's trace of one scenario looks like: the first quantity that
    differs from the reference (``first``); the narrower dtype whose numbers its values all
    are (``rounded``: a float64 scenario computed in float32); the real mutants whose values
    it has (``matches``), the pairs of mutants when no single one does (``pairs``), and the
    constant factors of the failing quantities (``factors``: JSON {"dW2": c}), judged at the
    tolerance of ``precision``: the dtype the values are rounded to, else ``tol`` and, where
    nothing fits within it, float32's; and ``accurate``: that narrower dtype, where its
    tolerance finds the reference's values (then no slip is sought)."""
    keys = _keys(problem, trace)
    if not keys:  # a Trace whose ``given`` names no quantity of the network: nothing to diagnose
        return raised_evidence(problem, ref, "its trace gives none of the network's quantities (Trace.given)")
    trace = _as_float64(trace, keys)
    origin = _first_apart(trace, ref, keys, tol, scales)
    empty = {"traced": 1, "first": "", "matches": "", "pairs": "", "factors": "{}", "raises": "", "rounded": "",
             "precision": "", "accurate": "", "l2": ""}
    if origin is None:  # values that are the reference's (a failure of dtype, not of values) match no slip
        return empty
    # the first wrong values, as where.csv ranks them: a db only squeezed to 1-D is not where the values go
    # wrong (slips are matched on the shapes as returned: db-no-keepdims is a slip of the catalogue)
    if any(np.shape(trace.get(q, l)) != np.shape(ref.get(q, l)) for q, l in keys):
        origin = _first_apart(_as_float64(trace, keys, ref), ref, keys, tol, scales) or origin
    dtype = problem.scenario.dtype
    rounded = _rounded_to(trace, keys, dtype)
    found = {**empty, "first": f"{origin[0]}[{origin[1]}]", "rounded": rounded}
    # numbers of a narrower dtype are judged at its tolerance; other values at their own, and at float32's
    # where nothing fits there (a half-precision tolerance alone is too loose to tell rounding from a slip)
    judges = [rounded] if rounded else ["", *(["float32"] if "float32" in narrower(dtype) else [])]
    p64, variants, searches = problem.astype(np.float64), None, []
    for precision in judges:
        judge = _looser(tol, tolerance(precision)) if precision else tol
        if precision and _first_apart(trace, ref, keys, judge, scales) is None:
            return {**found, "accurate": precision}  # the reference's values at a narrower precision
        variants = variants or {m.id: _traces(p64, m.formulas, ref) for m in REAL}
        searches.append({**_slips_and_factors(problem, p64, ref, trace, keys, judge, scales, variants),
                         "precision": precision})
        if _explains(searches[-1]):
            return {**found, **searches[-1]}
    return {**found, **searches[0]}  # nothing fits at any precision: what the scenario's own tolerance says


def _explains(search: dict) -> bool:
    """Whether a slip, two slips, a constant factor of every failing quantity, or an L2 term
    in every failing dW (and nothing else failing) fits."""
    factors = json.loads(search["factors"])
    return bool(search["matches"] or search["pairs"] or (factors and None not in factors.values()) or search["l2"])


def _looser(a, b):
    """The tolerance that accepts what either of ``a`` and ``b`` accepts (term by term)."""
    return replace(a, rtol=max(a.rtol, b.rtol), atol=max(a.atol, b.atol), scale=max(a.scale, b.scale))


def _slips_and_factors(problem, p64, ref, trace, keys, tol, scales: dict, variants: dict) -> dict:
    """``matches``, ``pairs`` and ``factors`` of scenario_evidence, judged at ``tol``
    (``variants``: each real mutant's traces, ``_traces``)."""
    origin = _first_apart(trace, ref, keys, tol, scales)
    traces = {mid: found[0] for mid, found in variants.items()}

    def furthest(found):  # None (a match) when one variant has the engine's values
        aparts = [_first_apart(trace, t, keys, tol, scales) for t in found]
        return None if None in aparts else max(aparts, key=keys.index)

    apart = {m.id: furthest(variants[m.id]) for m in REAL}
    # a slip matches only where it changes what the engine returned, as the engine's values do
    matches = [] if origin is None else [m.id for m in REAL if apart[m.id] is None]
    pairs = []
    if not matches and origin is not None and origin in keys:  # keys empty: nothing to pair
        start = keys.index(origin)
        # first slips: those that give the engine's values past where the reference stops
        firsts = sorted((m for m in REAL if keys.index(apart[m.id]) > start),
                        key=lambda m: -keys.index(apart[m.id]))[:PAIR_STARTS]
        for first in firsts:
            # the second slip must show, alone, at the first quantity the first slip leaves unexplained
            q, l = apart[first.id]
            seconds = [m for m in REAL if m.id != first.id and traces[m.id] is not None
                       and not agrees(ref.get(q, l), traces[m.id].get(q, l), tol, scales.get((q, l)))]
            for second in seconds:
                formulas = combined(first, second)
                if formulas is not None and furthest(_traces(p64, formulas, ref)) is None:
                    pairs.append("+".join(sorted((first.id, second.id))))
    factors, l2 = {}, {}
    for q, l in keys:
        expected, actual, terms = ref.get(q, l), trace.get(q, l), scales.get((q, l))
        if not agrees(expected, actual, tol, terms):
            if q == "dW":  # cheap, and only here: a failing dW
                l2[f"{q}{l}"] = _l2(expected, actual, p64.parameters.get(f"W{l}"), p64.X.shape[1], tol, terms)
            c = _factor(expected, actual, tol, terms)
            # the named factors this scenario's values have, each checked within the tolerance
            named = [] if c is None else [
                name for value, name, _ in FACTORS
                if agrees(value(problem.scenario) * np.asarray(expected, np.float64), actual, tol,
                          None if terms is None else abs(value(problem.scenario)) * terms)]
            factors[f"{q}{l}"] = None if c is None else {"c": c, "named": named}
    # an L2 term only where every failing quantity is a dW that has one
    whole_l2 = bool(factors) and set(l2) == set(factors) and None not in l2.values()
    return {"matches": ";".join(matches), "pairs": ";".join(sorted(set(pairs))),
            "factors": json.dumps(factors, sort_keys=True), "l2": json.dumps(l2, sort_keys=True) if whole_l2 else ""}


def _l2(expected, actual, W, m: int, tol, terms) -> float | None:
    """lambd when ``actual`` is ``expected + (lambd/m) W`` within the tolerance (an L2 term,
    lambd != 0, fitted by least squares), else None."""
    try:
        e, a, w = (np.asarray(x, np.float64) for x in (expected, actual, W))
    except (TypeError, ValueError):
        return None
    if not (e.shape == a.shape == w.shape) or not (np.isfinite(e).all() and np.isfinite(a).all()):
        return None
    norm = float(np.sum(w * w))
    if norm == 0 or not np.isfinite(norm):
        return None
    k = float(np.sum((a - e) * w)) / norm
    extra = abs(k) * float(np.max(np.abs(w)))  # the added term's own scale: its rounding is the function's
    if k == 0 or not agrees(e + k * w, a, tol, extra if terms is None else float(terms) + extra):
        return None
    return k * m


def raised_evidence(problem, ref, error: str) -> dict:
    """For a scenario the failing engine gave no values for because it raised: the real
    mutants that raise the very same exception on it (type and message: NumPy's message
    names the operands' shapes), ``raises``; none when it timed out or died."""
    p64 = problem.astype(np.float64)
    raising = []
    for m in REAL:
        _, own = _backward(p64, m.formulas, ref)
        if own is not None and f"raised {own}" in error:
            raising.append(m.id)
    return {"traced": 0, "first": "", "matches": "", "pairs": "", "factors": "{}", "raises": ";".join(raising),
            "rounded": "", "precision": "", "accurate": "", "l2": ""}


# --- adding the evidence up -------------------------------------------------------------

@lru_cache(maxsize=4096)
def _scenario(sid: str):
    from crosscheck.scenarios import Scenario

    try:
        return Scenario.from_id(sid)
    except ValueError:  # a --network file's scenario: no spec to read features from
        return None


def _mutant_text(mid: str) -> str:
    m = mutant(mid)
    return f"a slip the article itself prints ({m.equation}): {m.description}" if m.tag == "article" else m.description


def _scenarios(n: int, what: str = "failing") -> str:
    return f"its one {what} scenario" if n == 1 else f"all {n} {what} scenarios"


def _passing_text(tried: int, them: str = "it") -> str:
    return (f"and it changes none of the {tried} passing scenario{'s' if tried != 1 else ''} tried: it shows where "
            "this engine fails, and nowhere else" if tried else f"there was no passing scenario to try {them} on")


#: A matched slip is tried on at most this many of the engine's passing scenarios.
PASSING_SCANNED = 64


@lru_cache(maxsize=PASSING_SCANNED)
def _passing_case(s):
    """(the float64 problem, its reference trace, its term scales) of a passing scenario: built
    once, whichever slips are tried on it."""
    from crosscheck.checks.budget import term_scales
    from crosscheck.scenarios.problem import reference_trace
    from crosscheck.scenarios import build_problem

    problem = build_problem(s)
    ref = reference_trace(problem)
    return problem.astype(np.float64), ref, term_scales(problem, ref)


def _shows_on_passing(mid: str, passing: list[str], quantities: set, tol_of) -> tuple[int, list[str]]:
    """(how many passing scenarios were tried, those where the slip would change what the
    engine returned): on a passing scenario the engine gives the reference's values, so a
    slip that would change them there is not the engine's slip."""
    formulas = combined(*map(mutant, mid.split("+"))) if "+" in mid else mutant(mid).formulas
    tried, shows = 0, []
    for sid in passing[:PASSING_SCANNED]:
        s = _scenario(sid)
        if s is None:
            continue
        p64, ref, scales = _passing_case(s)
        keys = [k for k in backprop_order(s.depth) if k[0] in quantities]
        tried += 1
        if not any(slip is not None and _first_apart(slip, ref, keys, tol_of(s.dtype), scales) is None
                   for slip in _traces(p64, formulas, ref)):
            shows.append(sid)
    return tried, shows


def _depth(sid: str, depths: dict | None = None) -> int | None:
    """The number of layers of scenario ``sid`` (a --network file's: from ``depths``)."""
    s = _scenario(sid)
    return s.depth if s is not None else (depths or {}).get(sid)


def _layers_text(kind: str, items: list, depths: dict | None = None) -> str:
    """'dW[2]', 'dZ[L] (the output layer)' when every layer is its scenario's last, else
    'dW[l] (layers 1, 2, 3)'."""
    layers = sorted({int(key[len(kind):]) for _, key, _ in items})
    if all(int(key[len(kind):]) == _depth(sid, depths) for sid, key, _ in items):
        return f"{kind}[L] (the output layer)"
    return f"{kind}[{layers[0]}]" if len(layers) == 1 else f"{kind}[l] (layers {', '.join(map(str, layers))})"


def _cause(name: str, kinds: list[str]) -> str:
    """The usual cause of the factor ``name`` on the quantities ``kinds`` (dW, dZ, ...)."""
    default = {n: cause for _, n, cause in FACTORS}.get(name)
    causes = {kind: QUANTITY_CAUSES.get((name, kind), default) for kind in kinds}
    if None in causes.values():
        return ""
    if len(set(causes.values())) == 1:
        return next(iter(causes.values()))
    return "; ".join(f"for {kind}, {cause}" for kind, cause in causes.items())


def _factor_finding(rows: pd.DataFrame, total: int | None = None,
                    depths: dict | None = None) -> tuple[str, int, list[str]] | None:
    """The constant factor that every failing quantity of one kind (dW, db, dZ, dA) has in
    every failing scenario, named with its usual cause (which may depend on the quantity:
    QUANTITY_CAUSES), or None.  ``depths``: the number of layers of scenarios that have no
    spec (a --network file's), so that the output layer is said as such."""
    per_kind: dict[str, list] = {}
    for row in rows.itertuples():
        for key, found in json.loads(row.factors).items():
            per_kind.setdefault(key.rstrip("0123456789"), []).append((row.scenario, key, found))
    by_factor: dict[str, list] = {}
    for kind, items in per_kind.items():
        if any(found is None for _, _, found in items):
            continue
        common = set.intersection(*(set(found["named"]) for _, _, found in items))
        fitting = [name for _, name, _ in FACTORS if name in common]
        named = tuple(fitting) or None
        cs = [found["c"] for _, _, found in items]
        if named is None and max(cs) - min(cs) <= 1e-3 * max(abs(c) for c in cs):
            named = (f"{np.median(cs):.4g}",)
        if named is not None:
            by_factor.setdefault(named, []).append((kind, items, {sid for sid, _, _ in items}))
    if not by_factor:
        return None
    texts, failing = [], rows["scenario"].nunique()
    for named, kinds in by_factor.items():
        what = " and ".join(_layers_text(kind, items, depths) for kind, items, _ in kinds)
        scenarios = set().union(*(sids for _, _, sids in kinds))
        every = "every failing scenario" if total in (None, failing) else "every scenario whose values fail"
        where = (f"in {every} ({failing})" if len(scenarios) == failing else
                 f"in every scenario where {'it fails' if len(kinds) == 1 else 'they fail'} ({len(scenarios)} of the "
                 f"{failing} failing)")
        first, *others = named
        names = [kind for kind, _, _ in kinds]
        cause = _cause(first, names)
        texts.append(f"{what} {'is' if len(kinds) == 1 else 'are'} the reference's times {first} {where}"
                     + (f": {cause}" if cause else ", a constant factor")
                     + "".join(f"; on these scenarios that is also {other}: {_cause(other, names)}"
                               for other in others if _cause(other, names)))
    return "; ".join(texts), failing, []


def _l2_finding(rows: pd.DataFrame, total: int) -> tuple[str, int] | None:
    """An L2 term: in every failing scenario with values, every failing quantity is a dW that
    is the reference's plus (lambd/m) W[l], with one lambd for every layer and scenario."""
    if not len(rows) or not rows["l2"].astype(bool).all():
        return None
    found = [(row.scenario, key, lambd) for row in rows.itertuples() for key, lambd in json.loads(row.l2).items()]
    values = np.array([lambd for _, _, lambd in found], np.float64)
    if not values.size or values.max() - values.min() > 1e-2 * np.abs(values).max():
        return None
    lambd = float(np.median(values))
    layers = sorted({int(key[2:]) for _, key, _ in found})
    what = f"dW[{layers[0]}]" if len(layers) == 1 else f"dW[l] (layers {', '.join(map(str, layers))})"
    where = (f"in every failing scenario ({len(rows)})" if len(rows) == total else
             f"in every failing scenario it gave values for ({len(rows)} of its {total})")
    return (f"{what} {'is' if len(layers) == 1 else 'are'} the reference's plus (lambd/m) W[l] with lambd = "
            f"{lambd:.4g} {where}: an L2 term (the reference has no regularisation; check with --set lambd=0)",
            len(rows))


def _features(s) -> dict[str, bool]:
    """Yes/no features of a scenario that separate slips from one another."""
    acts, sizes = s.activations, s.layer_sizes
    out = {"m = 1": s.m == 1, f"dtype {s.dtype}": True, f"loss {s.loss}": True,
           "neighbouring layers' activations differ": any(a != b for a, b in zip(acts, acts[1:])),
           "every W[l] square": all(a == b for a, b in zip(sizes, sizes[1:])),
           "a non-square W[l]": any(a != b for a, b in zip(sizes, sizes[1:])),
           "a square W[l]": any(a == b for a, b in zip(sizes, sizes[1:])),
           f"output {acts[-1]}": True}
    for name in set(acts[:-1]):
        out[f"a hidden {name} layer"] = True
    for k in range(2, 7):
        out[f"depth >= {k}"] = s.depth >= k
        out[f"depth <= {k - 1}"] = s.depth <= k - 1
    return out


def _pattern(failing: list[str], passing: list[str], where: pd.DataFrame, verb: str = "fails",
             others: int = 0) -> str:
    """One or two sentences, true of the runs, on what separates the failing scenarios: a
    feature (or two together) that every failing scenario has and no passing one, else the
    feature that comes closest, with its counts; then where the first wrong quantity is.
    ``others``: failing scenarios set aside (said by another finding), which are neither
    ``failing`` nor passing; ``verb``: what it does in ``failing`` ('fails', 'raises')."""
    fs = [s for s in map(_scenario, failing) if s is not None]
    ps = [s for s in map(_scenario, passing) if s is not None]
    sentences = []
    if fs and not ps:
        sentences.append(f"it {verb} in every scenario it checked ({len(fs)}): no passing run to tell them apart"
                         if not others else f"it {verb} in these {len(fs)} and passes in none: no passing run to "
                         "tell them apart")
    elif fs:
        table = [_features(s) for s in fs + ps]
        names = sorted({n for f in table for n in f})
        has = {n: np.array([f.get(n, False) for f in table]) for n in names}
        has |= {f"no {n[2:]}" if n.startswith("a ") else f"not {n}": ~v for n, v in has.items()
                if not n.startswith(("depth", "dtype", "loss", "output"))}
        is_failing = np.arange(len(table)) < len(fs)

        def exact(v):
            return v[is_failing].all() and not v[~is_failing].any()

        singles = [n for n, v in has.items() if exact(v)]
        pairs = [] if singles else [(a, b) for a in has for b in has if a < b and exact(has[a] & has[b])]
        if singles or pairs:
            rule = singles[0] if singles else f"{pairs[0][0]} and {pairs[0][1]}"
            sentences.append(f"it {verb} in every scenario with {rule} ({len(fs)}) and passes in every other scenario "
                             f"it checked ({len(ps)})" if not others else
                             (f"each of these {len(fs)} has {rule}" if len(fs) > 1 else f"this one has {rule}")
                             + f", and none of the {len(ps)} passing scenarios does")
        else:
            def score(n):
                return int(has[n][is_failing].sum()) - int(has[n][~is_failing].sum()), n

            telling = [n for n, v in has.items() if not v.all()] or list(has)  # a feature every run has tells nothing
            best = max(telling, key=score)
            a, b = int(has[best][is_failing].sum()), int(has[best][~is_failing].sum())
            sentences.append(f"no feature separates them: {a} of the {len(fs)} failing scenarios have {best}, "
                             f"and {b} of the {len(ps)} passing ones")
    firsts = where[where["first"].astype(bool) & (where["quantity"] != "-")]
    if len(firsts):
        at = pd.Series([_relative(f"{row.quantity}[{row.layer}]", row.scenario) for row in firsts.itertuples()])
        counts = at.value_counts()
        top, n = counts.index[0], int(counts.iloc[0])
        others = ", ".join(f"{q} in {int(c)}" for q, c in counts.iloc[1:4].items())
        where_ = _scenarios(n, "localised") if n == len(firsts) else f"{n} of the {len(firsts)} failing scenarios localised"
        sentences.append(f"the first wrong quantity is {top} in {where_}" + (f" ({others})" if others else ""))
    return "; ".join(sentences) or "nothing in the scenarios' features separates the failing runs"


def _size(sid: str):
    s = _scenario(sid)
    return (float("inf"),) if s is None else (sum(a * b for a, b in zip(s.layer_sizes, s.layer_sizes[1:])) * s.m,
                                               s.depth, sid)


def _relative(first: str, sid: str) -> str:
    """'dW[3]' of a depth-4 scenario as 'dW[L-1]' (layers counted from the output)."""
    s = _scenario(sid)
    if s is None or "[" not in first:
        return first
    q, l = first[:-1].split("[")
    gap = s.depth - int(l)
    return f"{q}[L]" if gap == 0 else f"{q}[L-{gap}]"


def _first_wrong(traced: pd.DataFrame) -> str:
    firsts = pd.Series([_relative(row.first, row.scenario) for row in traced.itertuples() if row.first])
    if not len(firsts):
        return ""
    top, n = firsts.value_counts().index[0], int(firsts.value_counts().iloc[0])
    return f" (its first wrong quantity: {top}" + (")" if n == len(traced) else f" in {n} of them)")


def _tally(cells) -> dict[str, int]:
    """How many cells (';'-separated ids: matches, pairs, raises) name each id."""
    found: dict[str, int] = {}
    for cell in cells:
        for name in filter(None, cell.split(";")):
            found[name] = found.get(name, 0) + 1
    return found


def _slip(traced: pd.DataFrame, raised: pd.DataFrame, passing: list[str], quantities: set) -> dict | None:
    """One slip of the catalogue that has the engine's values wherever it gave values, raises
    the engine's own exception wherever it raised, and changes none of the passing scenarios
    tried (there the engine gives the reference's values)."""
    from crosscheck.scenarios import tolerance

    matched, raises = _tally(traced["matches"]), _tally(raised["raises"])
    # the slip in the earliest formula of the backward pass first: of two slips with the same values
    # (dA[L]'s sign, dZ[L] = Y - A) the one upstream explains the other
    order = [f.name for f in fields(Formulas)]
    fitting = [m for m in REAL if matched.get(m.id, 0) == len(traced) and raises.get(m.id, 0) == len(raised)]
    whole = [m.id for m in sorted(fitting, key=lambda m: min(order.index(f) for f in changed(m)))]
    for mid in whole:
        tried, shows = _shows_on_passing(mid, passing, quantities, tolerance)
        if shows:
            continue
        twins = [t for t in whole if t != mid]
        also = (f"; where it raised ({len(raised)}), that slip raises the same exception") if len(raised) else ""
        return {"kind": "slip", "held": len(traced) + len(raised), "not_held": 0, "where_not": "", "finding": (
            (f"its values are the slip `{mid}` on {_scenarios(len(traced))} it gave values for{_first_wrong(traced)}"
             if len(traced) else f"it raised on {_scenarios(len(raised))}, and the slip `{mid}` raises the same "
             "exception (the same operands' shapes) on each of them")
            + f"{also if len(traced) else ''}: {_mutant_text(mid)}; {_passing_text(tried)}"
            + (f"; slips that fit as well: {', '.join(f'`{t}`' for t in twins)}" if twins else ""))}
    return None


def _pair(traced: pd.DataFrame, passing: list[str], quantities: set) -> dict | None:
    """Two slips at once, where no single one has the engine's values."""
    from crosscheck.scenarios import tolerance

    counts = _tally(traced["pairs"])
    for pair, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        a, b = pair.split("+")
        alone = [row.scenario for row in traced.itertuples()
                 if pair not in row.pairs.split(";") and {a, b} & set(row.matches.split(";"))]
        if n + len(alone) < len(traced):
            continue
        tried, shows = _shows_on_passing(pair, passing, quantities, tolerance)
        if shows:
            continue
        return {"kind": "slips", "held": n + len(alone), "not_held": 0, "where_not": "", "finding": (
            f"two slips at once: its values are the slips `{a}` and `{b}` together on {n} failing scenarios"
            + (f", and one of them alone on the other {len(alone)}" if alone else "") + _first_wrong(traced)
            + f": {_mutant_text(a)}; and {_mutant_text(b)}; " + _passing_text(tried, "them").replace("it changes", "together they change"))}
    return None


def _partial(traced: pd.DataFrame, raised: pd.DataFrame) -> dict | None:
    """The slip that has the engine's values on at least half of the failing scenarios."""
    counts = _tally(traced["matches"])
    if not counts:
        return None
    mid, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    if n < len(traced) / 2:
        return None
    missed = [row.scenario for row in traced.itertuples() if mid not in row.matches.split(";")]
    if not missed:  # it fits every failing scenario with values, yet not the whole run
        unexplained = [row.scenario for row in raised.itertuples() if mid not in row.raises.split(";")]
        why = (f"it gave no values in {len(unexplained)} failing scenario{'' if len(unexplained) == 1 else 's'} "
               f"where that slip can be computed (first: `{unexplained[0]}`)" if unexplained else
               "that slip also changes passing scenarios where this engine gives the reference's values")
        return {"kind": "partial slip", "held": n, "not_held": len(unexplained), "where_not": ";".join(unexplained[:5]),
                "finding": (f"its values are the slip `{mid}` on {_scenarios(n)} it gave values for, but {why}: "
                            f"evidence of that slip ({_mutant_text(mid)}), not proof")}
    return {"kind": "partial slip", "held": n, "not_held": len(missed), "where_not": ";".join(missed[:5]),
            "finding": (f"its values are the slip `{mid}` on {n} of the {len(traced)} failing scenarios it gave "
                        f"values for, not on the other {len(missed)} (first: `{missed[0]}`): evidence of that slip "
                        f"({_mutant_text(mid)}), and of something more")}


#: "(at FILE:LINE in FUNC)": where the user's code raised (adapters/user_code.py: _describe).
_AT = re.compile(r" \(at ([^()]+:\d+ in [^()]+)\)")
_EXCEPTION = re.compile(r"[A-Za-z_][\w.]*")


def _account(message: str, engine: str) -> tuple[tuple, str, str, str]:
    """What a failing scenario without values says of itself (its run row's message): (the
    key it is grouped by, what it did, the exception's text or '', its usual cause or '').
    Raised: grouped by exception type and location; timed out; died; else the message."""
    message = str(message)
    i = message.find(" raised ")
    if i >= 0 and _EXCEPTION.match(message, i + 8):
        name = _EXCEPTION.match(message, i + 8).group()
        after = message[i + 8 + len(name):]
        at = _AT.search(after)
        text = after[:at.start()] if at else after.split(": unfinished code fails")[0]
        text = text.split(", called between this scenario's two calls")[0].removeprefix(":").strip()
        text = text if len(text) <= 100 else text[:97] + "..."
        where = at.group(1) if at else ""
        unfinished = "unfinished code fails" in message or name == "NotImplementedError"
        return ("raised", name, where), f"it raised {name}", text, ("unfinished code" if unfinished else "")
    timed = re.search(r"timed out: no answer after (\S+ s)", message)
    if timed:
        return ("timed out", timed.group(1)), f"it timed out (no answer after {timed.group(1)})", "", ""
    died = re.search(r"died \(exit code ([^)]*)\)", message)
    if died:
        return ("died", died.group(1)), f"the process running it died (exit code {died.group(1)})", "", ""
    rest = re.sub(r" \(seed \d+\)", "", message.removeprefix(f"{engine} ")).strip()
    rest = rest if len(rest) <= 400 else rest[:397] + "..."
    return ("other", rest), (f"it {rest}" if message.startswith(f"{engine} ") else rest), "", ""


def _raised_finding(engine: str, raised: list[str], bad: pd.DataFrame, total: int, passing: list[str],
                    where: pd.DataFrame) -> str:
    """What the engine did where it gave no values (raised, timed out, died, an answer that
    depends on earlier calls), grouped by exception type and location, each with how many
    failing scenarios, then what those scenarios have in common."""
    from crosscheck.running.statuses import RUN

    rows = bad[bad["scenario"].isin(set(raised))]
    runs = rows[rows["check"] == RUN]
    messages = {sid: str(m) for sid, m in zip(runs["scenario"], runs["message"])}
    for sid, m in zip(rows["scenario"], rows["message"]):  # without a run row: its first failing row
        messages.setdefault(sid, str(m))
    groups: dict[tuple, dict] = {}
    for sid in raised:
        key, did, text, cause = _account(messages.get(sid, ""), engine)
        group = groups.setdefault(key, {"did": did, "where": key[2] if key[0] == "raised" else "", "texts": [],
                                        "cause": cause, "n": 0})
        group["n"] += 1
        group["texts"].append(text)
    parts = []
    shown = sorted(groups.values(), key=lambda g: -g["n"])
    for group in shown[:4]:
        texts = [t for t in dict.fromkeys(group["texts"]) if t]
        said = group["did"] + (f": {texts[0]}" if len(texts) == 1 else "")
        inside = [f"at {group['where']}"] if group["where"] else []
        inside += [f"messages vary, first: {texts[0]}"] if len(texts) > 1 else []
        n = group["n"]
        count = f"in every failing scenario ({n})" if n == total else f"in {n} of its {total} failing scenarios"
        inside_text = f" ({'; '.join(inside)})" if inside else ""
        parts.append(f"{said}{inside_text} {count}"
                     + (f": {group['cause']}" if group["cause"] else ""))
    if len(shown) > 4:
        rest = sum(g["n"] for g in shown[4:])
        parts.append(f"and {len(shown) - 4} other accounts in {rest} more failing scenarios")
    verb = "raises" if all(k[0] == "raised" for k in groups) else "fails"
    pattern = _pattern(raised, passing, where[where["scenario"].isin(set(raised))], verb, total - len(raised))
    if pattern != "nothing in the scenarios' features separates the failing runs":
        parts.append(pattern)
    return "; ".join(parts)


def _per_example_text(rows: pd.DataFrame, n: int, failing: int) -> str:
    """What the failing per-example rows of ``n`` scenarios (whose batch values agree) show:
    a factor of m or 1/m where every worst element shows it, else the commonest message."""
    share = _scenarios(n) if n == failing else f"{n} of its {failing} failing scenarios"
    with np.errstate(all="ignore"):
        ratio = (rows["actual_at_worst"].astype(float) / rows["expected_at_worst"].astype(float)).to_numpy()
    m = rows["m"].astype(float).to_numpy()
    said = f"in {share} its batch gradients agree with the reference's but its per-example gradients do not"
    if len(rows) and np.allclose(ratio, 1 / m, rtol=1e-3) and (m > 1).any():
        return said + (": each is 1/m of the example's own gradient x(a - y) (the example's share of the batch "
                       "mean: a mean-reduced loss's 1/m left in)")
    if len(rows) and np.allclose(ratio, m, rtol=1e-3) and (m > 1).any():
        return said + ": each is m times the example's own gradient x(a - y) (a sum's scaling applied to a mean's)"
    top = rows["message"].astype(str).value_counts()
    return said + f" (the commonest failing row says: {top.index[0]})"


def diagnose(observations: pd.DataFrame, evidence: pd.DataFrame, where: pd.DataFrame, rerun: str = "crosscheck run",
             network: str | None = None) -> pd.DataFrame:
    """One or more rows per failing engine (DIAGNOSIS_COLUMNS), those that explain the most
    failing scenarios first; none for an engine that passed."""
    from crosscheck.engines import rerun_command
    from crosscheck.running.statuses import FAIL, KNOWN, NOT_CHECKED, RUN

    rows = []
    for engine, part in observations.groupby("engine", sort=False):
        bad = part[part["status"] == FAIL]
        if not len(bad):
            continue
        failing = list(dict.fromkeys(bad["scenario"]))
        checked = part[~((part["check"] == RUN) & part["status"].isin(NOT_CHECKED))]
        known = set(part.loc[part["status"] == KNOWN, "scenario"])  # failing, but listed as known: neither
        passing = [sid for sid in dict.fromkeys(checked["scenario"]) if sid not in set(failing) and sid not in known]
        dtypes = dict(zip(part["scenario"], part["dtype"].astype(str))) if "dtype" in part else {}
        depths = _depths(part)
        ev = evidence[(evidence["engine"] == engine) & evidence["scenario"].isin(failing)]
        # evidence.csv of an older run has no precision or l2 columns: its values were judged at their own
        ev = ev.assign(**{c: ev[c].fillna("").astype(str) if c in ev else "" for c in ("rounded", "precision",
                                                                                       "accurate", "l2")})

        def smallest_of(ids) -> dict:
            """The smallest failing scenario of those a finding explains, and its rerun command."""
            smallest = min(ids, key=_size)
            return {"engine": engine, "smallest_failing": smallest,
                    "rerun": rerun_command(rerun, smallest, engine, network if smallest.startswith("net-") else None)}

        base = smallest_of(failing)
        found_rows = []
        traced = ev[ev["traced"].astype(str) == "1"]
        raised = ev[ev["traced"].astype(str) != "1"]
        same = traced[traced["first"] == ""]  # scenarios whose values are the reference's: not a slip
        traced = traced[traced["first"] != ""]
        precise = traced[traced["accurate"] != ""]  # the reference's values at a narrower precision
        traced = traced[traced["accurate"] == ""]
        tried = traced["scenario"].tolist()
        judged = _judged_note(traced)
        each = bad[(bad["check"] == PER_EXAMPLE_CHECK) & bad["quantity"].isin(PER_EXAMPLE)]
        if len(same) and len(each):  # the batch values agree; the per-example ones do not
            ids = set(same["scenario"]) & set(each["scenario"])
            found_rows.append({**smallest_of(ids), "kind": "per example", "held": len(ids), "not_held": 0,
                               "where_not": "", "finding": _per_example_text(each[each["scenario"].isin(ids)],
                                                                             len(ids), len(failing))})
            same = same[~same["scenario"].isin(ids)]
        if len(same):
            top = bad.loc[bad["scenario"].isin(set(same["scenario"])), "message"].astype(str).value_counts()
            share = _scenarios(len(same)) if len(same) == len(failing) else \
                f"{len(same)} of its {len(failing)} failing scenarios"
            found_rows.append({**smallest_of(same["scenario"]), "kind": "not the values", "held": len(same), "not_held": 0, "where_not": "",
                               "finding": (f"in {share} its values agree with the reference's, within the "
                                           "tolerance, on every quantity it returned: what fails there is not the "
                                           f"values (the commonest failing row says: {top.index[0]})")})
        for accurate, rows_ in precise.groupby("accurate", sort=False):
            found_rows.append({**smallest_of(rows_["scenario"]), "kind": "precision", "held": len(rows_),
                               "not_held": 0, "where_not": "",
                               "finding": _precision_text(rows_, accurate, len(failing), dtypes)})
        explained, raised_said = False, False
        if len(traced) or len(raised):
            quantities = set(part.loc[part["check"] == "reference", "quantity"])
            for find in (lambda: _slip(traced, raised, passing, quantities), lambda: _pair(traced, passing, quantities),
                         lambda: _partial(traced, raised)):
                finding = find()
                if finding is not None:
                    found_rows.append({**base, **finding, "finding": finding["finding"] + judged})
                    explained = True
                    raised_said = finding["kind"] == "slip"  # a slip says itself where it raised
                    break
            factor = _factor_finding(traced, len(failing), depths) if len(traced) else None
            if factor is not None:  # said beside a slip too: the factor is what the numbers show
                found_rows.append({**base, "kind": "factor", "finding": factor[0] + judged, "held": factor[1],
                                   "not_held": 0, "where_not": ""})
                explained = True
            l2 = _l2_finding(traced, len(failing)) if not explained and len(traced) else None
            if l2 is not None:
                found_rows.append({**base, "kind": "L2 term", "finding": l2[0] + judged, "held": l2[1],
                                   "not_held": 0, "where_not": ""})
                explained = True
        if len(raised) and not raised_said:  # what it raised, and where, leads what is said of those scenarios
            ids = raised["scenario"].tolist()
            found_rows.append({**smallest_of(ids), "kind": "raised", "held": len(ids), "not_held": 0, "where_not": "",
                               "finding": _raised_finding(engine, ids, bad, len(failing), passing,
                                                          where[where["engine"] == engine])})
        if not found_rows or (len(traced) and not explained):  # values that nothing above explains
            what = "" if not found_rows else "in the other failing scenarios, "
            set_aside = set(same["scenario"]) | set(precise["scenario"]) | set(raised["scenario"])
            rest = [sid for sid in failing if sid not in set_aside]  # all of them, when nothing was found
            mine = where[where["engine"] == engine]
            shapes = bad[bad["message"].astype(str).str.startswith("shape mismatch")]
            shape_note = (f"; {len(shapes)} of its {len(bad)} failing rows are shape mismatches (first: "
                          f"{shapes.iloc[0]['quantity']}[{shapes.iloc[0]['layer']}], {shapes.iloc[0]['message']})"
                          if len(shapes) else "")
            found_rows.append({**smallest_of(rest or failing), "kind": "pattern", "finding": (
                f"{what}no slip of the catalogue and no constant factor gives its values ({len(tried)} failing "
                f"scenario{'' if len(tried) == 1 else 's'} tried); "
                f"{_pattern(rest, passing, mine[mine['scenario'].isin(rest)], others=len(failing) - len(rest))}"
                + shape_note), "held": len(rest), "not_held": 0, "where_not": ""})
        # the findings that explain the most failing scenarios first (a stable sort: a slip before its factor)
        rows.extend(sorted(found_rows, key=lambda row: -int(row["held"])))
    return pd.DataFrame(rows, columns=DIAGNOSIS_COLUMNS)


def _depths(part: pd.DataFrame) -> dict:
    """{scenario: its number of layers}, from the layers of its dW rows (for scenarios without a
    spec, a --network file's)."""
    if "quantity" not in part or "layer" not in part:
        return {}
    dW = part[part["quantity"] == "dW"]
    layers = pd.to_numeric(dW["layer"], errors="coerce")
    return {sid: int(v) for sid, v in layers.groupby(dW["scenario"]).max().items() if np.isfinite(v)}


def _judged_note(traced: pd.DataFrame) -> str:
    """Which failing scenarios' values were judged within a narrower dtype's tolerance, and why."""
    parts = []
    for d, rows in traced[traced["precision"] != ""].groupby("precision", sort=False):
        k = int((rows["rounded"] == d).sum())
        why = (f"its values are {d} numbers there: the function computes in {d}" if k == len(rows) else
               f"in {k} of them its values are {d} numbers: the function computes in {d}; in the others nothing "
               "fits within their own dtype's tolerance" if k else "nothing fits within their own dtype's tolerance")
        where = _scenarios(len(rows)) if len(rows) == len(traced) else f"{len(rows)} of the failing scenarios"
        parts.append(f"judged within the {d} tolerance in {where} ({why})")
    return "".join(f"; {part}" for part in parts)


def _own_dtypes(scenarios, dtypes: dict | None = None) -> tuple[str, str]:
    """('float64-accurate', 'the float64 tolerance') for failing scenarios of one dtype; said
    for several dtypes, or none known, without naming one dtype as theirs."""
    own = list(dict.fromkeys(
        d for d in ((dtypes or {}).get(sid) or getattr(_scenario(sid), "dtype", None) for sid in scenarios) if d))
    if len(own) == 1:
        return f"{own[0]}-accurate", f"the {own[0]} tolerance"
    if own:
        return (f"accurate to their own dtypes ({', '.join(own)})",
                f"the tolerances of their own dtypes ({', '.join(own)})")
    return "accurate to their own dtype", "their own dtype's tolerance"


def _precision_text(rows: pd.DataFrame, accurate: str, failing: int, dtypes: dict | None = None) -> str:
    """The finding for failing scenarios whose values agree with the reference within the
    tolerance of ``accurate``, a dtype narrower than theirs, and not within their own
    (``dtypes``: {scenario: dtype}, for scenarios without a spec: a --network file's).  It
    covers some of the failing scenarios: it says how many, first."""
    n = len(rows)
    share = "" if n == failing else f"in {n} of its {failing} failing scenarios, "
    where = _scenarios(n) if n == failing else "them"
    own_accurate, own_tolerance = _own_dtypes(rows["scenario"], dtypes)
    rounded = int((rows["rounded"] == accurate).sum())
    if rounded == n:
        return (f"{share}the values are {accurate}-accurate: the function computes in {accurate} (in {where} its "
                f"values are {accurate} numbers and agree with the reference within the {accurate} tolerance, not "
                f"within {own_tolerance})")
    return (f"{share}the values are {accurate}-accurate, not {own_accurate}: in {where} they agree with the reference "
            f"within the {accurate} tolerance, not within {own_tolerance}"
            + (f", and in {n - rounded} of them they are not {accurate} numbers" if rounded else
               f", yet they are not {accurate} numbers")
            + f": an error below {accurate}'s resolution, such as a step computed in {accurate} or a small added term")


def diagnosis_lines(diagnosis: pd.DataFrame) -> list[str]:
    """One Markdown line per finding: engine, finding, smallest failing scenario, rerun."""
    return [f"- **{row.engine}**: {row.finding}. Smallest failing scenario: `{row.smallest_failing}`; "
            f"rerun: `{row.rerun}`" for row in diagnosis.itertuples()]
