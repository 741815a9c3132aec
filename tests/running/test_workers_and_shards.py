"""--workers, --shard K/N and `crosscheck merge`: the same report as one process, timing aside."""
from __future__ import annotations

import json

import pytest

from crosscheck.cli import main
from tests.support import report_rows


@pytest.fixture(scope="module")
def single(smoke_run):
    """``crosscheck run --suite smoke -q`` in one process (conftest.py's smoke_run, shared)."""
    code, out = smoke_run
    assert code == 0
    return out


@pytest.mark.slow  # every engine in three shards; the quick set's: test_shards_of_numpy_merged_equal_its_single_run
def test_three_shards_merged_equal_a_single_run(single, tmp_path):
    shards = []
    for k in (1, 2, 3):
        out = tmp_path / f"shard{k}"
        assert main(["run", "--suite", "smoke", "--shard", f"{k}/3", "--out", str(out), "-q"]) == 0
        assert json.loads((out / "run.json").read_text())["shard"] == [k, 3]
        shards.append(str(out))
    sizes = [report_rows(tmp_path / f"shard{k}")["scenario"].nunique() for k in (1, 2, 3)]
    assert sizes == [7, 7, 6]
    merged = tmp_path / "merged"
    assert main(["merge", *shards, "--out", str(merged)]) == 0
    for name in ("discrepancies.csv", "differences.csv", "where.csv"):
        assert report_rows(merged, name).equals(report_rows(single, name)), name
    assert (merged / "summary.md").read_bytes() == (single / "summary.md").read_bytes()


NUMPY = ["run", "--suite", "smoke", "--engines", "numpy,fd", "-q", "--no-progress"]


@pytest.fixture(scope="module")
def single_numpy(tmp_path_factory):
    """``crosscheck run --suite smoke --engines numpy,fd`` in one process, shared."""
    out = tmp_path_factory.mktemp("single-numpy")
    assert main([*NUMPY, "--out", str(out)]) == 0
    return out


def test_shards_of_numpy_merged_equal_its_single_run(single_numpy, tmp_path):
    for k in (1, 2, 3):
        assert main([*NUMPY, "--shard", f"{k}/3", "--out", str(tmp_path / f"shard{k}")]) == 0
    assert main(["merge", *(str(tmp_path / f"shard{k}") for k in (1, 2, 3)), "--out", str(tmp_path / "merged")]) == 0
    for name in ("discrepancies.csv", "differences.csv", "where.csv"):
        assert report_rows(tmp_path / "merged", name).equals(report_rows(single_numpy, name)), name
    assert (tmp_path / "merged" / "summary.md").read_bytes() == (single_numpy / "summary.md").read_bytes()


def test_workers_of_numpy_give_its_single_process_report(single_numpy, tmp_path):
    assert main([*NUMPY, "--workers", "2", "--out", str(tmp_path)]) == 0
    assert report_rows(tmp_path).equals(report_rows(single_numpy))
    assert (tmp_path / "summary.md").read_bytes() == (single_numpy / "summary.md").read_bytes()


@pytest.mark.slow  # every engine imported in each of two workers
def test_workers_give_the_single_process_report(single, tmp_path):
    assert main(["run", "--suite", "smoke", "--workers", "2", "--out", str(tmp_path), "-q"]) == 0
    assert report_rows(tmp_path).equals(report_rows(single))
    assert (tmp_path / "summary.md").read_bytes() == (single / "summary.md").read_bytes()


@pytest.mark.parametrize("shard", ["0/3", "4/3", "x", "1/0"])
def test_bad_shard_exits_2(shard, tmp_path, capsys):
    assert main(["run", "--suite", "smoke", "--shard", shard, "--out", str(tmp_path)]) == 2
    assert "--shard" in capsys.readouterr().err


def test_merge_refuses_an_incomplete_set_and_plain_runs(single, tmp_path, capsys):
    one = tmp_path / "one"
    # merge's refusals do not depend on the engines: the shard runs numpy alone
    assert main(["run", "--suite", "smoke", "--engines", "numpy", "--shard", "1/2", "--out", str(one), "-q"]) == 0
    assert main(["merge", str(one), "--out", str(tmp_path / "m")]) == 2
    assert "missing [2]" in capsys.readouterr().err
    assert main(["merge", str(one), str(one), "--out", str(tmp_path / "m")]) == 2
    assert "[1] given twice" in capsys.readouterr().err
    assert main(["merge", str(single), "--out", str(tmp_path / "m")]) == 2
    assert "--shard K/N" in capsys.readouterr().err
    assert main(["merge", str(tmp_path / "nothing"), "--out", str(tmp_path / "m")]) == 2
