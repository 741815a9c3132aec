"""Scale-out: scenarios in parallel processes (``--workers``) and suites cut into shards
(``--shard K/N``) that ``crosscheck merge`` puts back together.

Workers are spawned (not forked: JAX and torch do not survive a fork), each loads the
engines once, and takes chunks of scenarios in suite order; the results are joined in
that order, so the report is the one a single process writes, timing columns aside.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
from tqdm import tqdm

from crosscheck.engines import EngineSpec
from crosscheck.runner import PRINTED_COLUMNS, RunResult, run_all

CHUNK = 8


_WORKER_ENGINES = None


def _init(spec: EngineSpec):
    global _WORKER_ENGINES
    _WORKER_ENGINES, _ = spec.build()


def _work(items):
    return run_all(items, _WORKER_ENGINES, progress=False)


def join(results) -> RunResult:
    """One RunResult from several, in the order given."""
    results = list(results)
    printed = [r.printed for r in results if r.printed is not None and len(r.printed)]
    return RunResult(*(pd.concat([getattr(r, f) for r in results], ignore_index=True)
                       for f in ("observations", "differences", "where")),
                     pd.concat(printed, ignore_index=True) if printed else pd.DataFrame(columns=PRINTED_COLUMNS))


def run_parallel(items, spec: EngineSpec, workers: int, progress: bool | None = None) -> RunResult:
    """``run_all`` over ``workers`` spawned processes; the same rows in the same order."""
    items = list(items)
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init, initargs=(spec,)) as pool:
        bar = tqdm(total=len(items), desc="scenarios", unit="sc", leave=False,
                   disable=None if progress is None else not progress)
        results = []
        for chunk, result in zip(chunks, pool.map(_work, chunks)):
            results.append(result)
            bar.update(len(chunk))
        bar.close()
    return join(results)


def parse_shard(text: str) -> tuple[int, int]:
    """'K/N' -> (K, N) with 1 <= K <= N; ValueError with the accepted form otherwise."""
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard {text!r}: expected K/N, e.g. 2/3") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard {text!r}: K must be between 1 and N")
    return k, n


def shard(items, k: int, n: int) -> list:
    """The K-th of N deterministic, interleaved parts of a suite (scenario i goes to i % N)."""
    return [item for i, item in enumerate(items) if i % n == k - 1]
