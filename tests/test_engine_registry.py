"""One engine registry (crosscheck/engines.py): every engine kind through every path gives
the verdict and the failing rows of a single-process run; nothing checked is never a
PASS; a crash is exit 3; the rerun commands the reports print reproduce their rows."""
from __future__ import annotations

import html
import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest

from crosscheck.adapters import finite_differences as fd_module
from crosscheck.cli import main
from crosscheck.scenarios.tolerances import Tolerance
from tests.support import CLIENTS
from tests.support import run_pytest as _pytest

KEY = ["scenario", "engine", "check", "quantity", "layer"]


def slipped(folder: Path) -> str:
    """The course's module with 1/m dropped from dW (a learner's file)."""
    folder.mkdir(exist_ok=True)
    shutil.copy(CLIENTS / "dnn_utils.py", folder)
    text = (CLIENTS / "course_dnn.py").read_text()
    (folder / "course_dnn.py").write_text(text.replace("dW = 1./m * np.dot(dZ,A_prev.T)", "dW = np.dot(dZ,A_prev.T)"))
    return f"{folder / 'course_dnn.py'}:L_model_backward"


def failing(folder: Path) -> set:
    df = pd.read_csv(folder / "discrepancies.csv", keep_default_na=False)
    return set(df.loc[~df["passed"].astype(bool), KEY].astype(str).itertuples(index=False, name=None))


#: (engine kind, run arguments): each kind has failing rows, so a path that drops it shows.
KINDS = {
    "mutant": ["--suite", "smoke", "--dtypes", "float64", "--engines", "numpy,mutant:tanh'-as-1-Z^2"],
    "variant": ["--suite", "gelu-defaults", "--dtypes", "float64", "--engines", "torch-gelu-default"],
    "backward": ["--suite", "smoke", "--dtypes", "float64"],
}


def _args(kind, tmp_path):
    return KINDS[kind] + (["--backward", slipped(tmp_path / "learner")] if kind == "backward" else [])


@pytest.fixture(scope="module")
def single_run(tmp_path_factory):
    """``single_run(kind)``: (run arguments, exit code, report folder) of one plain
    single-process ``crosscheck run`` of that kind, run once and shared by the tests that
    compare other paths with it (they only read its folder)."""
    done = {}

    def single(kind):
        if kind not in done:
            folder = tmp_path_factory.mktemp(kind)
            args = _args(kind, folder) + ["--no-progress"]
            done[kind] = args, main(["run", *args, "--out", str(folder / "single")]), folder / "single"
        return done[kind]

    return single


@pytest.mark.parametrize("kind", KINDS)
def test_every_path_gives_the_single_run_verdict_and_rows(kind, single_run, tmp_path):
    args, single, folder = single_run(kind)
    rows = failing(folder)
    assert single == 1 and rows
    assert main(["run", *args, "--workers", "2", "--out", str(tmp_path / "workers")]) == 1
    assert failing(tmp_path / "workers") == rows
    for k in (1, 2):
        assert main(["run", *args, "--shard", f"{k}/2", "--out", str(tmp_path / f"shard{k}")]) in (0, 1)
    assert main(["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(tmp_path / "merged")]) == 1
    assert failing(tmp_path / "merged") == rows
    # the plugin: an item per scenario x engine, failing exactly where the run has failing rows
    options = {"--suite": "--crosscheck-suite", "--dtypes": "--crosscheck-dtypes",
               "--engines": "--crosscheck-engines", "--backward": "--crosscheck-backward"}
    plugin = [options.get(a, a) for a in args if a != "--no-progress"]
    (tmp_path / "plugin").mkdir()
    code, out = _pytest(tmp_path / "plugin", *plugin, "-rf")
    failed = {tuple(line.split(" ")[1].split("::")[1:3]) for line in out.splitlines()
              if line.startswith("FAILED crosscheck[")}
    assert code == 1 and failed == {(framework, scenario) for scenario, framework, *_ in rows}


def test_the_api_gives_the_rows_of_the_command_line(single_run):
    from crosscheck import check

    # `crosscheck run --suite smoke --dtypes float64 --backward TARGET --no-progress`, shared
    args, code, cli = single_run("backward")
    target = args[args.index("--backward") + 1]
    assert code == 1
    result = check(target, dtypes="float64", engines="numpy")
    api = set(result.table.loc[~result.table["passed"].astype(bool), KEY].astype(str)
              .itertuples(index=False, name=None))
    assert not result.passed and api == failing(cli)


def test_workers_keep_a_mutant_asked_for_alone(tmp_path, capsys):
    args = ["run", "--scenario", "tanh-sigmoid_1-1-1_m1_float64_s0", "--mutant", "tanh'-as-1-Z^2", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 1
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "two")]) == 1
    assert main([*args, "--engines", "numpy", "--workers", "2", "--out", str(tmp_path / "three")]) == 1
    assert failing(tmp_path / "one") == failing(tmp_path / "two") == failing(tmp_path / "three") - set()


def test_an_engine_asked_for_that_checks_nothing_fails_with_one_line(tmp_path, capsys):
    code = main(["run", "--suite", "smoke", "--engines", "fd", "--dtypes", "float32", "--out", str(tmp_path), "-q"])
    out = capsys.readouterr().out
    assert code == 1 and "0 failed, 1 engine checked nothing -> FAIL" in out
    assert [line for line in out.splitlines() if line.startswith("engine fd checked no scenario")] == [
        "engine fd checked no scenario: every scenario was 10 unsupported; first: unsupported: engine fd runs "
        "float64 scenarios only"]
    # not asked for by name (the default engines, float32 only): fd checks nothing, the run passes
    assert main(["run", "--suite", "smoke", "--dtypes", "float32", "--engines", "numpy,fd", "--out",
                 str(tmp_path), "-q"]) == 1
    assert main(["run", "--suite", "smoke", "--dtypes", "float32", "--out", str(tmp_path), "-q"]) == 0


@pytest.mark.parametrize("argv", [
    ["run", "--scenario", "sigmoid_4-1_m1_float64_s0", "--engines", "numpy"],
    ["scenarios", "--suite", "smoke"],
])
def test_a_crash_of_the_harness_is_exit_3_with_the_traceback_saved(argv, tmp_path, capsys, monkeypatch):
    import crosscheck.cli.common
    import crosscheck.reporting.files

    def broken(*args, **kwargs):
        raise RuntimeError("planted bug\nsecond line")

    monkeypatch.setattr(crosscheck.reporting.files, "write_reports", broken)
    monkeypatch.setattr(crosscheck.cli.common, "suite", broken)
    assert main([*argv, "--out", str(tmp_path)] if argv[0] == "run" else argv) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" in err and "RuntimeError: planted bug;" in err
    saved = Path(err.rsplit("traceback saved in ", 1)[1].strip())
    assert saved.is_file() and "planted bug" in saved.read_text()
    if argv[0] == "run":
        assert saved.parent == tmp_path


def _reruns(folder: Path) -> list[str]:
    return sorted({html.unescape(c) for c in re.findall(r"<td>(crosscheck run [^<]*)</td>",
                                                        (folder / "report.html").read_text())})


@pytest.mark.parametrize("kind, args", [
    ("mutant", KINDS["mutant"]),
    ("variant", KINDS["variant"]),
    ("backward", KINDS["backward"]),
    ("fd", ["--suite", "smoke", "--dtypes", "float64", "--engines", "fd"]),
])
def test_the_rerun_commands_of_report_html_reproduce_their_rows(kind, args, single_run, tmp_path, monkeypatch):
    if kind == "fd":  # an fd that fails: its own tolerance made far too tight
        monkeypatch.setattr(fd_module.FiniteDifferences, "tolerance", Tolerance(1e-15, 1e-18))
        assert main(["run", *args, "--out", str(tmp_path / "run"), "--no-progress"]) == 1
        folder = tmp_path / "run"
    else:  # the same `crosscheck run ARGS --no-progress` (with --backward for backward), shared
        shared, code, folder = single_run(kind)
        assert shared[:len(args)] == args and code == 1
    rows, commands = failing(folder), _reruns(folder)
    assert commands
    for i, command in enumerate(commands[:3]):
        argv = shlex.split(command)
        assert argv[:2] == ["crosscheck", "run"]
        assert main([*argv[1:], "--out", str(tmp_path / f"rerun{i}"), "--no-progress"]) == 1
        again = failing(tmp_path / f"rerun{i}")
        scenario = argv[argv.index("--scenario") + 1]
        assert {r for r in rows if r[0] == scenario} == again


def test_engines_asked_for_by_name_are_judged_by_the_names_their_rows_carry():
    from crosscheck.engines import EngineSpec

    class Built:
        def __init__(self, name):
            self.name = name

    spec = EngineSpec(("numpy", "torch"), ("cpu", "cuda"))
    assert spec.asked(True, [Built("numpy"), Built("torch"), Built("torch@cuda")]) == ("numpy", "torch", "torch@cuda")
    assert spec.asked(False, [Built("numpy")]) == ()


def test_shards_of_one_scenario_merge_and_shards_leave_the_idle_verdict_to_the_merge(tmp_path):
    args = ["run", "--scenario", "sigmoid_4-1_m13_float32_s0", "--engines", "numpy,fd", "--no-progress"]
    assert main([*args, "--shard", "1/1", "--out", str(tmp_path / "s1")]) == 0  # fd checks nothing in the shard
    assert main(["merge", str(tmp_path / "s1"), "--out", str(tmp_path / "m")]) == 1  # nor in the whole run


def test_check_takes_every_engine_name_of_the_registry(tmp_path):
    from crosscheck import check

    target = slipped(tmp_path / "learner")
    result = check(target, engines="mutant:tanh'-as-1-Z^2", dtypes="float64")
    assert not result.passed and set(result.table["engine"]) == {"mutant:tanh'-as-1-Z^2", "L_model_backward"}
