"""--strict-findings on every path (crosscheck run, --workers, shards and merge, check(), the
plugin): the ledger as it stands passes; a finding whose figure no longer matches what its
engine measures here (planted: torch's figure x10) fails the run, with one line naming it;
without the option the same stale ledger does not fail (only said)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from crosscheck import check
from crosscheck.cli import main
from crosscheck.findings import ledger
from tests.support import COURSE_BACKWARD, run_pytest, unwrapped

pytest.importorskip("torch")

TORCH = next(f for f in ledger.FINDINGS if f.engine == "torch")
ARGS = ["--scenario", "sigmoid_4-1_m13_float64_s0", "--engines", "numpy,torch", "--no-progress"]
SUITE = ["--suite", "smoke", "--dtypes", "float64", "--engines", "numpy,torch", "--no-progress"]
LINE = f"finding {TORCH.id} changed"
#: A conftest that makes the ledger stale in the plugin's own pytest process.
CONFTEST = f"""
from dataclasses import replace
from crosscheck.findings import ledger
ledger.FINDINGS = tuple(replace(f, figures=tuple((a, x * 10) for a, x in f.figures)) if f.id == {TORCH.id!r} else f
                        for f in ledger.FINDINGS)
"""


@pytest.fixture
def stale(monkeypatch):
    """The ledger with torch's finding ten times its measured figure."""
    monkeypatch.setattr(ledger, "FINDINGS", tuple(
        replace(f, figures=tuple((a, x * 10) for a, x in f.figures)) if f is TORCH else f for f in ledger.FINDINGS))


def test_the_ledger_as_it_stands_passes_under_strict(tmp_path, capsys):
    assert main(["run", *ARGS, "--strict-findings", "--out", str(tmp_path), "-q"]) == 0
    assert "finding" not in capsys.readouterr().out


def test_a_stale_finding_fails_run_and_workers_under_strict_only(stale, tmp_path, capsys):
    assert main(["run", *ARGS, "--out", str(tmp_path / "a"), "-q"]) == 0
    assert LINE not in capsys.readouterr().out
    assert main(["run", *ARGS, "--strict-findings", "--out", str(tmp_path / "b"), "-q"]) == 1
    assert LINE in unwrapped(capsys.readouterr().out)
    assert main(["run", *SUITE, "--workers", "2", "--strict-findings", "--out", str(tmp_path / "w"), "-q"]) == 1
    assert LINE in unwrapped(capsys.readouterr().out)


def test_a_stale_torch_finding_fails_a_strict_run_of_a_variant_that_runs_torchs_ops(stale, tmp_path, capsys):
    """Opacus runs torch's softplus as nn.Softplus: torch's finding explains its rows, so
    --strict-findings measures it for a run of opacus alone."""
    pytest.importorskip("opacus")
    args = ["run", "--scenario", "softplus-sigmoid_4-16-1_m64_float64_s0_tails", "--engines", "opacus", "-q"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    capsys.readouterr()
    assert main([*args, "--strict-findings", "--out", str(tmp_path / "b")]) == 1
    assert LINE in unwrapped(capsys.readouterr().out)


def test_a_stale_finding_fails_a_strict_shard_and_a_strict_merge(stale, tmp_path, capsys):
    for k in (1, 2):
        assert main(["run", *SUITE, "--shard", f"{k}/2", "--out", str(tmp_path / f"s{k}"), "-q"]) == 0
    shards = [str(tmp_path / "s1"), str(tmp_path / "s2")]
    assert main(["merge", *shards, "--out", str(tmp_path / "m")]) == 0
    capsys.readouterr()
    assert main(["merge", *shards, "--strict-findings", "--out", str(tmp_path / "n")]) == 1
    assert LINE in unwrapped(capsys.readouterr().out)
    assert main(["run", *SUITE, "--shard", "1/2", "--strict-findings", "--out", str(tmp_path / "t"), "-q"]) == 1


def test_a_stale_finding_fails_check_under_strict_only(stale):
    kept = check(f"{COURSE_BACKWARD}:L_model_backward", suite="smoke", engines=["torch"], dtypes="float64")
    assert kept.passed
    result = check(f"{COURSE_BACKWARD}:L_model_backward", suite="smoke", engines=["torch"], dtypes="float64",
                   strict_findings=True)
    assert not result.passed and any(line.startswith(LINE) for line in result.findings)
    assert LINE in unwrapped(repr(result)) and LINE in result._repr_html_()


@pytest.mark.slow  # two pytest processes of their own
def test_a_stale_finding_fails_the_plugin_under_strict_only(tmp_path):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    plugin = ["--crosscheck-suite", "smoke", "--crosscheck-dtypes", "float64", "--crosscheck-engines", "numpy,torch"]
    code, out = run_pytest(tmp_path, *plugin)
    assert code == 0 and LINE not in out, out
    code, out = run_pytest(tmp_path, *plugin, "--crosscheck-strict-findings")
    assert code == 1 and f"crosscheck: {LINE}" in unwrapped(out), out
