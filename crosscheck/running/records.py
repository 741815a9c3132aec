"""A scenario's traces as report rows: every engine's, compared in one pass, made as columns.

What each engine's trace is compared with (``observations``: the reference, the article's
identities) is compared for all the scenario's engines at once, each pair by its
engine's tolerance (``judged_by``; crosscheck/checks/arrays.py: compare_columns), and
the rows are columns (crosscheck/running/columns.py: Rows).  The common row, a value
that passes and could have failed, is a ``pass`` for all such rows at once; the others
are made one at a time (``_special_rows``): a failure (and the convention that may explain
it), a negative control, a value in a wider dtype, a row that could not have failed, a
quantity a naming convention read otherwise, a missing value, a shape or dtype
mismatch, and the one ``run`` row of an engine that gave no trace.
"""
from __future__ import annotations

from itertools import chain

import numpy as np

from crosscheck.checks.arrays import compare_columns
from crosscheck.checks.budget import inner_dimension
from crosscheck.checks.controls import indistinguishable, negative_control
from crosscheck.checks.identities import Observation, identity_observations, reference_observations
from crosscheck.checks.per_example import observations as per_example_observations, reference_examples
from crosscheck.reference.examples import later_seconds
from crosscheck.reference.trace import QUANTITIES, Trace
from crosscheck.running.columns import Rows
from crosscheck.running.statuses import (
    CONVENTION,
    EXPECTED_NOT_TO_HOLD,
    FAIL,
    FINDING,
    INCONCLUSIVE,
    INCONCLUSIVE_CONTROL,
    PASS,
    RUN,
)
from crosscheck.running.verdict import ALL_ZERO, CANCELLED
from crosscheck.scenarios import tolerance
from crosscheck.scenarios.dtypes import HALF, UNIT_ROUNDOFF, numpy_dtype

#: The message of dA rows that pass once the function's dA keys are read in the older
#: naming (crosscheck/checks/conventions.py: older_dA_naming).
OLDER_NAMING = ("convention (older course naming): the function's dA{l} is dJ/dA[{prev}], the derivative with "
                "respect to layer {l}'s input, as the course's earlier notebooks name it; compared as dA[{prev}]")
#: The message of dZ (and dA) rows that pass once read as derivatives of the mean cost
#: (crosscheck/checks/conventions.py: mean_cost_naming).
MEAN_COST = ("convention (mean-cost naming): the function's {q}{l} is dJ/d{Q}[{l}] of the mean cost, the article's "
             "per-example {q}[{l}] divided by m (cs231n's dscores /= N); compared as m times it")
#: Both at once: dA{l} of the mean cost, named the older course's way.
OLDER_AND_MEAN = ("convention (older course naming, mean-cost naming): the function's dA{l} is dJ/dA[{prev}] of the "
                  "mean cost, the article's per-example dA[{prev}] divided by m, named after layer {l}'s input; "
                  "compared as m times dA[{prev}]")
#: The message of rows of a user's function returned in a wider dtype than the scenario's.
WIDER = ("convention (wider dtype): returned {actual} for a {dtype} scenario (computed in the wider dtype); the "
         "values agree within the {dtype} tolerance")
#: Quantities a partial trace (a user's function) must still give for every layer.
REQUIRED = ("dW", "db")


def judged_by(engine, dtype: str):
    """The tolerance ``engine``'s rows of a ``dtype`` scenario are judged by: its own (fd's step
    size's; a third-party engine's, held to the sanity bound by crosscheck/engines.py), else
    the dtype's in force (scenarios/tolerances.py)."""
    return engine.tolerance or tolerance(dtype)


def observations(problem, ref: Trace, outcome, examples: dict | None = None) -> list[Observation]:
    """What is compared of one engine's outcome (running/tracing.py: Traced): its values
    against the reference (a partial trace's that it gave, and dW, db), then the
    identities on its own values; fd's directional derivatives in its projection mode;
    for an engine that gave no trace, the stand-in of its one ``run`` row (nothing to
    compare, its reason the note); ``examples``: {"values": the reference's per-example
    gradients}, made by the first engine that gives per-example gradients, for all of them."""
    engine, trace = outcome.engine, outcome.trace
    if trace is None:
        return [Observation(RUN, "-", -1, None, None, outcome.error)]
    if trace.projections is not None:  # fd's projection mode: directional derivatives
        return [Observation("reference", q, l, expected, actual) for q, l, expected, actual in trace.projections]
    compares = engine.compares
    made = [o for o in reference_observations(ref, trace) if o.quantity in compares and (
        trace.given is None or (o.quantity, o.layer) in trace.given or o.quantity in REQUIRED)]
    if trace.dW_i is not None or trace.db_i is not None:
        examples = {} if examples is None else examples
        if "values" not in examples:
            examples["values"] = reference_examples(ref)
        return made + list(identity_observations(problem, trace)) + per_example_observations(
            problem, ref, trace, examples["values"])
    return made + list(identity_observations(problem, trace))


def scenario_rows(problem, ref: Trace, scales: dict, outcomes: list) -> tuple[Rows, list[slice]]:
    """The rows of every outcome (running/tracing.py: Traced) of one scenario, in order, and
    each outcome's span of them; ``scales``: the term scales of budget.term_scales, for
    the tolerance's absolute term."""
    s = problem.scenario
    examples = {}  # the reference's per-example gradients, made once for every engine
    groups = [observations(problem, ref, outcome, examples) for outcome in outcomes]
    counts = [len(group) for group in groups]
    flat = list(chain.from_iterable(groups))
    tols = [judged_by(outcome.engine, s.dtype) for outcome in outcomes]

    def each(values) -> np.ndarray:  # one value per outcome, as one per row
        return np.repeat(np.asarray(values), counts)

    compared = compare_columns([(None, None) if obs.expected is None else (obs.expected, obs.actual) for obs in flat],
                               s.dtype, each([t.rtol for t in tols]), each([t.atol for t in tols]),
                               each([t.scale for t in tols]), [scales.get((obs.quantity, obs.layer)) for obs in flat])
    n = len(flat)
    k = _inner_dimensions(s, flat)
    own_tolerance = each([bool(outcome.engine.tolerance) for outcome in outcomes])
    columns = {
        "scenario": [s.id] * n, "dtype": [s.dtype] * n,
        "engine": list(chain.from_iterable([o.engine.name] * c for o, c in zip(outcomes, counts))),
        "device": list(chain.from_iterable([o.engine.device] * c for o, c in zip(outcomes, counts))),
        "check": [obs.check for obs in flat], "quantity": [obs.quantity for obs in flat],
        "layer": np.array([obs.layer for obs in flat], np.int64), "status": [PASS] * n,
        "depth": np.full(n, s.depth, np.int64), "m": np.full(n, s.m, np.int64), "k": k,
        # fd's error is its step size's, not a rounding budget's: no err_ku for it
        "err_ku": _budget_units(s, flat, compared, k, own_tolerance),
        # its trace's time, and the per-example chunks it made as they were compared (reference/examples.py)
        "engine_seconds": each([outcome.seconds + _later_seconds(outcome.trace) for outcome in outcomes]
                               ).astype(np.float64),
        **{name: getattr(compared, name) for name in ("shape", "max_abs_err", "max_rel_err", "max_ulp", "mismatched",
                                                      "rtol", "atol", "passed", "numel", "worst_index",
                                                      "expected_at_worst", "actual_at_worst", "message")},
    }
    ends = np.cumsum(counts).tolist()
    spans = [slice(end - count, end) for end, count in zip(ends, counts)]
    for outcome, tol, span in zip(outcomes, tols, spans):
        _special_rows(problem, ref, scales, outcome, tol, flat[span], compared, span, columns)
    return Rows(columns), spans


def _later_seconds(trace) -> float:
    """What an engine's per-example values made by chunks took to make after its trace returned."""
    if trace is None or (trace.dW_i is None and trace.db_i is None):
        return 0.0
    return later_seconds([*(trace.dW_i or {}).values(), *(trace.db_i or {}).values()])


def _inner_dimensions(s, flat: list[Observation]) -> np.ndarray:
    """``k`` of each row (budget.inner_dimension), NaN for a ``run`` row."""
    k = {key: inner_dimension(s, *key) for key in {(o.quantity, o.layer) for o in flat if o.check != RUN}}
    return np.array([k.get((o.quantity, o.layer), np.nan) if o.check != RUN else np.nan for o in flat], np.float64)


def _budget_units(s, flat: list[Observation], compared, k: np.ndarray, own_tolerance: np.ndarray) -> np.ndarray:
    """budget.budget_units of every row at once: max_abs_err / (k * u * max|expected|), NaN
    where nothing was compared, max|expected| is 0 or not finite, or the engine has a
    tolerance of its own."""
    peak = compared.expected_max
    with np.errstate(invalid="ignore"):
        scaled = (~own_tolerance & (compared.numel > 0) & np.isfinite(peak) & (peak != 0)
                  & np.array([o.quantity in QUANTITIES for o in flat], bool))
    err_ku = np.full(len(flat), np.nan)
    err_ku[scaled] = compared.max_abs_err[scaled] / (k[scaled] * UNIT_ROUNDOFF[s.dtype] * peak[scaled])
    return err_ku


def _special_rows(problem, ref, scales, outcome, tol, made: list[Observation], compared, span: slice,
                  columns: dict) -> None:
    """The rows of one outcome (``span`` of ``columns``) off the common path, made one at a
    time and written into ``columns``; the failing rows a convention explains relabelled."""
    passed = compared.passed[span]
    finite_peak, numel = compared.expected_finite_max[span], compared.numel[span]
    with np.errstate(invalid="ignore"):  # what _blind tests, for all rows at once
        blind = ((finite_peak == 0) & (numel > 0)) | (
            (finite_peak > 0) & (compared.atol[span] >= (1 - compared.rtol[span]) * finite_peak))
    special = ~passed | blind | np.array([not o.holds or bool(outcome.renamed) and o.check == "reference"
                                          and o.quantity in outcome.renamed for o in made], bool)
    rows = {}
    for i in np.flatnonzero(special).tolist():
        row = compared.comparison(span.start + i)._asdict() | {"quantity": made[i].quantity, "layer": made[i].layer}
        row["status"] = _special_status(problem, ref, scales, outcome, tol, made[i], row)
        rows[span.start + i] = row
    failing = [row for i, row in rows.items() if row["status"] == FAIL and made[i - span.start].holds]
    if failing and outcome.trace is not None and outcome.trace.projections is None:
        _label_conventions(problem, outcome.engine.conventions, outcome.trace, failing, ref)
        _label_findings(problem, outcome.engine, outcome.trace, [r for r in failing if r["status"] == FAIL], scales)
        if problem.scenario.dtype in HALF:
            _label_cancelled(problem, ref, tol, [(made[i - span.start], row) for i, row in rows.items()
                                                 if row["status"] == FAIL and made[i - span.start].holds
                                                 and made[i - span.start].check == "reference"])
    for at, row in rows.items():
        for name in ("shape", "passed", "status", "message"):
            columns[name][at] = row[name]


def _special_status(problem, ref: Trace, scales: dict, outcome, tol, obs: Observation, result: dict) -> str:
    """The status of a row off the common path; ``result`` (its Comparison's fields) updated
    in place: shape, passed and message."""
    s, trace, renamed = problem.scenario, outcome.trace, outcome.renamed
    if obs.check == RUN:  # the engine gave no trace: not run (its status), or it raised, timed out or died
        result |= {"passed": outcome.status != FAIL, "message": outcome.error}
        return outcome.status
    if obs.expected is None:
        result["message"] = obs.note
    if obs.actual is None and obs.expected is not None:
        result |= {"shape": "", "message": _missing_message(trace, obs.quantity, obs.layer)}
    elif trace.given is not None and obs.quantity == "dA" and np.shape(obs.actual) != np.shape(obs.expected) \
            and np.shape(obs.actual) == np.shape(ref.dA.get(obs.layer - 1)):
        result["message"] += (f" (the shape of dA[{obs.layer - 1}]: the older course naming, where dA{obs.layer} "
                              f"is dJ/dA[{obs.layer - 1}]? Not every dA returned matches that naming either)")
    status = PASS if result["passed"] else FAIL
    if not obs.holds and obs.expected is not None:
        if result["passed"] and indistinguishable(problem, ref, tol, scales.get(("dZ", s.depth))):
            result |= {"passed": True, "message": f"inconclusive: A - Y and dA[L] * g'(Z[L]) differ by less "
                                                  f"than the {s.dtype} tolerance in this scenario"}
            status = INCONCLUSIVE_CONTROL
        else:
            result |= negative_control(s, result["passed"])
            status = EXPECTED_NOT_TO_HOLD if result["passed"] else FAIL
    wider = (_wider(obs.actual, s.dtype) if trace.given is not None and not result["passed"]
             and result["mismatched"] == 0 and "dtype mismatch" in result["message"]
             and "shape mismatch" not in result["message"] else None)
    if wider:  # a user's function computing in a wider dtype, its values right: a note, not a failure
        result |= {"passed": True, "message": WIDER.format(actual=wider, dtype=s.dtype)}
        status = CONVENTION
    blind = (_blind(result, result["expected_finite_max"]) if status == PASS and obs.holds
             and obs.expected is not None else None)
    if blind is not None:
        status, result["message"] = INCONCLUSIVE, blind
    if renamed and obs.check == "reference" and obs.quantity in renamed and result["passed"] and status == PASS:
        status, result["message"] = CONVENTION, renamed[obs.quantity].format(
            l=obs.layer if renamed[obs.quantity] is MEAN_COST else obs.layer + 1, prev=obs.layer,
            q=obs.quantity, Q=obs.quantity[1:])
    return status


def _blind(result: dict, biggest: float) -> str | None:
    """Why the row could not have failed, or None: every expected value is exactly 0 (a 2x
    or negated slip gives 0 too), or the row's absolute term covers every value (a zero would
    pass).  ``biggest``: max|expected| over its finite elements."""
    if biggest == 0 and result["numel"] > 0:
        return (f"{ALL_ZERO} here (a layer whose gradient vanishes), so a "
                "slip that multiplies it (2x, -1x) gives 0 too: not a check of the formula in this scenario")
    if biggest > 0 and result["atol"] >= (1 - result["rtol"]) * biggest:
        return (f"inconclusive: the tolerance's absolute term {result['atol']:.3g} is as large as every value "
                f"(max {biggest:.3g}; the terms that made it cancel), so even a zero would pass: not a check at "
                "this precision")
    return None


def _wider(actual, dtype: str) -> str | None:
    """The name of ``actual``'s dtype when it is a float dtype wider than the scenario's."""
    kind = np.asarray(actual).dtype
    return kind.name if kind.kind == "f" and kind.itemsize > numpy_dtype(dtype).itemsize else None


def _missing_message(trace, quantity: str, layer: int) -> str:
    if trace.given is None:
        return "missing: the engine gave no value"
    return (f"missing: the function returned no {quantity}{layer} "
            f"(dW1..dW{max(trace.dW or {1: 0})} and db1..db{max(trace.db or {1: 0})} are required for every layer)")


def _label_conventions(problem, claims, trace, failing_rows: list[dict], ref: Trace) -> None:
    """Relabel the failing rows a convention explains (crosscheck/checks/conventions.py), in place."""
    from crosscheck.checks.conventions import explain

    explained = explain(problem, claims, trace, sorted({(r["quantity"], r["layer"]) for r in failing_rows}), ref)
    for row in failing_rows:
        convention = explained.get((row["quantity"], row["layer"]))
        if convention is not None:
            row.update(passed=True, status=CONVENTION,
                       message=f"convention ({convention.name}): {convention.explanation}")


def _label_findings(problem, engine, trace, failing_rows: list[dict], scales: dict) -> None:
    """Relabel the failing rows a finding of the ledger explains (crosscheck/checks/findings.py), in place."""
    from crosscheck.checks.findings import explain

    if not failing_rows:
        return
    explained = explain(problem, engine, trace, sorted({(r["quantity"], r["layer"]) for r in failing_rows}), scales)
    for row in failing_rows:
        found = explained.get((row["quantity"], row["layer"]))
        if found:
            row.update(passed=True, status=FINDING,
                       message="; ".join(f"finding ({f.id}): {f.explanation()}" for f in found))


def _label_cancelled(problem, ref, tol, failing: list) -> None:
    """Relabel, in place, the failing half-precision rows (``failing``: (Observation, row)
    pairs) that pass once the error of a cancelled sum above them is carried down
    (budget.term_scales with carry=True): inconclusive, not pass, since within that error
    a halved or negated value passes too (tests/checks/test_vanishing_layers.py: CANCELLING).
    A run whose every row of some dW[l] or db[l] is so is not a PASS (verdict.idle_engines)."""
    from crosscheck.checks.budget import term_scales

    if not failing:
        return
    s = problem.scenario
    carried = term_scales(problem, ref, carry=True)
    again = compare_columns([(obs.expected, obs.actual) for obs, _ in failing], s.dtype, tol.rtol, tol.atol,
                            tol.scale, [carried.get((obs.quantity, obs.layer)) for obs, _ in failing])
    for k, (obs, row) in enumerate(failing):
        if again.passed[k]:
            row.update(passed=True, status=INCONCLUSIVE, message=(
                f"{CANCELLED} in this network: {obs.quantity}[{obs.layer}] fails by its own terms' rounding error "
                f"(atol {row['atol']:.3g}) but not by the error carried down from that sum's terms (atol "
                f"{again.atol[k]:.3g}), and within that {s.dtype} cannot tell it from a slip (a halved or negated "
                "value can pass too): not a check at this precision (a run that checks no other value of it is no PASS)"))
