"""One engine on one scenario: its trace, or why it gave none.

An engine that does not run a scenario (its dtypes, NotApplicable, Unsupported), raises,
times out or dies gives no trace; its one ``run`` row says why (``not_run_message``).  A
user's function's trace is read as the article names its quantities (``read_as_named``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from crosscheck.adapters.base import NotApplicable, Unsupported
from crosscheck.adapters.user_code import UserCodeError
from crosscheck.reference.trace import Trace
from crosscheck.running.records import MEAN_COST, OLDER_AND_MEAN, OLDER_NAMING, judged_by
from crosscheck.running.statuses import FAIL, NOT_APPLICABLE, UNSUPPORTED


@dataclass(frozen=True)
class Traced:
    """What one engine gave on one scenario."""

    engine: object
    #: The engine's trace, as the article names its quantities; None when it gave none.
    trace: Trace | None
    #: The ``run`` row's status when there is no trace (unsupported, not applicable, or
    #: ``fail``: it raised, timed out or died); ``fail`` when it ran (its rows say more).
    status: str = FAIL
    #: The ``run`` row's message when there is no trace.
    error: str = ""
    #: How long the engine took (engine_seconds).
    seconds: float = 0.0
    #: {quantity: message} of the quantities a naming convention read otherwise (``read_as_named``).
    renamed: dict = field(default_factory=dict)


def trace_engine(problem, ref: Trace, engine) -> Traced:
    """``engine`` on ``problem``: its trace, or the status and message of the row that stands
    for it; an engine that crashes gives a failure, never a crash of the run."""
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
    return Traced(engine, trace, status, error, seconds, renamed)


def not_run_message(status: str, exc) -> str:
    """The message of the ``run`` row of a scenario an engine did not run: the reason, and
    its cause in a few words in brackets (``short``), which headlines count by."""
    short = getattr(exc, "short", None)
    return f"{status}: {exc}" + (f" [{short}]" if short else "")


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
