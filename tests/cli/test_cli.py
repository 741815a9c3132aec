"""``crosscheck``: exit codes 0 / 1 / 2, one-line errors, scenario listing, unavailable engines."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

import crosscheck.engines
from crosscheck.adapters.torch_autograd import TorchAutograd
from crosscheck.cli import main
from tests.checks.planted import PlantedEngine

SCENARIO = "relu-tanh-sigmoid_4-5-5-1_m16_float64_s0"


def test_passing_run_exits_0_and_writes_reports(tmp_path, capsys):
    assert main(["run", "--scenario", SCENARIO, "--engines", "numpy", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "discrepancies.csv").exists() and (tmp_path / "summary.md").exists()
    assert "0 failed -> PASS" in capsys.readouterr().out


def test_failing_run_exits_1_and_prints_where(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(crosscheck.engines, "get_engine", lambda name, device="cpu": PlantedEngine("Y-A"))
    assert main(["run", "--scenario", SCENARIO, "--engines", "numpy", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {SCENARIO} planted:Y-A reference dZ[3]" in out


@pytest.mark.parametrize("args, message", [
    (["run", "--suite", "nope"], "unknown suite 'nope'; accepted: smoke, default, full"),
    (["run", "--engines", "numpy,mxnet"], "unknown engine 'mxnet'; accepted: numpy, torch, jax"),
    (["run", "--dtypes", "float8"], "unknown dtype 'float8'; accepted: float64, float32, float16, bfloat16"),
    (["run", "--scenario", "relu_4-1"], "does not read ACTS_SIZES_mM_DTYPE_sSEED"),
    (["run", "--suite", "smoke", "--scenario", SCENARIO], "not allowed with argument"),
    (["run", "--bogus"], "unrecognized arguments: --bogus"),
    (["scenarios", "--suite", "nope"], "unknown suite 'nope'"),
    ([], "required: command"),
])
def test_bad_usage_exits_2_with_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("crosscheck: error: ") and message in err


def test_unwritable_out_exits_2_before_running(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["run", "--suite", "smoke", "--out", str(blocker / "sub")]) == 2
    assert capsys.readouterr().err.strip() == f"crosscheck: error: cannot write reports to {blocker / 'sub'}: Not a directory"


def test_bad_input_from_a_real_shell_has_no_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "crosscheck", "run", "--dtypes", "float8"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_scenarios_json_has_the_keys_other_tools_use(capsys):
    assert main(["scenarios", "--suite", "smoke", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == 20
    assert set(data[0]) >= {"id", "layer_sizes", "activations", "loss", "m", "dtype", "seed"}
    first = data[0]
    assert len(first["activations"]) == len(first["layer_sizes"]) - 1


def test_an_engine_that_is_not_installed_is_skipped_with_the_reason(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(TorchAutograd, "module", "torch_is_not_installed_here")
    assert main(["run", "--scenario", SCENARIO, "--out", str(tmp_path), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "skipping torch: torch_is_not_installed_here is not installed" in captured.err
    assert "engine torch unavailable" in (tmp_path / "summary.md").read_text()


def test_asking_for_an_engine_that_is_not_installed_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(TorchAutograd, "module", "torch_is_not_installed_here")
    assert main(["run", "--scenario", SCENARIO, "--engines", "torch", "--out", str(tmp_path)]) == 2
    assert "engine torch is unavailable" in capsys.readouterr().err


def test_quiet_prints_only_the_headline(tmp_path, capsys):
    assert main(["run", "--scenario", SCENARIO, "--engines", "numpy", "--out", str(tmp_path), "-q"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()  # the headline: the totals, then one line per engine
    assert lines[0].endswith("0 failed -> PASS") and lines[1:] == ["numpy: 1 scenario checked, 0 failed"]
    assert "\033" not in out  # no colour off a terminal


def test_summary_lists_the_first_failing_scenarios_then_a_count(tmp_path, capsys, monkeypatch):
    import crosscheck.reporting.markdown

    monkeypatch.setattr(crosscheck.engines, "get_engine", lambda name, device="cpu": PlantedEngine("Y-A"))
    monkeypatch.setattr(crosscheck.reporting.markdown, "MAX_FAILURES", 5)
    assert main(["run", "--suite", "smoke", "--engines", "numpy", "--out", str(tmp_path), "-q"]) == 1
    text = (tmp_path / "summary.md").read_text()
    scenarios, rows = text.split("## Failing scenarios (")[1].split(" failing rows")[0].split("; ")
    csv = pd.read_csv(tmp_path / "discrepancies.csv")
    assert int(rows) == int((~csv["passed"]).sum()) > int(scenarios) == 20
    assert "... and 15 more failing scenarios in discrepancies.csv" in text
    table = text.split("## Failing scenarios")[1].split("\n\n")[1]
    assert table.count("\n") == 5 + 1 and "first wrong" in table  # header, rule, five rows


def test_every_row_records_its_device_and_a_missing_gpu_is_unavailable_not_a_failure(tmp_path, capsys):
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed")
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: nothing is unavailable here")
    assert main(["run", "--scenario", SCENARIO, "--device", "cpu,cuda", "--out", str(tmp_path), "-q"]) == 0
    import pandas as pd

    df = pd.read_csv(tmp_path / "discrepancies.csv")
    assert set(df["device"]) == {"cpu"}
    err = capsys.readouterr().err
    assert "skipping torch@cuda: no CUDA device" in err and "skipping jax@cuda" in err
    assert "engine torch@cuda unavailable" in (tmp_path / "summary.md").read_text()
    assert main(["run", "--scenario", SCENARIO, "--device", "tpu", "--out", str(tmp_path)]) == 2


@pytest.mark.parametrize("command", [
    ["run", "--scenario", "relu-sigmoid_4-5-1_m16_float32_s0"],
    ["fuzz", "--examples", "3"],
])
def test_the_older_frameworks_flag_is_the_engines_flag(command, tmp_path, capsys, monkeypatch):
    """``--frameworks`` was the flag's name before this release: it still works, with the same run."""
    import pandas as pd

    outputs = []
    for flag in ("--engines", "--frameworks"):
        out = ["--out", str(tmp_path / flag.strip("-"))] if command[0] == "run" else []
        assert main([*command, flag, "numpy,torch", *out]) == 0
        outputs.append(capsys.readouterr().out.split("reports:")[0])
    assert outputs[0] == outputs[1] and "numpy" in outputs[0] and "torch" in outputs[0]
    if command[0] == "run":
        first, second = (pd.read_csv(tmp_path / name / "discrepancies.csv").drop(columns="engine_seconds")
                         for name in ("engines", "frameworks"))
        assert first.equals(second) and set(first["engine"]) == {"numpy", "torch"}
