"""A suite cut into shards (``--shard K/N``), and the report of the whole suite from the
outputs of its shards (``crosscheck merge``).

Shards make a whole only when they ran the same suite, dtypes, engines, tolerances and
known failures, from the same versions of the user's files (run.json's ``user_files``,
running/provenance.py).  Rows are put back in suite order (scenario by scenario, engines
in the order they ran), so the merged CSVs are the ones a single run writes, timing
columns aside.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from crosscheck.reporting.regressions import OLDER_COLUMNS
from crosscheck.reporting.versions import check_schema
from crosscheck.running.known import fingerprint
from crosscheck.running.provenance import differing
from crosscheck.running.runner import RunResult, join
from crosscheck.scenarios import suite


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


FILES = ("discrepancies.csv", "differences.csv", "where.csv", "evidence.csv", "run.json")


def _read(folder: Path):
    for name in FILES:
        if not (folder / name).is_file():
            raise ValueError(f"{folder}: no {name} (is it the output of `crosscheck run --shard K/N`?)")
    meta = json.loads((folder / "run.json").read_text())
    check_schema(meta.get("schema"), folder / "run.json")  # a newer release's shard: refused
    frames = [pd.read_csv(folder / name, keep_default_na=False, na_values=[""],
                          dtype={"message": str, "worst_index": str, "shape": str}).rename(columns=OLDER_COLUMNS)
              for name in FILES[:3]]
    evidence = pd.read_csv(folder / "evidence.csv", keep_default_na=False, dtype=str)
    return RunResult(*frames, evidence=evidence), meta


def _tolerances(meta: dict) -> dict:
    """The overrides a shard ran under, {dtype: (rtol, atol)} (not where each came from)."""
    return {d: (t["rtol"], t["atol"]) for d, t in (meta.get("tolerances") or {}).items()}


def merge(folders) -> tuple[RunResult, dict]:
    """(the merged result, the run's meta); ValueError for shards that do not make a whole."""
    parts = [_read(Path(f)) for f in folders]
    metas = [m for _, m in parts]
    if any(m.get("shard") is None for m in metas):
        raise ValueError("merge takes the outputs of `crosscheck run --shard K/N` runs")
    first = metas[0]
    for m in metas[1:]:
        if (m["suite"], m["dtypes"], m["shard"][1]) != (first["suite"], first["dtypes"], first["shard"][1]):
            raise ValueError("the shards come from different suites, dtypes or numbers of shards")
        if _tolerances(m) != _tolerances(first):  # before the rerun prefix, which carries the overrides too
            raise ValueError("the shards ran under different tolerances (--tolerance, [tool.crosscheck] tolerances)")
        if sorted(m.get("asked") or []) != sorted(first.get("asked") or []) or m.get("rerun") != first.get("rerun"):
            raise ValueError("the shards ran different engines (--engines, --backward, --mutant)")
        if fingerprint(m) != fingerprint(first):
            raise ValueError("the shards ran with different --known-failures files (or --strict-known)")
    stale = differing(metas)  # shard 1 of one version of the user's file, shard 2 of another: no single run
    if stale:
        raise ValueError(stale)
    n = first["shard"][1]
    have = sorted(m["shard"][0] for m in metas)
    twice = sorted({k for k in have if have.count(k) > 1})
    missing = sorted(set(range(1, n + 1)) - set(have))
    if twice or missing:
        raise ValueError(f"shards {have} of {n}: " + (f"{twice} given twice" if twice else f"missing {missing}"))
    merged = join(r for r, _ in parts)
    if first["suite"] is None:  # one --scenario or --network: the order it ran in
        order = {sid: i for i, sid in enumerate(dict.fromkeys(merged.observations["scenario"]))}
    else:
        order = {s.id: i for i, s in enumerate(s for s in suite(first["suite"])
                                               if not first["dtypes"] or s.dtype in first["dtypes"].split(","))}

    def in_suite_order(df):
        return df.iloc[df["scenario"].map(order).argsort(kind="stable")].reset_index(drop=True)

    result = RunResult(*(in_suite_order(getattr(merged, f)) for f in ("observations", "differences", "where")),
                       evidence=in_suite_order(merged.evidence))
    unavailable = {}
    for m in metas:
        unavailable.update(m["unavailable"])
    return result, {**first, "unavailable": unavailable}
