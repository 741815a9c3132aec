"""Versions: `crosscheck --version`; the report schema in run.json and discrepancies.csv
(crosscheck/reporting/versions.py); `compare` and `merge` read this release's reports and
the previous release's, and refuse a schema they do not know."""
from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pandas as pd
import pytest

from crosscheck.cli import main
from crosscheck.reporting.versions import READS, SCHEMA

SCENARIO = "relu-tanh-sigmoid_4-5-5-1_m16_float64_s0"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    assert main(["run", "--scenario", SCENARIO, "--engines", "numpy", "--out", str(out), "-q"]) == 0
    return out


def test_version_prints_the_installed_distributions_version():
    done = subprocess.run([sys.executable, "-m", "crosscheck", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == f"backprop-crosscheck {version('backprop-crosscheck')}\n"
    assert version("backprop-crosscheck") == "0.1.0"


def test_run_json_and_every_row_carry_the_schema(report):
    meta = json.loads((report / "run.json").read_text())
    assert meta["schema"] == SCHEMA == 2 and meta["crosscheck"] == version("backprop-crosscheck")
    df = pd.read_csv(report / "discrepancies.csv")
    assert df.columns[-1] == "schema" and set(df["schema"]) == {SCHEMA}


def test_a_baseline_of_the_previous_release_is_read(report, tmp_path, capsys):
    """No schema column, and the engine column called ``framework``: schema 1."""
    older = tmp_path / "older.csv.gz"
    df = pd.read_csv(report / "discrepancies.csv").drop(columns="schema").rename(columns={"engine": "framework"})
    df.to_csv(older, index=False)
    assert 1 in READS
    assert main(["compare", str(older), str(report / "discrepancies.csv")]) == 0
    assert main(["compare", str(report / "discrepancies.csv"), str(older)]) == 0
    assert capsys.readouterr().out.count("no regression") == 2


@pytest.mark.parametrize("schema, message", [
    (SCHEMA + 1, f"report schema {SCHEMA + 1} is not one this backprop-crosscheck"),
    ("two", "schema 'two' is not a schema number"),
])
def test_compare_refuses_a_schema_it_does_not_know(schema, message, report, tmp_path, capsys):
    newer = tmp_path / "newer.csv"
    pd.read_csv(report / "discrepancies.csv").assign(schema=schema).to_csv(newer, index=False)
    assert main(["compare", str(newer), str(report / "discrepancies.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(newer) in err
    if schema == SCHEMA + 1:
        assert "newer: written by a later backprop-crosscheck; upgrade to read it" in err


def test_merge_refuses_a_shard_of_a_newer_schema(tmp_path, capsys):
    shards = [tmp_path / f"s{k}" for k in (1, 2)]
    for k, shard in enumerate(shards, 1):
        assert main(["run", "--suite", "smoke", "--dtypes", "float64", "--engines", "numpy", "--shard", f"{k}/2",
                     "--out", str(shard), "-q"]) == 0
    assert main(["merge", *map(str, shards), "--out", str(tmp_path / "ok")]) == 0
    assert json.loads((tmp_path / "ok" / "run.json").read_text())["schema"] == SCHEMA
    meta = json.loads((shards[1] / "run.json").read_text())
    (shards[1] / "run.json").write_text(json.dumps({**meta, "schema": SCHEMA + 1}))
    capsys.readouterr()
    assert main(["merge", *map(str, shards), "--out", str(tmp_path / "m")]) == 2
    assert f"report schema {SCHEMA + 1}" in capsys.readouterr().err
