"""Run scenarios through engines and turn every comparison into one record (one row)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from crosscheck.adapters.base import NotApplicable, Unsupported
from crosscheck.adapters.user_code import UserCodeError
from crosscheck.analyses.diagnosis import EVIDENCE_COLUMNS, raised_evidence, scenario_evidence
from crosscheck.checks.arrays import compare_many
from crosscheck.checks.budget import budget_units, inner_dimension, term_scales
from crosscheck.checks.controls import indistinguishable, negative_control
from crosscheck.checks.gradient_check import gradient_check_difference
from crosscheck.checks.identities import Observation, identity_observations, reference_observations
from crosscheck.checks.localise import WHERE_COLUMNS, localise
from crosscheck.reference.trace import Trace
from crosscheck.running.statuses import (
    INCONCLUSIVE,
    CONVENTION,
    EXPECTED_NOT_TO_HOLD,
    FAIL,
    INCONCLUSIVE_CONTROL,
    NOT_APPLICABLE,
    PASS,
    RUN,
    UNSUPPORTED,
)
from crosscheck.running.verdict import ALL_ZERO
from crosscheck.scenarios import Problem, build_problem, tolerance
from crosscheck.scenarios.problem import reference_trace  # noqa: F401 (where the tests and scripts import it)

#: Columns of discrepancies.csv, in order (the first fourteen are the contract).
COLUMNS = [
    "scenario", "engine", "dtype", "check", "quantity", "layer", "shape",
    "max_abs_err", "max_rel_err", "max_ulp", "mismatched", "rtol", "atol", "passed",
    "status", "numel", "worst_index", "expected_at_worst", "actual_at_worst", "message",
    "device", "depth", "m", "k", "err_ku", "engine_seconds",
]
#: ``k``: the inner dimension of the reduction that produced the value (n_{l-1} for Z[l]
#: and A[l], n_{l+1} for dA[l] and dZ[l] below the output, 1 at the output, m for dW and
#: db); ``err_ku``: max_abs_err / (k * u * max|expected|), the error in units of that
#: reduction's rounding budget (u: the dtype's unit roundoff), so that a large batch or
#: a wide layer does not look like a bug.
#: ``status``: one of crosscheck/running/statuses.py.
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
DIFFERENCE_COLUMNS = ["scenario", "engine", "dtype", "difference"]
PRINTED_COLUMNS = ["scenario", "engine", "output"]
#: Columns that hold timings: the only ones that differ between two runs of a scenario.
TIMING_COLUMNS = ["engine_seconds"]


def judged_by(engine, dtype: str):
    """The tolerance ``engine``'s rows of a ``dtype`` scenario are judged by: its own (fd's step
    size's; a third-party engine's, held to the sanity bound by crosscheck/engines.py), else
    the dtype's in force (scenarios/tolerances.py)."""
    return engine.tolerance or tolerance(dtype)


#: Quantities a partial trace (a user's function) must still give for every layer.
REQUIRED = ("dW", "db")


def _run_row(problem, engine, base: dict, status: str, message: str) -> dict:
    """The one row of a scenario x engine that gave no trace: ``check`` is ``run``."""
    s = problem.scenario
    tol = judged_by(engine, s.dtype)
    nan = float("nan")
    return {**base, "check": RUN, "quantity": "-", "layer": -1, "shape": "", "numel": 0, "max_abs_err": nan,
            "max_rel_err": nan, "max_ulp": nan, "mismatched": -1, "worst_index": "", "expected_at_worst": nan,
            "actual_at_worst": nan, "rtol": tol.rtol, "atol": tol.atol, "passed": status != FAIL,
            "status": status, "message": message}


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
    from crosscheck.scenarios.dtypes import numpy_dtype

    kind = np.asarray(actual).dtype
    return kind.name if kind.kind == "f" and kind.itemsize > numpy_dtype(dtype).itemsize else None


def not_run_message(status: str, exc) -> str:
    """The message of the ``run`` row of a scenario an engine did not run: the reason, and
    its cause in a few words in brackets (``short``), which headlines count by."""
    short = getattr(exc, "short", None)
    return f"{status}: {exc}" + (f" [{short}]" if short else "")


def _missing_message(trace, quantity: str, layer: int) -> str:
    if trace.given is None:
        return "missing: the engine gave no value"
    return (f"missing: the function returned no {quantity}{layer} "
            f"(dW1..dW{max(trace.dW or {1: 0})} and db1..db{max(trace.db or {1: 0})} are required for every layer)")


def scenario_records(problem, ref: Trace, engine, trace, error: str, seconds: float, status: str = FAIL,
                     renamed: dict | None = None, scales: dict | None = None):
    """Every observation of one engine on one scenario as report rows (``trace`` None: the
    one ``run`` row, with ``status`` and ``error``; ``renamed``: {quantity: message} of the
    quantities a naming convention read otherwise, ``read_as_named``; ``scales``: the term
    scales of budget.term_scales, for the tolerance's absolute term)."""
    scales = scales if scales is not None else term_scales(problem, ref)
    s = problem.scenario
    tol = judged_by(engine, s.dtype)
    base = {"scenario": s.id, "engine": engine.name, "dtype": s.dtype, "depth": s.depth, "m": s.m,
            "device": engine.device, "engine_seconds": seconds}
    if trace is None:
        return [_run_row(problem, engine, base, status, error)]
    if trace.projections is not None:  # fd's projection mode: directional derivatives
        observations = [Observation("reference", q, l, expected, actual)
                        for q, l, expected, actual in trace.projections]
    else:
        compares = engine.compares
        observations = [o for o in reference_observations(ref, trace) if o.quantity in compares and (
            trace.given is None or (o.quantity, o.layer) in trace.given or o.quantity in REQUIRED)]
        observations += list(identity_observations(problem, trace))
    pairs = [(None, None) if obs.expected is None else (obs.expected, obs.actual) for obs in observations]
    terms = [scales.get((obs.quantity, obs.layer)) for obs in observations]
    rows = []
    for obs, result in zip(observations, compare_many(pairs, s.dtype, tol.rtol, tol.atol, tol.scale, terms)):
        result = result._asdict() | ({"message": obs.note} if obs.expected is None else {})
        peak, finite_peak = result.pop("expected_max"), result.pop("expected_finite_max")
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
        blind = _blind(result, finite_peak) if status == PASS and obs.holds and obs.expected is not None else None
        if blind is not None:
            status, result["message"] = INCONCLUSIVE, blind
        if renamed and obs.check == "reference" and obs.quantity in renamed and result["passed"] and status == PASS:
            status, result["message"] = CONVENTION, renamed[obs.quantity].format(
                l=obs.layer if renamed[obs.quantity] is MEAN_COST else obs.layer + 1, prev=obs.layer,
                q=obs.quantity, Q=obs.quantity[1:])
        rows.append({**base, **result, "check": obs.check, "quantity": obs.quantity, "layer": obs.layer,
                     "status": status, "k": inner_dimension(s, obs.quantity, obs.layer),
                     # fd's error is its step size's, not a rounding budget's: no err_ku for it
                     "err_ku": float("nan") if engine.tolerance else
                     budget_units(s, obs.quantity, obs.layer, obs.expected, result["max_abs_err"], peak)})
    failing = [i for i, (obs, row) in enumerate(zip(observations, rows)) if row["status"] == FAIL and obs.holds]
    if failing and trace.projections is None:
        _label_conventions(problem, engine.conventions, trace, [rows[i] for i in failing], ref)
    return rows


def read_as_named(problem, ref: Trace, engine, trace) -> tuple:
    """(the trace as the article names its quantities, {quantity: message} of those a naming
    convention of a user's function read otherwise: the older course's dA, the mean cost's
    dZ; conventions.py).  Other engines' traces, and a function's that needs neither, as they are."""
    if trace is None or trace.given is None:
        return trace, {}
    from crosscheck.checks.conventions import mean_cost_naming, older_dA_naming

    tol = judged_by(engine, problem.scenario.dtype)
    renamed = {}
    mean = mean_cost_naming(trace, ref, tol, problem.scenario.m)  # first: the older dA naming may follow it
    if mean is not None:
        trace, quantities = mean
        renamed.update({q: MEAN_COST for q in quantities})
    older = older_dA_naming(trace, ref, tol)
    if older is not None:
        trace, renamed["dA"] = older, OLDER_NAMING if "dA" not in renamed else OLDER_AND_MEAN
    return trace, renamed


def _label_conventions(problem, claims, trace, failing_rows: list[dict], ref: Trace) -> None:
    """Relabel the failing rows a convention explains (crosscheck/checks/conventions.py), in place."""
    from crosscheck.checks.conventions import explain

    explained = explain(problem, claims, trace, sorted({(r["quantity"], r["layer"]) for r in failing_rows}), ref)
    for row in failing_rows:
        convention = explained.get((row["quantity"], row["layer"]))
        if convention is not None:
            row.update(passed=True, status=CONVENTION,
                       message=f"convention ({convention.name}): {convention.explanation}")


@dataclass(frozen=True)
class RunResult:
    """``observations``: one row per comparison (COLUMNS); ``differences``: one per scenario x
    engine; ``where``: the verdicts of ``localise`` for every failing scenario x engine."""

    observations: pd.DataFrame
    differences: pd.DataFrame
    where: pd.DataFrame
    #: What a user's code printed, per scenario (PRINTED_COLUMNS); written to user-output.log.
    printed: pd.DataFrame = None
    #: Per failing scenario x engine, the slips its values match (analyses/diagnosis.py).
    evidence: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EVIDENCE_COLUMNS))
    #: What became of each entry of a --known-failures file (running/known.py: Judgement), or None.
    known: object = None


def join(results) -> RunResult:
    """One RunResult from several, in the order given."""
    results = list(results)

    def joined(name, columns):
        frames = [getattr(r, name) for r in results if getattr(r, name) is not None and len(getattr(r, name))]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    return RunResult(*(pd.concat([getattr(r, f) for r in results], ignore_index=True)
                       for f in ("observations", "differences", "where")),
                     joined("printed", PRINTED_COLUMNS), joined("evidence", EVIDENCE_COLUMNS))


def _where(problem, engine, trace, records, scales=None, ref=None) -> list[dict]:
    base = {"scenario": problem.scenario.id, "engine": engine.name}
    if trace is None:  # it raised, timed out or died: that is where it went wrong
        failed = records[0]
        return [] if failed["passed"] else [{**base, "order": 0, "quantity": "-", "layer": -1,
                                             "verdict": failed["message"], "first": True}]
    failing = {(r["quantity"], r["layer"]) for r in records if r["check"] == "reference" and not r["passed"]}
    if not failing or trace.projections is not None:
        return []  # nothing to localise in, or directional derivatives only (fd's projection mode)
    return [{**base, **row} for row in localise(problem, trace, failing, engine.tolerance, scales, ref=ref)]


def run_all(items, engines, progress: bool | None = None) -> RunResult:
    """Scenarios (or ready Problems) through engines: the observations and the differences.

    ``progress``: a progress bar on stderr (None: only when stderr is a terminal).
    """
    rows, differences, where, printed, evidence = [], [], [], [], []
    items = list(items)
    for engine in engines:
        try:
            engine.prepare(items)
        except Exception:  # work ahead is only ahead: trace reports the engine's own errors
            pass
    for item in tqdm(items, desc="scenarios", unit="sc", disable=None if progress is None else not progress,
                     leave=False):
        problem = item if isinstance(item, Problem) else build_problem(item)
        ref = reference_trace(problem)
        scales = term_scales(problem, ref)
        for engine in engines:
            start = time.perf_counter()
            trace, status, error = None, FAIL, ""
            try:
                if problem.scenario.dtype not in engine.dtypes:
                    raise Unsupported(f"engine {engine.name} runs {', '.join(engine.dtypes)} scenarios only",
                                      f"{problem.scenario.dtype}")
                traced = engine.trace(problem)
                if not isinstance(traced, Trace):  # a third-party engine's slip: a failure row that says so
                    raise TypeError(f"trace returned {type(traced).__name__}, not a crosscheck.Trace")
                trace = traced
            except NotApplicable as exc:
                status, error = NOT_APPLICABLE, not_run_message(NOT_APPLICABLE, exc)
            except Unsupported as exc:
                status, error = UNSUPPORTED, not_run_message(UNSUPPORTED, exc)
            except UserCodeError as exc:  # a user's function raised, timed out or died
                error = str(exc)
            except Exception as exc:  # an engine that crashes is a failure row, not a crash
                error = f"engine raised {type(exc).__name__}: {exc}"
            seconds = time.perf_counter() - start
            trace, renamed = read_as_named(problem, ref, engine, trace)
            records = scenario_records(problem, ref, engine, trace, error, seconds, status, renamed, scales)
            rows.extend(records)
            where.extend(_where(problem, engine, trace, records, scales, ref))
            if any(r["status"] == FAIL for r in records) and (trace is None or trace.projections is None):
                tol = judged_by(engine, problem.scenario.dtype)
                evidence.append({"scenario": problem.scenario.id, "engine": engine.name,
                                 **(raised_evidence(problem, ref, error) if trace is None
                                    else scenario_evidence(problem, ref, trace, tol, scales))})
            if status == FAIL:  # the course's number for scenarios the engine ran (or tried to)
                differences.append({"scenario": problem.scenario.id, "engine": engine.name,
                                    "dtype": problem.scenario.dtype,
                                    "difference": gradient_check_difference(ref, trace)})
            text = engine.take_output(problem.scenario.id)
            if text:
                printed.append({"scenario": problem.scenario.id, "engine": engine.name, "output": text})
    return RunResult(pd.DataFrame(rows, columns=COLUMNS), pd.DataFrame(differences, columns=DIFFERENCE_COLUMNS),
                     pd.DataFrame(where, columns=WHERE_COLUMNS), pd.DataFrame(printed, columns=PRINTED_COLUMNS),
                     pd.DataFrame(evidence, columns=EVIDENCE_COLUMNS))


def run(items, engines, progress: bool | None = None) -> pd.DataFrame:
    """The observations of ``run_all``: one row per comparison, COLUMNS order."""
    return run_all(items, engines, progress).observations
