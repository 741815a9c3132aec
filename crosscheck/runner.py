"""Run scenarios through engines and turn every comparison into one record (one row)."""
from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np
import pandas as pd
from tqdm import tqdm

import reference
from adapters import EngineUnavailable, get_adapter
from crosscheck.checks import identity_observations, reference_observations
from crosscheck.metrics import compare
from scenarios import build_problem, tolerance

#: Columns of discrepancies.csv, in order (the first fourteen are the contract).
COLUMNS = [
    "scenario", "framework", "dtype", "check", "quantity", "layer", "shape",
    "max_abs_err", "max_rel_err", "max_ulp", "mismatched", "rtol", "atol", "passed",
    "numel", "worst_index", "expected_at_worst", "actual_at_worst", "message",
    "depth", "m", "engine_seconds",
]
#: Columns that hold timings: the only ones that differ between two runs of a scenario.
TIMING_COLUMNS = ["engine_seconds"]


def resolve_engines(names):
    """(adapters that can run, {name: reason} for those that cannot); imports frameworks."""
    ready, unavailable = [], {}
    for name in names:
        adapter = get_adapter(name)
        try:
            adapter.load()
        except EngineUnavailable as exc:
            unavailable[name] = str(exc)
        else:
            ready.append(adapter)
    return ready, unavailable


def reference_trace(problem) -> dict:
    """The arbiter: the article's formulas in float64 on the scenario's (rounded) data."""
    p = problem.astype(np.float64)
    return reference.trace(p.parameters, p.X, p.Y, problem.scenario.activations)


def scenario_records(problem, ref: dict, engine, trace, error: str, seconds: float) -> list[dict]:
    """Every observation of one engine on one scenario as report rows."""
    s = problem.scenario
    tol = tolerance(s.dtype)
    base = {"scenario": s.id, "framework": engine, "dtype": s.dtype, "depth": s.depth, "m": s.m,
            "engine_seconds": seconds}
    if trace is None:
        failed = compare(None, None, s.dtype, tol.rtol, tol.atol)
        return [{**base, **asdict(failed), "check": "reference", "quantity": "-", "layer": -1,
                 "shape": "", "message": f"engine raised {error}"}]
    rows = []
    observations = list(reference_observations(ref, trace)) + list(identity_observations(problem, trace))
    for obs in observations:
        if obs.expected is None:
            result = asdict(compare(None, None, s.dtype, tol.rtol, tol.atol)) | {"message": obs.note}
        else:
            result = asdict(compare(obs.expected, obs.actual, s.dtype, tol.rtol, tol.atol))
        rows.append({**base, **result, "check": obs.check, "quantity": obs.quantity, "layer": obs.layer})
    return rows


def run(scenarios, engines, progress: bool | None = None) -> pd.DataFrame:
    """All scenarios through all engines (adapters); one row per observation, COLUMNS order.

    ``progress``: a progress bar on stderr (None: only when stderr is a terminal).
    """
    rows = []
    for s in tqdm(scenarios, desc="scenarios", unit="sc", disable=None if progress is None else not progress,
                  leave=False):
        problem = build_problem(s)
        ref = reference_trace(problem)
        for engine in engines:
            start = time.perf_counter()
            try:
                trace, error = engine.trace(problem), ""
            except Exception as exc:  # an engine that crashes is a failure row, not a crash
                trace, error = None, f"{type(exc).__name__}: {exc}"
            seconds = time.perf_counter() - start
            rows.extend(scenario_records(problem, ref, engine.name, trace, error, seconds))
    return pd.DataFrame(rows, columns=COLUMNS)
