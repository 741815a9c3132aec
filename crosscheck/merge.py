"""``crosscheck merge``: the report of a whole suite from the outputs of its shards.

Rows are put back in suite order (scenario by scenario, engines in the order they ran),
so the merged CSVs are the ones a single run writes, timing columns aside.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from crosscheck.parallel import join
from crosscheck.runner import RunResult
from scenarios import suite

FILES = ("discrepancies.csv", "differences.csv", "where.csv", "run.json")


def _read(folder: Path):
    for name in FILES:
        if not (folder / name).is_file():
            raise ValueError(f"{folder}: no {name} (is it the output of `crosscheck run --shard K/N`?)")
    meta = json.loads((folder / "run.json").read_text())
    frames = [pd.read_csv(folder / name, keep_default_na=False, na_values=[""],
                          dtype={"message": str, "worst_index": str, "shape": str})
              for name in FILES[:3]]
    return RunResult(*frames), meta


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
        if sorted(m.get("asked") or []) != sorted(first.get("asked") or []) or m.get("rerun") != first.get("rerun"):
            raise ValueError("the shards ran different engines (--frameworks, --backward, --mutant)")
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

    result = RunResult(*(in_suite_order(getattr(merged, f)) for f in ("observations", "differences", "where")))
    unavailable = {}
    for m in metas:
        unavailable.update(m["unavailable"])
    return result, {**first, "unavailable": unavailable}
