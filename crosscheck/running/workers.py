"""``--workers N``: the scenarios of one run in N parallel processes.

Workers are spawned (not forked: JAX and torch do not survive a fork), each loads the
engines once, and takes chunks of scenarios in suite order; the results are joined in
that order, so the report is the one a single process writes, timing columns aside.
The tolerance overrides in force in the parent (scenarios/tolerances.py: overridden) are
set in each worker before its first scenario.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from tqdm import tqdm

from crosscheck.engines import EngineSpec
from crosscheck.running.runner import RunResult, join, run_all
from crosscheck.scenarios import tolerances

CHUNK = 8


_WORKER_ENGINES = None


def _init(spec: EngineSpec, overrides: dict | None = None):
    global _WORKER_ENGINES
    tolerances.set_overrides(overrides)
    _WORKER_ENGINES, _ = spec.build()


def _work(items):
    return run_all(items, _WORKER_ENGINES, progress=False)


def run_parallel(items, spec: EngineSpec, workers: int, progress: bool | None = None) -> RunResult:
    """``run_all`` over ``workers`` spawned processes; the same rows in the same order."""
    items = list(items)
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init,
                             initargs=(spec, tolerances.overrides())) as pool:
        bar = tqdm(total=len(items), desc="scenarios", unit="sc", leave=False,
                   disable=None if progress is None else not progress)
        results = []
        for chunk, result in zip(chunks, pool.map(_work, chunks)):
            results.append(result)
            bar.update(len(chunk))
        bar.close()
    return join(results)
