"""Run scenarios through engines and turn every comparison into one record (one row).

Per scenario: each engine traced (running/tracing.py), the rows of all of them made at
once, as columns (running/records.py), then what each engine's failure adds: where it
goes wrong, the slips it matches, the course's difference.  The observations DataFrame
is made once, from the columns of every scenario (running/columns.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from tqdm.auto import tqdm

from crosscheck.analyses.diagnosis import EVIDENCE_COLUMNS, raised_evidence, scenario_evidence
from crosscheck.checks.budget import term_scales
from crosscheck.checks.gradient_check import gradient_check_difference
from crosscheck.checks.localise import WHERE_COLUMNS, localise
from crosscheck.running.columns import COLUMNS, Rows, Table  # noqa: F401 (COLUMNS: where the tests import it)
from crosscheck.running.records import (  # noqa: F401 (the messages: where the tests and scripts import them)
    MEAN_COST,
    OLDER_AND_MEAN,
    OLDER_NAMING,
    REQUIRED,
    WIDER,
    judged_by,
    scenario_rows,
)
from crosscheck.running.statuses import FAIL
from crosscheck.running.tracing import Traced, not_run_message, read_as_named, trace_engine  # noqa: F401
from crosscheck.scenarios import Problem, build_problem
from crosscheck.scenarios.problem import reference_trace  # noqa: F401 (where the tests and scripts import it)

DIFFERENCE_COLUMNS = ["scenario", "engine", "dtype", "difference"]
PRINTED_COLUMNS = ["scenario", "engine", "output"]
#: Columns that hold timings: the only ones that differ between two runs of a scenario.
TIMING_COLUMNS = ["engine_seconds"]


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


def _where(problem, outcome: Traced, failing: set, scales=None, ref=None) -> list[dict]:
    """Where one engine's values on one scenario go wrong (checks/localise.py), ``failing``:
    the (quantity, layer) of its reference rows that failed."""
    base = {"scenario": problem.scenario.id, "engine": outcome.engine.name}
    if outcome.trace is None:  # it raised, timed out or died: that is where it went wrong
        return [] if outcome.status != FAIL else [{**base, "order": 0, "quantity": "-", "layer": -1,
                                                   "verdict": outcome.error, "first": True}]
    if not failing or outcome.trace.projections is not None:
        return []  # nothing to localise in, or directional derivatives only (fd's projection mode)
    return [{**base, **row} for row in localise(problem, outcome.trace, failing, outcome.engine.tolerance, scales,
                                                ref=ref)]


def _evidence(problem, ref, outcome: Traced, scales: dict) -> dict:
    """The slips a failing scenario x engine's values match, or the cause of its raising
    (analyses/diagnosis.py)."""
    base = {"scenario": problem.scenario.id, "engine": outcome.engine.name}
    if outcome.trace is None:
        return base | raised_evidence(problem, ref, outcome.error)
    return base | scenario_evidence(problem, ref, outcome.trace, judged_by(outcome.engine, problem.scenario.dtype),
                                    scales)


@dataclass
class _Collected:
    """What run_all gathers: each scenario's Rows, and the small tables' rows (dicts)."""

    rows: Table = field(default_factory=Table)
    #: False: the rows only (mutation analysis), no localisation, evidence or differences.
    extras: bool = True
    differences: list = field(default_factory=list)
    where: list = field(default_factory=list)
    printed: list = field(default_factory=list)
    evidence: list = field(default_factory=list)

    def add_engine(self, problem, ref, scales: dict, outcome: Traced, rows: Rows, span: slice) -> None:
        """What one engine adds beside its rows (``span`` of ``rows``): where a failure goes
        wrong and the slips it matches, the course's difference of a scenario it ran or
        tried to, what it printed."""
        s = problem.scenario
        text = outcome.engine.take_output(s.id)
        if text:
            self.printed.append({"scenario": s.id, "engine": outcome.engine.name, "output": text})
        if not self.extras:
            return
        self.where.extend(_where(problem, outcome, rows.failing(span, "reference"), scales, ref))
        if rows.failed(span, FAIL) and (outcome.trace is None or outcome.trace.projections is None):
            self.evidence.append(_evidence(problem, ref, outcome, scales))
        if outcome.status == FAIL:  # the course's number for scenarios the engine ran (or tried to)
            self.differences.append({"scenario": s.id, "engine": outcome.engine.name, "dtype": s.dtype,
                                     "difference": gradient_check_difference(ref, outcome.trace)})

    def result(self) -> RunResult:
        return RunResult(self.rows.frame(), pd.DataFrame(self.differences, columns=DIFFERENCE_COLUMNS),
                         pd.DataFrame(self.where, columns=WHERE_COLUMNS),
                         pd.DataFrame(self.printed, columns=PRINTED_COLUMNS),
                         pd.DataFrame(self.evidence, columns=EVIDENCE_COLUMNS))


def run_all(items, engines, progress: bool | None = None, extras: bool = True) -> RunResult:
    """Scenarios (or ready Problems) through engines: the observations and the differences.

    ``progress``: a progress bar on stderr (None: only when stderr is a terminal);
    ``extras``: False for the rows and printed output alone (where, evidence and differences
    left empty: what mutation analysis needs, at a fraction of the time).
    """
    items = list(items)
    for engine in engines:
        try:
            engine.prepare(items)
        except Exception:  # work ahead is only ahead: trace reports the engine's own errors
            pass
    collected = _Collected(extras=extras)
    for item in tqdm(items, desc="scenarios", unit="sc", disable=None if progress is None else not progress,
                     leave=False):
        problem = item if isinstance(item, Problem) else build_problem(item)
        ref = reference_trace(problem)
        scales = term_scales(problem, ref)
        outcomes = [trace_engine(problem, ref, engine) for engine in engines]
        rows, spans = scenario_rows(problem, ref, scales, outcomes)
        collected.rows.append(rows)
        for outcome, span in zip(outcomes, spans):
            collected.add_engine(problem, ref, scales, outcome, rows, span)
    return collected.result()


def run(items, engines, progress: bool | None = None, extras: bool = True) -> pd.DataFrame:
    """The observations of ``run_all``: one row per comparison, COLUMNS order."""
    return run_all(items, engines, progress, extras).observations
